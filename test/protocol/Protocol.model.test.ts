import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import type { ContractTransactionResponse, Signer } from "ethers";
import { COMPUTE_SERVICE, ORACLE_SERVICE } from "../helpers/constants";
import type { IAIOracle } from "../../typechain-types/contracts/oracle/AIOracle";
import { jobRequest } from "../compute/fixture";
import { CALLBACK_GAS, createdJob, createdRequest, deployProtocol, JOB_PAYMENT } from "./fixture";

const ETH = ethers.ZeroAddress;
const DEEP = Boolean(process.env.DEEP);
const NUM_RUNS = DEEP ? 500 : 10;
const MAX_ACTIONS = DEEP ? 300 : 40;
const SEED = 0x9a17;

/** Compute job statuses that still hold the requester's payment in escrow. */
const LIVE_JOB = new Set([1n, 2n, 3n, 4n, 5n]);

const action = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("request" as const), n: fc.nat(3) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("fulfil" as const), n: fc.nat(7), errorCode: fc.constantFrom(0, 0, 1) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("refund" as const), n: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("oracleWithdraw" as const), n: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pushCredit" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweepOracle" as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("tokenClaim" as const), n: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("postJob" as const), n: fc.nat(3) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("advanceJob" as const), n: fc.nat(7), accept: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expireJobs" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("computeWithdraw" as const), n: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweepCompute" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("createTask" as const), n: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("stake" as const), n: fc.nat(3), service: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unbond" as const), n: fc.nat(3), service: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("stakeWithdraw" as const), n: fc.nat(3), service: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("stakingCredit" as const), n: fc.nat(3) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 * 3600 }) },
        fc.constant(7 * 24 * 3600 + 1),
      ),
    }),
  },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

describe("Protocol model: every wei held by an Axon contract is accounted for", function () {
  this.timeout(DEEP ? 0 : 120_000);

  async function protocolModel() {
    const p = await deployProtocol();
    const holders = [p.alice, p.bob];
    const actors: Signer[] = [
      p.requester,
      p.node,
      p.node2,
      p.provider,
      p.provider2,
      p.creator,
      p.alice,
      p.bob,
      p.stranger,
      p.arbiter,
    ];
    return { ...p, holders, actors };
  }

  it("keeps each contract's ETH equal to its liabilities and conserves ETH over random cross-domain sequences", async function () {
    // Transactions sent per action kind over all runs: proves the random sequences reach every domain.
    const executed = new Map<string, number>();
    let current = "";
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: MAX_ACTIONS / 2, maxLength: MAX_ACTIONS, size: "max" }),
        async (actions) => {
          const f = await loadFixture(protocolModel);
          const { oracle, escrow, staking, bounties, token, offering, treasury, registry } = f;
          const contracts = [oracle, escrow, staking, bounties, token, offering, treasury, registry];
          const contractAddrs = await Promise.all(contracts.map((c) => c.getAddress()));
          const actorAddrs = await Promise.all(f.actors.map((a) => a.getAddress()));
          const creditHolders = [...actorAddrs, await token.getAddress(), await treasury.getAddress()];
          const balance = (a: string) => ethers.provider.getBalance(a);
          const total = async (addrs: string[]) => (await Promise.all(addrs.map(balance))).reduce((x, y) => x + y, 0n);

          // Ghost sums: what actors sent in, what came back out to them, and the gas they burnt.
          let deposited = 0n;
          let gasWei = 0n;
          const contractsBefore = await total(contractAddrs);
          const actorsBefore = await total(actorAddrs);
          const pending = new Map<bigint, { req: IAIOracle.RequestStruct; escrowWei: bigint }>();
          const jobs: bigint[] = [];

          const send = async (tx: Promise<ContractTransactionResponse>, valueWei = 0n) => {
            const receipt = (await (await tx).wait())!;
            executed.set(current, (executed.get(current) ?? 0) + 1);
            gasWei += receipt.gasUsed * receipt.gasPrice;
            deposited += valueWei;
            return receipt;
          };

          /** The first actor, starting at `start`, for which `amountOf` is non-zero. */
          const firstWith = async (start: number, amountOf: (account: string) => Promise<bigint>) => {
            for (let i = 0; i < f.actors.length; i++) {
              const who = f.actors[(start + i) % f.actors.length];
              if ((await amountOf(await who.getAddress())) !== 0n) return who;
            }
            return undefined;
          };

          const step = async (a: Action) => {
            switch (a.kind) {
              case "request": {
                if (!(await staking.isActiveOperator(f.node.address, ORACLE_SERVICE))) return;
                const fee = await oracle.quote(f.modelId, CALLBACK_GAS);
                const resp = await oracle
                  .connect(f.requester)
                  .request(f.modelId, ethers.toBeHex(a.n + 1), f.requester.address, CALLBACK_GAS, "0x", { value: fee });
                await send(Promise.resolve(resp), fee);
                const { requestId, req } = await createdRequest(oracle, resp);
                pending.set(requestId, { req, escrowWei: fee });
                break;
              }
              case "fulfil":
              case "refund": {
                const ids = [...pending.keys()];
                if (ids.length === 0) return;
                const id = ids[a.n % ids.length];
                const { req } = pending.get(id)!;
                const [state, deadline] = await oracle.requestState(id);
                const now = BigInt(await time.latest());
                if (a.kind === "fulfil") {
                  if (!(await oracle.canFulfil(id, req, f.node.address)) || now + 1n > deadline) return;
                  await send(oracle.connect(f.node).fulfil(id, req, a.errorCode ? "0x" : "0x07", a.errorCode));
                } else {
                  if (state !== 1n || now + 1n <= deadline) return;
                  await send(oracle.connect(f.stranger).refund(id, req));
                }
                pending.delete(id);
                break;
              }
              case "oracleWithdraw": {
                // The first account (from a random start) that has an oracle credit withdraws it.
                const who = await firstWith(a.n, (acc) => oracle.creditOf(acc));
                if (!who) return;
                await send(oracle.connect(who).withdrawCredit());
                break;
              }
              case "pushCredit":
                if ((await oracle.creditOf(await token.getAddress())) === 0n) return;
                await send(oracle.connect(f.stranger).pushCredit(await token.getAddress()));
                break;
              case "sweepOracle":
                if ((await oracle.protocolFeesWei()) === 0n) return;
                await send(oracle.connect(f.stranger).sweepProtocolFees());
                break;
              case "tokenClaim": {
                const who = await firstWith(a.n, (acc) => token.claimableOf(ETH, acc));
                if (!who) return;
                await send(token.connect(who).claim(ETH));
                break;
              }
              case "postJob": {
                const amount = JOB_PAYMENT / BigInt(a.n + 1);
                const resp = await escrow
                  .connect(f.requester)
                  .postJob(await jobRequest(), ETH, amount, { value: amount });
                await send(Promise.resolve(resp), amount);
                jobs.push(await createdJob(escrow, resp));
                break;
              }
              case "advanceJob": {
                if (jobs.length === 0) return;
                const id = jobs[a.n % jobs.length];
                const job = await escrow.jobOf(id);
                if (await escrow.isDue(id)) return;
                if (job.status === 1n) {
                  if ((await staking.freeStake(f.provider.address, COMPUTE_SERVICE)) < job.bondWei) return;
                  if (!(await staking.isActiveOperator(f.provider.address, COMPUTE_SERVICE))) return;
                  await send(escrow.connect(f.provider).claim(id));
                } else if (job.status === 2n) await send(escrow.connect(f.provider).start(id));
                else if (job.status === 3n)
                  await send(escrow.connect(f.provider).submitResult(id, ethers.id("r"), "ipfs://r"));
                else if (job.status === 4n) {
                  if (a.accept) await send(escrow.connect(f.requester).accept(id));
                  else await send(escrow.connect(f.requester).dispute(id, ethers.id("bad")));
                } else if (job.status === 5n) await send(escrow.connect(f.arbiter).resolveDispute(id, a.accept));
                break;
              }
              case "expireJobs": {
                const due: bigint[] = [];
                for (const id of jobs) if (await escrow.isDue(id)) due.push(id);
                if (due.length === 0) return;
                await send(escrow.connect(f.stranger).processExpired(due));
                break;
              }
              case "computeWithdraw": {
                const who = await firstWith(a.n, (acc) => escrow.creditOf(acc, ETH));
                if (!who) return;
                await send(escrow.connect(who).withdraw(ETH));
                break;
              }
              case "sweepCompute":
                if ((await escrow.feesAccrued(ETH)) === 0n) return;
                await send(escrow.connect(f.stranger).sweepFees(ETH));
                break;
              case "createTask": {
                const now = await time.latest();
                const rewardWei = ethers.parseEther("0.001") * BigInt(a.n + 1);
                const params = {
                  merkleRoot: ethers.id(`items ${a.n}`),
                  itemCount: a.n + 1,
                  labelsPerItem: 3,
                  optionCount: 2,
                  thresholdBps: 6_000,
                  commitDeadline: now + 3600,
                  revealDeadline: now + 7200,
                  rewardWei,
                };
                const funded = BigInt(params.itemCount) * 3n * rewardWei;
                await send(bounties.connect(f.requester).createTask(params, { value: funded }), funded);
                break;
              }
              case "stake": {
                const who = [f.node2, f.provider2, f.node, f.provider][a.n];
                const value = ethers.parseEther("2") + ethers.parseEther("0.5") * BigInt(a.n);
                await send(staking.connect(who).stake(a.service ? ORACLE_SERVICE : COMPUTE_SERVICE, { value }), value);
                break;
              }
              case "unbond": {
                const who = [f.node2, f.provider2, f.node, f.provider][a.n];
                const service = a.service ? ORACLE_SERVICE : COMPUTE_SERVICE;
                const free = await staking.freeStake(who.address, service);
                if (free === 0n) return;
                await send(staking.connect(who).requestUnbond(service, free / 2n + 1n));
                break;
              }
              case "stakeWithdraw": {
                const who = [f.node2, f.provider2, f.node, f.provider][a.n];
                const service = a.service ? ORACLE_SERVICE : COMPUTE_SERVICE;
                const s = await staking.stakeOf(who.address, service);
                if (s.unbondingWei === 0n || BigInt(await time.latest()) + 1n < s.unbondingReleaseAt) return;
                await send(staking.connect(who).withdraw(service));
                break;
              }
              case "stakingCredit": {
                const who = await firstWith(a.n, (acc) => staking.creditOf(acc));
                if (!who) return;
                await send(staking.connect(who).withdrawCredit());
                break;
              }
              case "wait":
                await time.increase(a.seconds);
                break;
            }
          };

          const checkInvariants = async () => {
            // OperatorStaking: stakes (active + unbonding) and pull credits.
            expect(await balance(contractAddrs[2]), "OperatorStaking").to.equal(
              (await staking.totalStaked()) + (await staking.totalCredits()),
            );
            // AIOracle: open request escrows, pull credits, unswept protocol fees.
            let oracleLiabilities = await oracle.protocolFeesWei();
            for (const [id, { escrowWei }] of pending) {
              const [state] = await oracle.requestState(id);
              if (state === 1n) oracleLiabilities += escrowWei;
            }
            for (const a of creditHolders) oracleLiabilities += await oracle.creditOf(a);
            expect(await balance(contractAddrs[0]), "AIOracle").to.equal(oracleLiabilities);
            // ComputeEscrow: payments of live jobs, pull credits, unswept fees.
            let escrowLiabilities = await escrow.feesAccrued(ETH);
            for (const id of jobs) {
              const job = await escrow.jobOf(id);
              if (LIVE_JOB.has(BigInt(job.status))) escrowLiabilities += job.amount;
            }
            for (const a of creditHolders) escrowLiabilities += await escrow.creditOf(a, ETH);
            expect(await balance(contractAddrs[1]), "ComputeEscrow").to.equal(escrowLiabilities);
            // LabelingBounties: funded tasks and pull credits.
            expect(await balance(contractAddrs[3]), "LabelingBounties").to.equal(
              (await bounties.totalEscrowed()) + (await bounties.totalCredits()),
            );
            // ModelToken: streamed-but-unclaimed holder revenue, unreleased stream, redeem pool (rounding dust only).
            const [toHolders, toPool] = await token.unreleasedOf(ETH);
            let tokenLiabilities = toHolders + toPool + (await token.redeemPoolOf(ETH));
            for (const h of f.holders) tokenLiabilities += await token.claimableOf(ETH, h.address);
            const tokenBalance = await balance(contractAddrs[4]);
            expect(tokenBalance >= tokenLiabilities, "ModelToken covers its liabilities").to.equal(true);
            expect(tokenBalance - tokenLiabilities <= 10n, "ModelToken dust").to.equal(true);
            // ModelOffering: sale proceeds credited to the creator and the treasury's fee, nothing else.
            let offeringLiabilities = 0n;
            for (const a of creditHolders) offeringLiabilities += await offering.creditOf(a);
            expect(await balance(contractAddrs[5]), "ModelOffering").to.equal(offeringLiabilities);
            // Global conservation: deposited == paid out + still held (gas is the only other flow).
            const paidOut = (await total(actorAddrs)) - actorsBefore + gasWei + deposited;
            const held = (await total(contractAddrs)) - contractsBefore;
            expect(deposited, "deposited == paid + held").to.equal(paidOut + held);
          };

          for (const a of actions) {
            current = a.kind;
            await step(a);
            await checkInvariants();
          }
        },
      ),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
    const calls = [...executed.values()].reduce((x, y) => x + y, 0);
    console.log(`      protocol model: ${calls} transactions, ${JSON.stringify(Object.fromEntries(executed))}`);
    // The frequent paths of every domain must be reached; the rarer ones (refunds, withdrawals, pushes, claims) are
    // counted in the log line above.
    for (const kind of ["request", "fulfil", "postJob", "advanceJob", "createTask", "stake", "unbond"]) {
      expect(executed.get(kind) ?? 0, `transactions of kind ${kind}`).to.be.greaterThan(0);
    }
  });
});
