import { Transaction, Wallet } from "ethers";
import { JsonRpcError, type RpcPool, isTransientRpcError, shortError } from "./chain";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import {
  type FulfilItem,
  RequestStateCode,
  VerificationMode,
  decodeFulfilmentLog,
  decodeRequestCreated,
  encodeFinalize,
  encodeFulfil,
  encodeFulfilBatchBytes,
  encodeFulfilProof,
  encodeFulfilProofBytes,
  encodeFulfilProofBatchBytes,
  calldataGas,
  PROOF_VERIFY_GAS,
  type ProofItem,
  fulfilGas,
  fulfilItemCost,
  type ItemCost,
  oracleInterface,
  type OracleReader,
} from "./oracle";
import type { BatchRow, RequestRow, Store, TxRow } from "./store";
import { FastSigner, hexToBuffer } from "./txcodec";
import { Wake } from "./wake";

/** The fields of an `eth_getTransactionReceipt` answer that settling reads (hex quantities as the node sends them). */
export interface RawReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  gasUsed?: string;
  logs: { address: string; topics: string[]; data: string }[];
}

/** What the tracking of one round learned from the chain: the latest nonce and each stored transaction's receipt. */
interface ChainView {
  head: number;
  latestNonce: number;
  receipts: Map<string, RawReceipt>;
}

export interface SubmitterOptions {
  chainId: number;
  oracle: string;
  confirmations: number;
  maxTxItems: number;
  maxTxWaitMs: number;
  maxInFlightTxs: number;
  maxAttempts: number;
  bumpAfterBlocks: number;
  bumpPercent: number;
  maxFeePerGasCapWei: bigint;
  priorityFeeWei?: bigint;
  baseGas: number;
  perItemGasOverhead: number;
  maxGasPerTx: number;
  pollMs?: number;
  /** Finalize this node's Optimistic results after their challenge window (default true). */
  finalize?: boolean;
  /** Finalize transactions prepared per round at most. */
  maxFinalizesPerTick?: number;
  /** Minimum interval between two finalization rounds (ms). */
  finalizeCheckMs?: number;
}

/**
 * The only writer for the node key: keeps the nonce locally (resynced from the chain on "nonce too low"), sends
 * `fulfilBatch` transactions after checking each request is still open and simulating the batch, bumps EIP-1559
 * fees of stuck transactions by `bumpPercent` up to a cap, and marks requests confirmed once the receipt is
 * `confirmations` deep. Every signed transaction is stored before it is broadcast, so a restart re-tracks (and if
 * needed re-broadcasts) exactly what was signed; the oracle skips any item fulfilled twice.
 */
export class Submitter {
  readonly wallet: Wallet;
  readonly address: string;
  private readonly signer: FastSigner;
  /** Pending batches whose nonce the chain had passed with no receipt of ours, since when (ms). */
  private readonly nonceConsumedSeenAt = new Map<number, number>();
  /** When each pending transaction was last seen in the node's pool (ms): a lost broadcast is re-sent. */
  private readonly presenceCheckedAt = new Map<string, number>();
  private nonce: number | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  readonly wake = new Wake();
  /** Receipts are re-checked against the canonical chain at this depth. */
  private readonly depth: number;
  private lastFinalizeCheckMs = 0;
  /** Proposed results whose finalize simulation failed: not retried before this time (ms). */
  private readonly finalizeRetryAt = new Map<bigint, number>();

  constructor(
    private readonly store: Store,
    private readonly rpc: RpcPool,
    private readonly reader: OracleReader,
    key: string,
    private readonly opts: SubmitterOptions,
    private readonly logger: Logger,
    private readonly metrics: Metrics | null,
  ) {
    this.wallet = new Wallet(key);
    this.address = this.wallet.address;
    this.signer = new FastSigner(key);
    this.depth = Math.max(1, opts.confirmations);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delay = this.opts.pollMs ?? 100;
      try {
        delay = Math.min(delay, await this.tick());
        failures = 0;
      } catch (err) {
        failures++;
        this.metrics?.errors.inc({ stage: "submitter" });
        delay = Math.min(10_000, (this.opts.pollMs ?? 100) * 2 ** Math.min(failures, 10));
        this.logger.warn({ err: shortError(err), failures, retryInMs: delay }, "submitter tick failed");
      }
      if (this.running) await this.wake.wait(Math.max(1, delay));
    }
  }

  /** Start-up reconciliation, before anything new is sent: nonce from chain and store, pending batches re-tracked. */
  async reconcile(): Promise<void> {
    await this.resyncNonce();
    await this.trackAll(await this.rpc.blockNumber());
    this.logger.info(
      { nonce: this.nonce, pending: this.store.batchesInState("pending").length },
      "submitter reconciled",
    );
  }

  private async resyncNonce(): Promise<void> {
    const pending = await this.rpc.call("nonce", (p) => p.getTransactionCount(this.address, "pending"));
    const latest = await this.rpc.call("nonce", (p) => p.getTransactionCount(this.address, "latest"));
    const inFlight = this.store
      .batchesInState("pending")
      .map((b) => b.nonce)
      .filter((n) => n >= latest);
    this.nonce = Math.max(pending, latest, ...inFlight.map((n) => n + 1));
  }

  /**
   * One round: track every in-flight batch (one nonce read and one batch of receipt reads for all of them), then
   * send new batches while some are due and fewer than `maxInFlightTxs` are pending. Transactions are broadcast
   * without waiting, so the next batch is checked, simulated and signed while earlier ones are mined.
   * Returns ms until the next round.
   */
  async tick(): Promise<number> {
    if (this.nonce === null) await this.reconcile();
    const head = await this.rpc.blockNumber();
    const stop = this.metrics?.stageTimer("track");
    await this.trackAll(head);
    stop?.();
    let next = 0;
    for (let sent = 0; sent < this.opts.maxInFlightTxs && next === 0; sent++) {
      next = await this.sendDue(head);
      if (next === 0 && !this.running) break;
    }
    await this.finalizeDue(head);
    return next;
  }

  // ---- sending ---------------------------------------------------------------------------------------------------

  private async sendDue(head: number): Promise<number> {
    const pollMs = this.opts.pollMs ?? 100;
    if (this.store.batchesInState("pending").length >= this.opts.maxInFlightTxs) return pollMs;
    const candidates = this.store.requestsInState("inferred", this.opts.maxTxItems);
    if (candidates.length === 0) return pollMs;
    // Proof mode (issue 15): each proven result goes out at once in its own `fulfilProof`, ahead of the batch
    const proven = candidates.filter((r) => r.mode === VerificationMode.Proof);
    if (proven.length > 0) {
      await this.sendProofs(proven, head);
      return 0;
    }
    const oldest = Math.min(...candidates.map((r) => r.updatedAtMs));
    const waitMs = oldest + this.opts.maxTxWaitMs - Date.now();
    if (candidates.length < this.opts.maxTxItems && waitMs > 0) return waitMs;

    const t0 = Date.now();
    const check = this.metrics?.stageTimer("check");
    const items = await this.openItems(candidates);
    check?.();
    if (items.length === 0) return 0;
    const chosen = this.fitGas(items);
    const t1 = Date.now();
    const sim = this.metrics?.stageTimer("simulate");
    const sendable = await this.simulate(chosen);
    sim?.();
    this.logger.debug({ checkMs: t1 - t0, simulateMs: Date.now() - t1, size: sendable.length }, "batch prepared");
    if (sendable.length === 0) return 0;
    await this.send(sendable, head);
    return 0;
  }

  /**
   * Proof mode: proven results as `fulfilProof(requestId, request, input, output, proof)`, or `fulfilProofBatch` of
   * those calls when two or more are ready. Any node may send them (no assignment, no exclusivity), so the only
   * checks are the request's state on chain and a simulation of each call. A result without a proof (an input the
   * circuit cannot take, a failed proof) cannot be delivered at all: the request is left to its requester's refund.
   */
  private async sendProofs(rows: RequestRow[], head: number): Promise<void> {
    const ready: { row: RequestRow; item: ProofItem; gas: number }[] = [];
    for (const row of rows) {
      const id = String(row.requestId);
      if (row.errorCode !== 0 || !row.proof || !row.output) {
        const reason = `no proof to submit (${row.errorMessage ?? `error code ${row.errorCode}`}); refundable after the deadline`;
        this.logger.warn({ requestId: id, reason }, "proof request cannot be fulfilled");
        this.store.transition([row.requestId], "failed", { finalReason: reason });
        continue;
      }
      // an expired request is caught by the simulation (AIOracleRequestExpired) like any other revert
      const st = await this.reader.requestState(row.requestId);
      if (st.state !== RequestStateCode.Pending) {
        const reason =
          st.state === RequestStateCode.Fulfilled
            ? "fulfilled on chain"
            : st.state === RequestStateCode.Refunded
              ? "refunded on chain"
              : `not fulfillable (state ${st.state}, deadline ${st.deadline})`;
        this.logger.info({ requestId: id, reason }, "proof request no longer open: dropped");
        this.store.transition([row.requestId], "expired", { finalReason: reason });
        continue;
      }
      const decoded = decodeRequestCreated(row.logTopics, row.logData);
      const item: ProofItem = {
        requestId: row.requestId,
        requestEnc: decoded.requestEnc,
        input: row.input,
        output: row.output,
        proof: row.proof,
      };
      const gas = this.proofGas(row, item);
      try {
        await this.ethCall("simulate", encodeFulfilProof(item), gas);
      } catch (err) {
        if (isTransientRpcError(err)) throw err;
        const reason = describeRevert(err);
        this.logger.warn({ requestId: id, reason }, "fulfilProof simulation reverted");
        this.metrics?.errors.inc({ stage: "simulation" });
        this.giveUpOrRetry(row, `simulation reverted: ${reason}`, true);
        continue;
      }
      ready.push({ row, item, gas });
      if (ready.reduce((sum, r) => sum + r.gas, 0) > this.opts.maxGasPerTx && ready.length > 1) {
        ready.pop();
        break;
      }
    }
    if (ready.length === 0) return;
    if (ready.length === 1) {
      await this.sendData([ready[0].row], encodeFulfilProofBytes(ready[0].item), ready[0].gas, head);
      return;
    }
    // one base cost for the batch instead of one per item
    const gasLimit = ready.reduce((sum, r) => sum + r.gas, 0) - (ready.length - 1) * this.opts.baseGas;
    await this.sendData(
      ready.map((r) => r.row),
      encodeFulfilProofBatchBytes(ready.map((r) => r.item)),
      gasLimit,
      head,
    );
  }

  /** Gas limit of a `fulfilProof`: the verifier's bounded gas on top of a fulfilment's, plus input and proof calldata. */
  private proofGas(row: RequestRow, item: ProofItem): number {
    const base = this.gasFor([
      { row, item: { requestId: item.requestId, requestEnc: item.requestEnc, output: item.output, errorCode: 0 } },
    ]);
    return base + PROOF_VERIFY_GAS + calldataGas(item.input) + calldataGas(item.proof) + 64 * 16;
  }

  /** Keeps the requests that this node may still fulfil; the others are dropped (expired), never sent. */
  private async openItems(rows: RequestRow[]): Promise<{ row: RequestRow; item: FulfilItem }[]> {
    const decodedRows = rows.map((row) => ({ row, decoded: decodeRequestCreated(row.logTopics, row.logData) }));
    const oks = await this.reader.canFulfilMany(
      decodedRows.map((d) => d.decoded),
      this.address,
    );
    const checked = decodedRows.map((d, i) => ({ ...d, ok: oks[i] }));
    const out: { row: RequestRow; item: FulfilItem }[] = [];
    for (const c of checked) {
      if (c.ok) {
        out.push({
          row: c.row,
          item: {
            requestId: c.row.requestId,
            requestEnc: c.decoded.requestEnc,
            output: c.row.output ?? new Uint8Array(0),
            errorCode: c.row.errorCode,
          },
        });
        continue;
      }
      const st = await this.reader.requestState(c.row.requestId);
      const reason =
        st.state === RequestStateCode.Fulfilled
          ? "fulfilled on chain"
          : st.state === RequestStateCode.Refunded
            ? "refunded on chain"
            : st.state === RequestStateCode.None
              ? "unknown on chain"
              : `not fulfillable by this node (state ${st.state}, deadline ${st.deadline})`;
      this.logger.info({ requestId: String(c.row.requestId), reason }, "request no longer open: dropped");
      this.store.transition([c.row.requestId], "expired", { finalReason: reason });
      if (c.row.takeover) this.metrics?.takeovers.inc({ outcome: "dropped" });
    }
    return out;
  }

  /** The gas limit of a fulfilment (or finalize) of these items: estimated from their actual bytes and callbacks. */
  private gasFor(items: readonly { row: RequestRow; item: FulfilItem }[]): number {
    return fulfilGas(
      this.opts.baseGas,
      items.map((i) => this.itemCost(i)),
    );
  }

  private itemCost(i: { row: RequestRow; item: FulfilItem }): ItemCost {
    return fulfilItemCost(i.item, i.row.callbackGasLimit, this.opts.perItemGasOverhead);
  }

  /** The longest prefix of `items` whose fulfilment fits `maxGasPerTx` (at least one item). */
  private fitGas<T extends { row: RequestRow; item: FulfilItem }>(items: T[]): T[] {
    const costs: ItemCost[] = [];
    for (const it of items) {
      costs.push(this.itemCost(it));
      if (costs.length > 1 && fulfilGas(this.opts.baseGas, costs) > this.opts.maxGasPerTx)
        return items.slice(0, costs.length - 1);
    }
    return items;
  }

  /**
   * eth_call of the whole batch with the gas limit we would send. A batch never reverts for an invalid item (the
   * oracle skips it), so a revert is global; then each item is simulated alone and the ones that revert are
   * dropped (or failed after `maxAttempts`) instead of paying for them.
   */
  private async simulate<T extends { row: RequestRow; item: FulfilItem }>(items: T[]): Promise<T[]> {
    const gasLimit = this.gasFor(items);
    const data = `0x${encodeFulfilBatchBytes(items.map((i) => i.item)).toString("hex")}`;
    try {
      await this.ethCall("simulate", data, gasLimit);
      return items;
    } catch (err) {
      if (isTransientRpcError(err)) throw err;
      this.logger.warn(
        { err: shortError(err), size: items.length },
        "batch simulation reverted; simulating items alone",
      );
    }
    const ok: T[] = [];
    for (const it of items) {
      try {
        await this.ethCall("simulate", encodeFulfil(it.item), this.gasFor([it]));
        ok.push(it);
      } catch (err) {
        if (isTransientRpcError(err)) throw err;
        const reason = describeRevert(err);
        this.logger.warn({ requestId: String(it.row.requestId), reason }, "fulfilment simulation reverted");
        this.metrics?.errors.inc({ stage: "simulation" });
        this.giveUpOrRetry(it.row, `simulation reverted: ${reason}`, true);
      }
    }
    return ok;
  }

  /** `eth_call` from the node key on the thin path: a revert is raised as a `JsonRpcError` carrying its data. */
  private async ethCall(label: string, data: string, gasLimit: number): Promise<string> {
    return this.rpc.send<string>(label, "eth_call", [
      { from: this.address, to: this.opts.oracle, data, gas: `0x${gasLimit.toString(16)}` },
      "latest",
    ]);
  }

  private async fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const block = await this.rpc.call("getBlock", (p) => p.getBlock("latest"));
    const base = block?.baseFeePerGas ?? 0n;
    let tip = this.opts.priorityFeeWei;
    if (tip === undefined) {
      try {
        tip = BigInt(await this.rpc.call("tip", (p) => p.send("eth_maxPriorityFeePerGas", [])));
      } catch {
        tip = 1_000_000_000n;
      }
    }
    let maxFee = base * 2n + tip;
    if (maxFee > this.opts.maxFeePerGasCapWei) maxFee = this.opts.maxFeePerGasCapWei;
    if (tip > maxFee) tip = maxFee;
    return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip };
  }

  /** Signs an EIP-1559 transaction to the oracle: RLP on bytes, native keccak and secp256k1 (see txcodec). */
  private sign(
    nonce: number,
    data: Uint8Array,
    gasLimit: number,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ): { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
    const stop = this.metrics?.stageTimer("sign");
    const tx = this.signer.signEip1559({
      chainId: this.opts.chainId,
      nonce,
      to: this.opts.oracle,
      data,
      value: 0n,
      gasLimit: BigInt(gasLimit),
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    stop?.();
    return { ...tx, ...fees };
  }

  private async send(items: { row: RequestRow; item: FulfilItem }[], head: number): Promise<void> {
    const gasLimit = this.gasFor(items);
    const encode = this.metrics?.stageTimer("encode");
    const data = encodeFulfilBatchBytes(items.map((i) => i.item));
    encode?.();
    await this.sendData(
      items.map((i) => i.row),
      data,
      gasLimit,
      head,
    );
  }

  /** Signs, stores (before the broadcast) and broadcasts one fulfilment transaction of these requests. */
  private async sendData(rows: RequestRow[], data: Buffer, gasLimit: number, head: number): Promise<void> {
    const fees = await this.fees();
    const items = rows.map((row) => ({ row }));
    const nonce = this.nonce!;
    const tx = this.sign(nonce, data, gasLimit, fees);
    // persisted before the broadcast: after a crash the hash is known and the same bytes can be re-sent
    const persist = this.metrics?.stageTimer("persist");
    const batch = this.store.createBatch(
      nonce,
      gasLimit,
      items.map((i) => i.row.requestId),
      head,
      tx,
    );
    persist?.();
    this.nonce = nonce + 1;
    this.metrics?.txSent.inc();
    this.metrics?.txBatchSize.observe(items.length);
    this.logger.info({ batch: batch.id, nonce, size: items.length, gasLimit, hash: tx.hash }, "fulfilment batch sent");
    // not awaited: the next batch is prepared while the node takes this one (tracking re-sends it if it got lost)
    void this.broadcast(tx.raw);
  }

  /**
   * Sends the stored raw bytes with `eth_sendRawTransaction` (nothing re-parsed or re-recovered: they were signed
   * here); "already known" is success, "nonce too low" resyncs the nonce (tracking sorts out the rest).
   */
  private async broadcast(raw: string): Promise<void> {
    const stop = this.metrics?.stageTimer("broadcast");
    try {
      await this.rpc.send("broadcast", "eth_sendRawTransaction", [raw]);
    } catch (err) {
      const msg = (err instanceof JsonRpcError ? err.message : shortError(err)).toLowerCase();
      if (/nonce too low|nonce has already been used|nonce_expired/.test(msg)) {
        await this.resyncNonce().catch(() => undefined);
        return;
      }
      if (msg.includes("already known") || msg.includes("already imported")) return;
      this.metrics?.errors.inc({ stage: "broadcast" });
      this.logger.warn({ err: shortError(err) }, "broadcast failed; tracking will retry");
    } finally {
      stop?.();
    }
  }

  // ---- tracking --------------------------------------------------------------------------------------------------

  /**
   * Tracks every pending batch against one view of the chain: the latest nonce, then (so that a transaction mined
   * between the two reads is still found) the receipts of all their stored transactions in one JSON-RPC batch.
   */
  private async trackAll(head: number): Promise<void> {
    const pending = this.store.batchesInState("pending");
    if (pending.length === 0) return;
    const txs = new Map(pending.map((b) => [b.id, this.store.txsOf(b.id, false)]));
    const latestNonce = await this.rpc.call("nonce", (p) => p.getTransactionCount(this.address, "latest"));
    const hashes = [...txs.values()].flat().map((t) => t.hash);
    const answers = await this.rpc.batch(
      "receipt",
      hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
    );
    const receipts = new Map<string, RawReceipt>();
    answers.forEach((a, i) => {
      if (a.error) throw a.error;
      if (a.result) receipts.set(hashes[i], a.result as RawReceipt);
    });
    const view: ChainView = { head, latestNonce, receipts };
    for (const b of pending) await this.track(b, txs.get(b.id)!, view);
  }

  /** Advances one pending batch: confirm, bump, re-broadcast, or detect that its nonce went to another tx. */
  private async track(batch: BatchRow, txs: TxRow[], view: ChainView): Promise<void> {
    const { head, latestNonce } = view;
    // the newest transaction first: after a fee bump the replacement is the likely one to be mined
    const receipt = [...txs].reverse().find((t) => view.receipts.has(t.hash));
    if (receipt) {
      const r = view.receipts.get(receipt.hash)!;
      this.nonceConsumedSeenAt.delete(batch.id);
      if (head - Number(r.blockNumber) + 1 < this.depth) return;
      for (const t of txs) this.presenceCheckedAt.delete(t.hash);
      const stop = this.metrics?.stageTimer("settle");
      this.settle(batch, r);
      stop?.();
      return;
    }
    if (latestNonce > batch.nonce) {
      // the nonce was used by a transaction we did not sign for this batch (e.g. the key used elsewhere) -- or ours
      // was mined a moment before its receipt is served: decided only when a later round still finds no receipt
      const first = this.nonceConsumedSeenAt.get(batch.id);
      if (first === undefined) {
        this.nonceConsumedSeenAt.set(batch.id, Date.now());
        return;
      }
      if (Date.now() - first < Math.max(this.opts.pollMs ?? 100, 250)) return;
      this.nonceConsumedSeenAt.delete(batch.id);
      this.logger.warn({ batch: batch.id, nonce: batch.nonce }, "batch nonce consumed by another transaction");
      this.store.db.transaction(() => {
        this.store.setBatchState(batch.id, "dropped");
        for (const id of batch.requestIds) this.reopen(id, "nonce consumed by another transaction");
      })();
      return;
    }
    const last = txs[txs.length - 1];
    if (head - batch.sentBlock >= this.opts.bumpAfterBlocks) {
      await this.bump(batch, last, head);
      return;
    }
    // a broadcast lost on the way (dropped connection, restarted node) is re-sent; the pool is asked at most
    // once per poll interval per transaction, as the answer echoes the whole 130 KB transaction
    const now = Date.now();
    const checkedAt = this.presenceCheckedAt.get(last.hash);
    if (checkedAt === undefined) {
      this.presenceCheckedAt.set(last.hash, now);
      return;
    }
    if (now - checkedAt < Math.max(this.opts.pollMs ?? 100, 250)) return;
    this.presenceCheckedAt.set(last.hash, now);
    const known = await this.rpc.send("getTransaction", "eth_getTransactionByHash", [last.hash]);
    if (!known) await this.broadcast(this.store.rawTx(last.hash));
  }

  private async bump(
    batch: BatchRow,
    last: { hash: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
    head: number,
  ): Promise<void> {
    const cap = this.opts.maxFeePerGasCapWei;
    const factor = BigInt(Math.round(this.opts.bumpPercent * 100));
    const up = (v: bigint) => v + (v * factor) / 10_000n + 1n;
    const market = await this.fees();
    let maxFee = up(last.maxFeePerGas);
    let tip = up(last.maxPriorityFeePerGas);
    if (market.maxFeePerGas > maxFee) maxFee = market.maxFeePerGas;
    if (maxFee > cap) maxFee = cap;
    if (tip > maxFee) tip = maxFee;
    if (maxFee <= last.maxFeePerGas) {
      // at the cap: keep the transaction alive without paying more
      this.store.touchBatch(batch.id, head);
      await this.broadcast(this.store.rawTx(last.hash));
      return;
    }
    const prev = Transaction.from(this.store.rawTx(last.hash));
    const tx = this.sign(batch.nonce, hexToBuffer(prev.data), Number(prev.gasLimit), {
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: tip,
    });
    this.store.recordBump(batch.id, head, tx);
    this.metrics?.txBumps.inc();
    this.logger.info({ batch: batch.id, nonce: batch.nonce, maxFeePerGas: String(maxFee), hash: tx.hash }, "fee bump");
    await this.broadcast(tx.raw);
  }

  /**
   * Applies a receipt `confirmations` deep: what the oracle fulfilled is confirmed (or, for an Optimistic result,
   * proposed with its challenge deadline), the rest re-checked. A finalize batch finalizes its request.
   */
  private settle(batch: BatchRow, receipt: RawReceipt): void {
    const fulfilled = new Set<string>();
    const provisional = new Set<string>();
    const challengeDeadlines = new Map<string, number>();
    const skipped = new Map<string, string>();
    const oracle = this.opts.oracle.toLowerCase();
    const me = this.address.toLowerCase();
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== oracle) continue;
      const ev = decodeFulfilmentLog(log.topics, log.data);
      if (!ev || ev.node !== me) continue;
      const id = String(ev.requestId);
      if (ev.kind === "fulfilled") {
        fulfilled.add(id);
        if (ev.mode === VerificationMode.Optimistic && !ev.isFinal) provisional.add(id);
      } else if (ev.kind === "proposed") {
        challengeDeadlines.set(id, ev.challengeDeadline);
      } else skipped.set(id, ev.reason);
    }
    const mined = {
      block: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
      txHash: receipt.transactionHash,
    };
    const ok = Number(receipt.status) === 1;
    if (batch.kind === "finalize") {
      this.settleFinalize(batch, ok, fulfilled, mined);
      return;
    }
    this.store.db.transaction(() => {
      this.store.setBatchState(batch.id, ok ? "confirmed" : "reverted", mined);
      // the common case in one UPDATE: every request of ours the oracle fulfilled for good
      const final: bigint[] = [];
      for (const row of this.store.getRequests(batch.requestIds)) {
        if (row.state !== "submitted" || row.batchId !== batch.id) continue;
        const id = row.requestId;
        const key = String(id);
        if (ok && fulfilled.has(key)) {
          if (!provisional.has(key)) {
            final.push(id);
          } else {
            const challengeDeadline = challengeDeadlines.get(key) ?? null;
            this.store.transition([id], "proposed", { finalReason: null, challengeDeadline });
            this.metrics?.optimistic.inc({ event: "proposed" });
            this.logger.info({ requestId: key, challengeDeadline }, "optimistic result proposed");
          }
          this.metrics?.fulfilled.inc({ result: row.errorCode === 0 ? "ok" : `error_${row.errorCode}` });
          if (row.takeover) this.metrics?.takeovers.inc({ outcome: "fulfilled" });
        } else if (ok && skipped.has(key)) {
          this.store.transition([id], "expired", { finalReason: `skipped by the oracle (${skipped.get(key)})` });
          if (row.takeover) this.metrics?.takeovers.inc({ outcome: "dropped" });
        } else {
          this.reopen(id, ok ? "not in the receipt" : "transaction reverted");
        }
      }
      this.store.confirmSubmitted(batch.id, final);
    })();
    if (!ok) this.metrics?.errors.inc({ stage: "tx_reverted" });
    this.logger.info(
      {
        batch: batch.id,
        status: receipt.status,
        block: receipt.blockNumber,
        fulfilled: fulfilled.size,
        skipped: skipped.size,
      },
      "fulfilment batch settled",
    );
  }

  private settleFinalize(
    batch: BatchRow,
    ok: boolean,
    fulfilled: Set<string>,
    mined: { block: number; blockHash: string; txHash: string },
  ): void {
    this.store.db.transaction(() => {
      this.store.setBatchState(batch.id, ok ? "confirmed" : "reverted", mined);
      for (const id of batch.requestIds) {
        const row = this.store.getRequest(id);
        if (!row || row.state !== "finalizing" || row.batchId !== batch.id) continue;
        if (ok && fulfilled.has(String(id))) {
          this.store.transition([id], "finalized", { finalReason: null });
          this.metrics?.optimistic.inc({ event: "finalized" });
          this.logger.info({ requestId: String(id), tx: mined.txHash }, "optimistic result finalized");
        } else {
          // back to proposed: a later finalization round reads the request's state on chain again
          this.store.transition([id], "proposed", { batchId: null });
          this.finalizeRetryAt.set(id, Date.now() + 5000);
        }
      }
    })();
    if (!ok) this.metrics?.errors.inc({ stage: "finalize_reverted" });
  }

  // ---- optimistic finalization -------------------------------------------------------------------------------

  /**
   * Finalizes this node's proposed Optimistic results whose challenge window ended before the timestamp of the
   * block `confirmations` behind the head: each request's state is read first (a challenged result is left to the
   * challenge resolution, one finalized or refunded by others is recorded as such), the call is simulated, then
   * sent as its own transaction (the oracle has no batch finalize, and one bad item must not revert others) with
   * the submitter's nonce, fee bumping and confirmation tracking.
   */
  private async finalizeDue(head: number): Promise<void> {
    if (this.opts.finalize === false) return;
    const now = Date.now();
    if (now - this.lastFinalizeCheckMs < (this.opts.finalizeCheckMs ?? 1000)) return;
    this.lastFinalizeCheckMs = now;
    const safeBlock = () => this.rpc.call("getBlock", (p) => p.getBlock(Math.max(0, head - this.opts.confirmations)));
    await this.recheckChallenged(safeBlock);
    if (this.store.finalizable(Number.MAX_SAFE_INTEGER, 1).length === 0) return;
    const room = this.opts.maxInFlightTxs - this.store.batchesInState("pending").length;
    if (room <= 0) return;
    const safe = await safeBlock();
    if (!safe) return;
    const due = this.store
      .finalizable(safe.timestamp, Math.min(room, this.opts.maxFinalizesPerTick ?? 16) * 2)
      .filter((r) => (this.finalizeRetryAt.get(r.requestId) ?? 0) <= now)
      .slice(0, Math.min(room, this.opts.maxFinalizesPerTick ?? 16));
    for (const row of due) {
      const st = await this.reader.requestState(row.requestId);
      const settlesForUs =
        st.state === RequestStateCode.Challenged && (await this.challengeSettlesForUs(row, safe.timestamp));
      if (st.state !== RequestStateCode.Provisional && !settlesForUs) {
        this.onSettledElsewhere(row, st.state);
        continue;
      }
      const item: FulfilItem = {
        requestId: row.requestId,
        requestEnc: decodeRequestCreated(row.logTopics, row.logData).requestEnc,
        output: row.output ?? new Uint8Array(0),
        errorCode: row.errorCode,
      };
      const data = encodeFinalize(item);
      const gasLimit = this.gasFor([{ row, item }]);
      try {
        await this.ethCall("simulate", data, gasLimit);
      } catch (err) {
        if (isTransientRpcError(err)) throw err;
        const reason = describeRevert(err);
        this.finalizeRetryAt.set(row.requestId, now + 5000);
        this.metrics?.errors.inc({ stage: "finalize_simulation" });
        this.logger.warn({ requestId: String(row.requestId), reason }, "finalize simulation reverted; retrying later");
        continue;
      }
      this.finalizeRetryAt.delete(row.requestId);
      const nonce = this.nonce!;
      const tx = this.sign(nonce, hexToBuffer(data), gasLimit, await this.fees());
      const batch = this.store.createBatch(nonce, gasLimit, [row.requestId], head, tx, "finalize");
      this.nonce = nonce + 1;
      this.metrics?.txSent.inc();
      this.logger.info(
        { batch: batch.id, nonce, requestId: String(row.requestId), hash: tx.hash },
        "finalize transaction sent",
      );
      void this.broadcast(tx.raw);
    }
  }

  /**
   * Challenged results are watched until the challenge is resolved or refunded. A challenge still open past its
   * resolution time that `quorumK` bonded votes did not uphold settles in our favour through `finalize` (issue 12):
   * the result goes back to the finalize queue, due at the resolution time.
   */
  private async recheckChallenged(safeBlock: () => Promise<{ timestamp: number } | null>): Promise<void> {
    let safeTs: number | null = null;
    for (const row of this.store.requestsInState("challenged", 64)) {
      const st = await this.reader.requestState(row.requestId);
      if (st.state === RequestStateCode.Challenged) {
        if (safeTs === null) safeTs = (await safeBlock())?.timestamp ?? 0;
        if (!(await this.challengeSettlesForUs(row, safeTs))) continue;
        const { resolveBy } = await this.reader.challengeOf(row.requestId);
        this.store.transition([row.requestId], "proposed", { batchId: null, challengeDeadline: resolveBy });
        this.logger.info(
          { requestId: String(row.requestId), resolveBy },
          "challenge of our result unresolved past its resolution time: finalizing",
        );
        continue;
      }
      if (st.state === RequestStateCode.Provisional) {
        // the challenge was rejected: the result stands and can be finalized
        this.store.transition([row.requestId], "proposed", { batchId: null });
        this.logger.info({ requestId: String(row.requestId) }, "challenge of our result rejected: finalizing");
        continue;
      }
      this.onSettledElsewhere(row, st.state);
    }
  }

  /** Whether the open challenge of `row` was left unresolved past its resolution time without being upheld. */
  private async challengeSettlesForUs(row: RequestRow, chainTime: number): Promise<boolean> {
    const { resolveBy, votesInvalid } = await this.reader.challengeOf(row.requestId);
    const { quorumK } = decodeRequestCreated(row.logTopics, row.logData);
    return chainTime > resolveBy && !(quorumK > 0 && votesInvalid >= quorumK);
  }

  /** A proposed result whose request is no longer provisional on chain: recorded, never finalized by us. */
  private onSettledElsewhere(row: RequestRow, state: number): void {
    const id = String(row.requestId);
    // still pending: our proposal is not on this chain (a reorg); the reorg handling re-sends it
    if (state === RequestStateCode.Pending) return;
    if (state === RequestStateCode.Challenged) {
      if (row.state === "challenged") return;
      this.store.transition([row.requestId], "challenged", { finalReason: "challenged on chain" });
      this.metrics?.optimistic.inc({ event: "challenged" });
      this.logger.warn({ requestId: id }, "our optimistic result was challenged: left to the challenge resolution");
    } else if (state === RequestStateCode.Fulfilled) {
      this.store.transition([row.requestId], "finalized", { finalReason: "finalized by another account" });
      this.metrics?.optimistic.inc({ event: "finalized_elsewhere" });
      this.logger.info({ requestId: id }, "optimistic result finalized by another account");
    } else {
      const reason = state === RequestStateCode.Refunded ? "refunded on chain" : `state ${state} on chain`;
      this.store.transition([row.requestId], "expired", { finalReason: reason });
      this.metrics?.optimistic.inc({ event: "refunded" });
      this.logger.warn({ requestId: id, reason }, "optimistic result not finalized");
    }
  }

  /** A submitted request whose transaction did not land goes back to the queue, or fails after `maxAttempts`. */
  private reopen(id: bigint, reason: string): void {
    const row = this.store.getRequest(id);
    if (row?.state === "finalizing") {
      // a finalize that did not land: the next round re-reads the request on chain
      this.store.transition([id], "proposed", { batchId: null });
      return;
    }
    if (!row || row.state !== "submitted") return;
    this.giveUpOrRetry(row, reason, true);
  }

  private giveUpOrRetry(row: RequestRow, reason: string, countAttempt: boolean): void {
    const attempts = row.submitAttempts + (countAttempt ? 1 : 0);
    if (attempts >= this.opts.maxAttempts) {
      this.logger.error({ requestId: String(row.requestId), reason, attempts }, "giving up on request");
      this.store.transition([row.requestId], "failed", { finalReason: reason, incSubmitAttempts: countAttempt });
    } else {
      this.store.transition([row.requestId], "inferred", { batchId: null, incSubmitAttempts: countAttempt });
    }
  }

  /**
   * After a reorg deeper than `confirmations`: a batch we had confirmed above the fork whose receipt is gone is
   * pending again, and its stored transaction goes out again with the same nonce (tracking re-broadcasts it).
   */
  async recheckAfterReorg(forkBlock: number): Promise<void> {
    for (const b of this.store.batchesMinedAbove(forkBlock)) {
      if (b.state !== "confirmed" && b.state !== "reverted") continue;
      const r = await this.rpc.send<RawReceipt | null>("receipt", "eth_getTransactionReceipt", [b.minedTxHash!]);
      if (r) {
        this.store.setBatchState(b.id, b.state, {
          block: Number(r.blockNumber),
          blockHash: r.blockHash,
          txHash: r.transactionHash,
        });
        continue;
      }
      this.logger.warn({ batch: b.id, nonce: b.nonce }, "confirmed batch orphaned by a reorg: re-sending");
      this.store.db.transaction(() => {
        this.store.setBatchState(b.id, "pending", null);
        for (const id of b.requestIds) {
          const row = this.store.getRequest(id);
          if (!row || row.batchId !== b.id) continue;
          if (b.kind === "fulfil" && (row.state === "confirmed" || row.state === "proposed"))
            this.store.transition([id], "submitted");
          else if (b.kind === "finalize" && row.state === "finalized") this.store.transition([id], "finalizing");
        }
      })();
    }
    await this.resyncNonce();
  }

  /** Current balance of the node key (for metrics and doctor). */
  async balance(): Promise<bigint> {
    return this.rpc.call("balance", (p) => p.getBalance(this.address));
  }
}

function describeRevert(err: unknown): string {
  const data = (err as { data?: string }).data;
  if (data && data.length >= 10) {
    try {
      const parsed = oracleInterface.parseError(data);
      if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // not one of the oracle's errors: fall through to the raw selector
    }
    return data.slice(0, 10);
  }
  return shortError(err);
}
