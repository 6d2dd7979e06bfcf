import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { type OracleReader, RequestStateCode, decodeRequestCreated } from "./oracle";
import type { RequestRow, Store } from "./store";

/**
 * The on-chain gate of a takeover (a request assigned to another node, past its exclusivity): just before
 * inference, `canFulfil` must say this node may fulfil it. When it may not because the request is settled or
 * answered (the assigned node came back), the request is dropped as `expired` with the reason and never sent;
 * when it is still pending and merely not fulfillable yet, it stays `seen` for a later try.
 */
export class TakeoverGate {
  constructor(
    private readonly store: Store,
    private readonly reader: OracleReader,
    private readonly node: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics | null,
    /** Latest chain time known (block timestamp). */
    private readonly chainTime: () => number = () => 0,
  ) {}

  async check(rows: RequestRow[]): Promise<RequestRow[]> {
    const verdicts = await Promise.all(
      rows.map(async (row) => {
        const { requestEnc } = decodeRequestCreated(row.logTopics, row.logData);
        if (await this.reader.canFulfil(row.requestId, requestEnc, this.node)) return { row, ok: true as const };
        return { row, ok: false as const, onChain: await this.reader.requestState(row.requestId) };
      }),
    );
    const keep: RequestRow[] = [];
    for (const v of verdicts) {
      const id = String(v.row.requestId);
      if (v.ok) {
        keep.push(v.row);
        this.metrics?.takeovers.inc({ outcome: "attempted" });
        this.logger.info(
          { requestId: id, modelId: String(v.row.modelId), exclusiveUntil: v.row.exclusiveUntil },
          "taking over a request of another node after its exclusivity",
        );
        continue;
      }
      const { state, deadline } = v.onChain;
      const reason =
        state === RequestStateCode.Pending
          ? this.chainTime() > deadline
            ? "takeover: deadline passed"
            : null
          : state === RequestStateCode.Refunded
            ? "takeover: refunded on chain"
            : state === RequestStateCode.None
              ? "takeover: unknown on chain"
              : `takeover: answered by another node (state ${state})`;
      if (reason === null) {
        this.logger.debug({ requestId: id, deadline }, "takeover not fulfillable yet");
        continue;
      }
      this.store.transition([v.row.requestId], "expired", { finalReason: reason }, ["seen"]);
      this.metrics?.takeovers.inc({ outcome: "dropped" });
      this.logger.info({ requestId: id, reason }, "takeover dropped: the request is no longer open");
    }
    return keep;
  }
}
