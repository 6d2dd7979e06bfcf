import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  BOND_WEI,
  deployOracleFixture,
  type Emitted,
  OUTPUT,
  sendRequest,
  STATE_CHALLENGED,
  STATE_FULFILLED,
  STATE_PENDING,
  STATE_PROVISIONAL,
  STATE_REFUNDED,
} from "./fixtures";

type Op =
  | { kind: "request"; model: 1 | 2 | 3 }
  | { kind: "fulfil"; pick: number; node: number; errorCode: 0 | 4; wrong: boolean }
  | { kind: "refund"; pick: number }
  | { kind: "challenge"; pick: number }
  | { kind: "resolve"; pick: number; valid: boolean }
  | { kind: "finalize"; pick: number }
  | { kind: "advance"; seconds: number }
  | { kind: "withdraw"; who: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("request" as const), model: fc.constantFrom(1 as const, 2 as const, 3 as const) }),
  fc.record({
    kind: fc.constant("fulfil" as const),
    pick: fc.nat(),
    node: fc.nat(3),
    errorCode: fc.constantFrom(0 as const, 4 as const),
    wrong: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("refund" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("challenge" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("resolve" as const), pick: fc.nat(), valid: fc.boolean() }),
  fc.record({ kind: fc.constant("finalize" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("advance" as const), seconds: fc.constantFrom(60, 400, 3700, 90_000) }),
  fc.record({ kind: fc.constant("withdraw" as const), who: fc.nat(7) }),
);

describe("AIOracle model (fast-check)", function () {
  it("settles every request exactly once and always holds open fees + credits + protocol fees + open bonds", async function () {
    const runs = process.env.DEEP ? 300 : 40;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const f = await loadFixture(deployOracleFixture);
        const { oracle } = f;
        for (const n of [f.nodeB, f.nodeC, f.nodeD]) await f.registry.connect(f.modelOwner).addNode(3, n.address);
        const nodes = [f.nodeA, f.nodeB, f.nodeC, f.nodeD];
        const accounts = [f.requester, f.modelOwner, ...nodes, f.challenger, f.stranger];
        const requests: Emitted[] = [];
        const settlements = new Map<bigint, number>();

        const countSettlements = async (tx: ContractTransactionResponse) => {
          const receipt = await tx.wait();
          for (const log of receipt!.logs) {
            const parsed = oracle.interface.parseLog(log);
            const final =
              (parsed?.name === "RequestFulfilled" && parsed.args.isFinal) || parsed?.name === "RequestRefunded";
            if (final) settlements.set(parsed!.args.requestId, (settlements.get(parsed!.args.requestId) ?? 0) + 1);
          }
        };
        const attempt = async (send: () => Promise<ContractTransactionResponse>) => {
          try {
            await countSettlements(await send());
          } catch {
            // An operation invalid in the current state reverts; the invariants below must hold either way.
          }
        };

        for (const o of ops) {
          const r = requests.length ? requests[("pick" in o ? o.pick : 0) % requests.length] : undefined;
          switch (o.kind) {
            case "request":
              requests.push(await sendRequest(f, o.model));
              break;
            case "fulfil":
              if (r) {
                const out = o.wrong ? ethers.id("wrong") : OUTPUT;
                await attempt(() => oracle.connect(nodes[o.node]).fulfil(r.id, r.request, out, o.errorCode));
              }
              break;
            case "refund":
              if (r) await attempt(() => oracle.connect(f.stranger).refund(r.id, r.request));
              break;
            case "challenge":
              if (r) await attempt(() => oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI }));
              break;
            case "resolve":
              if (r) await attempt(() => oracle.resolveChallenge(r.id, r.request, o.valid));
              break;
            case "finalize":
              if (r) {
                const p = await oracle.proposalOf(r.id);
                const wrong =
                  p.resultHash ===
                  ethers.keccak256(
                    ethers.AbiCoder.defaultAbiCoder().encode(["uint8", "bytes32"], [0, ethers.id("wrong")]) as string,
                  );
                await attempt(() =>
                  oracle.connect(f.stranger).finalize(r.id, r.request, wrong ? ethers.id("wrong") : OUTPUT, 0),
                );
              }
              break;
            case "advance":
              await time.increase(o.seconds);
              break;
            case "withdraw":
              await attempt(() => oracle.connect(accounts[o.who]).withdrawCredit());
              break;
          }

          let open = 0n;
          for (const req of requests) {
            const [state] = await oracle.requestState(req.id);
            const settled = settlements.get(req.id) ?? 0;
            if (state === BigInt(STATE_FULFILLED) || state === BigInt(STATE_REFUNDED)) {
              expect(settled, `request ${req.id} settles once`).to.equal(1);
            } else {
              expect(settled, `open request ${req.id} is unsettled`).to.equal(0);
              expect([STATE_PENDING, STATE_PROVISIONAL, STATE_CHALLENGED].map(BigInt)).to.include(state);
              open += req.totalWei;
              if (state === BigInt(STATE_CHALLENGED)) open += BOND_WEI;
            }
          }
          let credits = 0n;
          for (const a of accounts) credits += await oracle.creditOf(a.address);
          const held = await ethers.provider.getBalance(await oracle.getAddress());
          expect(held).to.equal(open + credits + (await oracle.protocolFeesWei()));
        }
      }),
      { numRuns: runs, seed: 20261126 },
    );
  });
});
