import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { COMPUTE_SERVICE, MIN_COMPUTE_STAKE, MIN_ORACLE_STAKE, ORACLE_SERVICE } from "../helpers/constants";
import { fheCatchUp, userDecrypt256 } from "../helpers/fhevm";
import type { IAIOracle } from "../../typechain-types/contracts/oracle/AIOracle";
import { jobRequest } from "../compute/fixture";
import { termsOf } from "../oracle/fixtures";
import { listingParams } from "../data/fixtures";
import { commitmentOf, ItemTree, saltOf } from "../data/helpers/labeling";
import {
  CALLBACK_GAS,
  createdJob,
  createdRequest,
  DATA_FEE_BPS,
  deployProtocolWithMarket,
  JOB_PAYMENT,
  OPT_BOND,
  UPGRADABLE,
} from "./fixture";

const ETH = ethers.ZeroAddress;
const DEEP = Boolean(process.env.DEEP);
// Deep mode (`npm run test:deep`): 400 runs of 250 to 500 actions, so at least 400 x 250 = 100,000 model calls (about
// 150,000 expected; roughly a third of them find their precondition true and send a transaction, after which every
// invariant is checked). Default mode: 10 runs of 120 to 240 actions, every action kind reached (asserted below).
const NUM_RUNS = DEEP ? 400 : 10;
const MAX_ACTIONS = DEEP ? 500 : 240;
const SEED = 0x9a17;
const BPS = 10_000n;
/** Datasets and decryptions per run: bound the per-step license check and the slow user decryptions. */
const MAX_DATASETS = 3;
const MAX_DECRYPTIONS = DEEP ? 3 : 1;
/** Bounty tasks: 3 labels per item, 2 options, a label wins with at least 60% of the revealed labels. */
const LABELS_PER_ITEM = 3;
const THRESHOLD_BPS = 6_000n;
const COMMIT_WINDOW = 4 * 3600;
const REVEAL_WINDOW = 2 * 24 * 3600;
const V2_VERSION = ["function version() view returns (uint256)"];

/** Compute job statuses that still hold the requester's payment in escrow. */
const LIVE_JOB = new Set([1n, 2n, 3n, 4n, 5n]);

const action = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("request" as const), n: fc.nat(3) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("fulfil" as const), n: fc.nat(7), errorCode: fc.constantFrom(0, 0, 1) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("refund" as const), n: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("oracleWithdraw" as const), n: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pushCredit" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sweepOracle" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tokenClaim" as const), n: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("postJob" as const), n: fc.nat(3) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("advanceJob" as const), n: fc.nat(7), accept: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expireJobs" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("computeWithdraw" as const), n: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sweepCompute" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("createTask" as const), n: fc.nat(3) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("commitLabel" as const),
      n: fc.nat(7),
      item: fc.nat(7),
      labeller: fc.nat(3),
      label: fc.nat(1),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("revealLabel" as const), n: fc.nat(15) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("finalizeItem" as const), n: fc.nat(15) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("settleLabel" as const), n: fc.nat(15) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("bountyWithdraw" as const), n: fc.nat(9) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("listDataset" as const),
      seller: fc.nat(1),
      royaltyBps: fc.array(fc.integer({ min: 1, max: 2_000 }), { maxLength: 3 }),
      priceWei: fc.bigInt({ min: 1n, max: 10n ** 18n }),
      key: fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("purchase" as const),
      n: fc.nat(7),
      buyer: fc.nat(3),
      extraWei: fc.constantFrom(0n, 0n, 1n, 10n ** 15n),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("setPrice" as const),
      n: fc.nat(7),
      priceWei: fc.bigInt({ min: 1n, max: 10n ** 18n }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delist" as const), n: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("marketWithdraw" as const), n: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweepMarket" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("decryptKey" as const), n: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("upgrade" as const), n: fc.nat(UPGRADABLE.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("stake" as const), n: fc.nat(3), service: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unbond" as const), n: fc.nat(3), service: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("stakeWithdraw" as const), n: fc.nat(3), service: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("stakingCredit" as const), n: fc.nat(3) }) },
  // Issue 12 (oracle incentives): Optimistic requests, self-challenges by the requester, sybil votes by the other
  // serving node, the arbiter's ruling, settlement, and a node that unbonds while it is serving.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("optRequest" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("selfChallenge" as const), n: fc.nat(7) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("sybilVote" as const),
      n: fc.nat(7),
      // Then the arbiter rules (within the resolution time its word is final): valid overrules the sybil vote.
      arbiter: fc.boolean(),
      valid: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("optSettle" as const), n: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unbondWhileServing" as const), n: fc.nat(1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 * 3600 }) },
        // One bounty window: moves a task from commits to reveals, or from reveals to settlement.
        { weight: 2, arbitrary: fc.constant(COMMIT_WINDOW) },
        // One reveal window: ends the reveals of a task, so its items can be finalised and settled.
        fc.constant(REVEAL_WINDOW),
        fc.constant(7 * 24 * 3600 + 1),
      ),
    }),
  },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;
/** Issue 12: an open Optimistic request of the model, its proposer and the challenger's bond the oracle holds. */
interface OptEntry {
  req: IAIOracle.RequestStruct;
  escrowWei: bigint;
  bondHeldWei: bigint;
  proposer?: string;
  challenged?: boolean;
  upheld: boolean;
}

/** A dataset as the model expects it: price, royalty split, plaintext key and the accounts holding a license. */
interface Listing {
  id: bigint;
  seller: HardhatEthersSigner;
  priceWei: bigint;
  contributors: string[];
  bps: bigint[];
  listed: boolean;
  key: bigint;
  buyers: Set<string>;
}

/** One committed label of a bounty item. */
interface LabelSlot {
  labeller: HardhatEthersSigner;
  label: number;
  salt: string;
  revealed: boolean;
  settled: boolean;
}

/** A bounty task: its item tree, deadlines, the labels per item slot and, once finalised, each item's outcome. */
interface Bounty {
  id: bigint;
  tree: ItemTree;
  rewardWei: bigint;
  bondWei: bigint;
  commitDeadline: bigint;
  revealDeadline: bigint;
  slots: LabelSlot[][];
  outcomes: ({ resolved: boolean; majority: number } | undefined)[];
}

/**
 * What a contract owes, by category: open escrow (requests, jobs, task funding, the token's unreleased stream), unclaimed
 * pull credits, operator stakes, and treasury funds (the Treasury's balance, and protocol fees not yet swept to it).
 * `roundingDust` is the ModelToken's floor-rounding remainder, bounded below.
 */
interface Liabilities {
  openEscrow: bigint;
  credits: bigint;
  stakes: bigint;
  treasury: bigint;
  roundingDust: bigint;
}

const owes = (l: Partial<Liabilities>): Liabilities => ({
  openEscrow: 0n,
  credits: 0n,
  stakes: 0n,
  treasury: 0n,
  roundingDust: 0n,
  ...l,
});
const sumOf = (l: Liabilities) => l.openEscrow + l.credits + l.stakes + l.treasury + l.roundingDust;
const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));

/** Every action kind; `Record` makes the compiler reject a kind missing here or unknown to the generator. */
const KINDS: Record<Action["kind"], true> = {
  request: true,
  fulfil: true,
  refund: true,
  oracleWithdraw: true,
  pushCredit: true,
  sweepOracle: true,
  tokenClaim: true,
  postJob: true,
  advanceJob: true,
  expireJobs: true,
  computeWithdraw: true,
  sweepCompute: true,
  createTask: true,
  commitLabel: true,
  revealLabel: true,
  finalizeItem: true,
  settleLabel: true,
  bountyWithdraw: true,
  listDataset: true,
  purchase: true,
  setPrice: true,
  delist: true,
  marketWithdraw: true,
  sweepMarket: true,
  decryptKey: true,
  upgrade: true,
  stake: true,
  unbond: true,
  stakeWithdraw: true,
  stakingCredit: true,
  optRequest: true,
  selfChallenge: true,
  sybilVote: true,
  optSettle: true,
  unbondWhileServing: true,
  wait: true,
};

describe("Protocol model: every wei held by an Axon contract is accounted for", function () {
  this.timeout(DEEP ? 0 : 180_000);

  async function protocolModel() {
    const p = await deployProtocolWithMarket();
    const holders = [p.alice, p.bob];
    const actors: HardhatEthersSigner[] = [
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
    return {
      ...p,
      holders,
      actors,
      sellers: [p.creator, p.alice],
      contributorPool: [p.bob, p.stranger, p.node2],
      buyers: [p.requester, p.bob, p.stranger, p.arbiter],
      labellers: [p.alice, p.bob, p.stranger, p.creator],
    };
  }

  it("keeps each contract's ETH equal to its liabilities and conserves ETH over random cross-domain sequences", async function () {
    // Transactions sent per action kind over all runs (decryptions and waits count one each): proves the random
    // sequences reach every domain.
    const executed = new Map<string, number>();
    // Provider slashes by the action that caused them: advanceJob (a dispute lost), expireJobs (a deadline missed).
    const slashes = new Map<string, number>();
    const upgraded = new Map<string, number>();
    let current = "";
    const count = () => executed.set(current, (executed.get(current) ?? 0) + 1);
    // Issue 12 item 4: refused second-slot commits (slot squatting) and sweeps of forfeited bonds, over all runs.
    let squatAttempts = 0;
    let bondSweeps = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: MAX_ACTIONS / 2, maxLength: MAX_ACTIONS, size: "max" }),
        async (actions) => {
          const f = await loadFixture(protocolModel);
          // The fhevm mock ignores snapshots: move past the blocks it has scanned before anything is decrypted.
          await fheCatchUp();
          const { oracle, escrow, staking, bounties, token, offering, treasury, registry, market } = f;
          const { sellers, contributorPool, buyers, labellers } = f;
          const contracts = { oracle, escrow, staking, bounties, token, offering, treasury, registry, market };
          const addrOf = Object.fromEntries(
            await Promise.all(Object.entries(contracts).map(async ([k, c]) => [k, await c.getAddress()])),
          ) as Record<keyof typeof contracts, string>;
          const contractAddrs = Object.values(addrOf);
          const marketAddr = addrOf.market;
          // Outside accounts: every actor, and the admin who sends the upgrades.
          const outsiders = [...f.actors, f.admin];
          const outsiderAddrs = outsiders.map((a) => a.address);
          const actorAddrs = f.actors.map((a) => a.address);
          const creditHolders = [...actorAddrs, addrOf.token, addrOf.treasury];
          const balance = (a: string) => ethers.provider.getBalance(a);
          const total = async (addrs: string[]) => (await Promise.all(addrs.map(balance))).reduce((x, y) => x + y, 0n);

          // Ghost sums: what outside accounts sent in, the gas they burnt, and the Treasury's expected funds.
          let deposited = 0n;
          let gasWei = 0n;
          const contractsBefore = await total(contractAddrs);
          const outsidersBefore = await total(outsiderAddrs);
          let treasuryFunds = await balance(addrOf.treasury);
          const pending = new Map<bigint, { req: IAIOracle.RequestStruct; escrowWei: bigint }>();
          // Issue 12: open Optimistic requests, with the challenger's bond the oracle holds for them.
          const optimistic = new Map<bigint, OptEntry>();
          const optNodes = [f.node, f.node2];
          const signerOf = (address: string) => optNodes.find((n) => n.address === address)!;
          const jobs: bigint[] = [];
          // Reference models of DataMarket and LabelingBounties.
          const listings: Listing[] = [];
          const marketCredits = new Map<string, bigint>();
          let marketFeesWei = 0n;
          let decryptions = 0;
          const tasks: Bounty[] = [];
          const bountyCredits = new Map<string, bigint>();
          let bountyEscrowWei = 0n;
          let bountyForfeitedWei = 0n;
          // Rewards (bonds aside) paid to each labeller, read from LabelSettled events.
          const rewardsPaid = new Map<string, bigint>();
          const addCredit = (credits: Map<string, bigint>, account: string, amountWei: bigint) =>
            credits.set(account, (credits.get(account) ?? 0n) + amountWei);
          const labelSlots = (keep: (t: Bounty, s: LabelSlot, item: number) => boolean) =>
            tasks.flatMap((t) =>
              t.slots.flatMap((slots, item) =>
                slots.flatMap((s, slot) => (keep(t, s, item) ? [{ t, item, slot, s }] : [])),
              ),
            );

          /** Slashes send stake to the Treasury (less the beneficiary's credit): read them off the staking events. */
          const noteSlashes = (receipt: TransactionReceipt) => {
            for (const log of receipt.logs) {
              if (log.address.toLowerCase() !== addrOf.staking.toLowerCase()) continue;
              const parsed = staking.interface.parseLog(log);
              if (parsed?.name !== "Slashed") continue;
              treasuryFunds += (parsed.args.amountWei as bigint) - (parsed.args.beneficiaryWei as bigint);
              slashes.set(current, (slashes.get(current) ?? 0) + 1);
            }
          };

          const send = async (tx: Promise<ContractTransactionResponse>, valueWei = 0n) => {
            const receipt = (await (await tx).wait())!;
            count();
            gasWei += receipt.gasUsed * receipt.gasPrice;
            deposited += valueWei;
            noteSlashes(receipt);
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

          /** Anyone sweeps the bounties' forfeited labeller bonds to the Treasury. */
          const sweepBonds = async () => {
            await send(bounties.connect(f.stranger).sweepForfeitedBonds());
            treasuryFunds += bountyForfeitedWei;
            bountyForfeitedWei = 0n;
            ++bondSweeps;
          };

          /** Views of one proxy's state (beyond the balances checked every step) that an upgrade must preserve. */
          const fingerprint = async (name: (typeof UPGRADABLE)[number]) => {
            switch (name) {
              case "oracle":
                // The quote needs an active node (issue 12): with none, the fingerprint records the refusal.
                return json([
                  await oracle.quote(f.modelId, CALLBACK_GAS).catch(() => "no active node"),
                  await oracle.creditOf(f.node.address),
                  await oracle.slashingHorizonSeconds(),
                ]);
              case "registry":
                return json([await registry.modelOf(f.modelId), await registry.nodesOf(f.modelId)]);
              case "escrow":
                return json([await escrow.nextJobId(), await escrow.settings(), await escrow.offerOf(f.provider)]);
              case "market":
                return json([
                  await market.marketConfig(),
                  ...(await Promise.all(listings.map((d) => market.getDataset(d.id)))),
                ]);
              case "bounties":
                return json([await bounties.lastTaskId(), await bounties.reputationOf(f.alice.address)]);
              case "staking":
                return json([
                  await staking.stakeOf(f.node.address, ORACLE_SERVICE),
                  await staking.stakeOf(f.provider.address, COMPUTE_SERVICE),
                ]);
              case "treasury":
                return json([await treasury.defaultAdmin(), await treasury.defaultAdminDelay()]);
              case "offering":
                return json([await offering.offeringOf(f.modelId), await offering.creditOf(f.creator.address)]);
            }
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
                // A fulfil targets an open request before its deadline, a refund one past it (ten seconds of margin:
                // the next block's timestamp may run ahead of the latest by wall-clock time).
                const now = BigInt(await time.latest());
                const ids: bigint[] = [];
                for (const id of pending.keys()) {
                  const [, deadline] = await oracle.requestState(id);
                  if (a.kind === "fulfil" ? now + 10n <= deadline : now >= deadline) ids.push(id);
                }
                if (ids.length === 0) return;
                const id = ids[a.n % ids.length];
                const { req } = pending.get(id)!;
                if (a.kind === "fulfil") {
                  if (!(await oracle.canFulfil(id, req, f.node.address))) return;
                  await send(oracle.connect(f.node).fulfil(id, req, a.errorCode ? "0x" : "0x07", a.errorCode));
                } else {
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
              case "sweepOracle": {
                const feesWei = await oracle.protocolFeesWei();
                if (feesWei === 0n) return;
                await send(oracle.connect(f.stranger).sweepProtocolFees());
                treasuryFunds += feesWei;
                break;
              }
              case "tokenClaim": {
                const who = await firstWith(a.n, (acc) => token.claimableOf(ETH, acc));
                if (!who) return;
                await send(token.connect(who).claim(ETH));
                break;
              }
              case "postJob": {
                const amount = JOB_PAYMENT / BigInt(a.n + 1);
                // Start and run windows of 2 to 8 hours: some jobs run their whole course, others miss a deadline.
                const windowSeconds = 7200 * (a.n + 1);
                const request = await jobRequest({
                  startDeadline: (await time.latest()) + windowSeconds,
                  maxDurationSeconds: windowSeconds,
                });
                const resp = await escrow.connect(f.requester).postJob(request, ETH, amount, { value: amount });
                await send(Promise.resolve(resp), amount);
                jobs.push(await createdJob(escrow, resp));
                break;
              }
              case "advanceJob": {
                // A job that is still live and not past a deadline (those are expireJobs' business).
                // Every other time, one of the furthest along, so that jobs also run their whole course.
                // The step's transaction is mined one second after the latest block, so a job whose deadline is
                // the latest block's timestamp is already past it then (the contract refuses `timestamp > deadline`).
                const next = (await time.latest()) + 1;
                const movable: { id: bigint; status: bigint }[] = [];
                for (const id of jobs) {
                  const { status, deadline } = await escrow.jobOf(id);
                  const inTime = Number(deadline) >= next;
                  if (LIVE_JOB.has(status) && inTime && !(await escrow.isDue(id))) movable.push({ id, status });
                }
                if (movable.length === 0) return;
                const furthest = movable.reduce((x, m) => (m.status > x ? m.status : x), 0n);
                const pool = a.n % 2 === 0 ? movable.filter((m) => m.status === furthest) : movable;
                const { id } = pool[(a.n >> 1) % pool.length];
                const job = await escrow.jobOf(id);
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
              case "sweepCompute": {
                const feesWei = await escrow.feesAccrued(ETH);
                if (feesWei === 0n) return;
                await send(escrow.connect(f.stranger).sweepFees(ETH));
                treasuryFunds += feesWei;
                break;
              }
              case "createTask": {
                const now = await time.latest();
                const rewardWei = ethers.parseEther("0.001") * BigInt(a.n + 1);
                const tree = ItemTree.random(a.n + 1, `task ${tasks.length}`);
                const params = {
                  merkleRoot: tree.root,
                  itemCount: a.n + 1,
                  labelsPerItem: LABELS_PER_ITEM,
                  optionCount: 2,
                  thresholdBps: Number(THRESHOLD_BPS),
                  commitDeadline: now + COMMIT_WINDOW,
                  revealDeadline: now + COMMIT_WINDOW + REVEAL_WINDOW,
                  rewardWei,
                  bondWei: rewardWei,
                  goldRoot: ethers.ZeroHash,
                };
                const funded = BigInt(params.itemCount) * BigInt(LABELS_PER_ITEM) * rewardWei;
                await send(bounties.connect(f.requester).createTask(params, { value: funded }), funded);
                tasks.push({
                  id: await bounties.lastTaskId(),
                  tree,
                  rewardWei,
                  bondWei: rewardWei,
                  commitDeadline: BigInt(params.commitDeadline),
                  revealDeadline: BigInt(params.revealDeadline),
                  slots: tree.itemHashes.map(() => []),
                  outcomes: tree.itemHashes.map(() => undefined),
                });
                bountyEscrowWei += funded;
                break;
              }
              case "commitLabel": {
                // An item with a free slot of a task still taking commits (ten seconds of margin: the next block's
                // timestamp may run ahead of the latest by wall-clock time).
                const now = BigInt(await time.latest());
                const open = tasks.flatMap((t) =>
                  now + 10n <= t.commitDeadline
                    ? t.slots.flatMap((slots, item) => (slots.length < LABELS_PER_ITEM ? [{ t, item }] : []))
                    : [],
                );
                if (open.length === 0) return;
                const { t, item } = open[(a.n * 8 + a.item) % open.length];
                const slot = t.slots[item].length;
                const labeller = labellers[a.labeller];
                if (t.slots[item].some((x) => x.labeller === labeller)) {
                  // Slot squatting (issue 12 item 4): the drawn labeller already holds a slot of this item, so this
                  // commit is an attempt at a second one, which must be refused. A call, not a transaction: a refused
                  // commit must not cost the model unaccounted gas.
                  const c = commitmentOf(t.id, item, labeller.address, a.label, saltOf(labeller.address, item, slot));
                  await expect(
                    bounties
                      .connect(labeller)
                      .commit.staticCall(t.id, item, slot, t.tree.itemHashes[item], t.tree.proof(item), c, {
                        value: t.bondWei,
                      }),
                  )
                    .to.be.revertedWithCustomError(bounties, "LabelingBountiesSlotHeld")
                    .withArgs(t.id, item, labeller.address);
                  ++squatAttempts;
                  return;
                }
                const salt = saltOf(labeller.address, item, slot);
                const commitment = commitmentOf(t.id, item, labeller.address, a.label, salt);
                await send(
                  bounties
                    .connect(labeller)
                    .commit(t.id, item, slot, t.tree.itemHashes[item], t.tree.proof(item), commitment, {
                      value: t.bondWei,
                    }),
                  t.bondWei,
                );
                bountyEscrowWei += t.bondWei;
                expect(await bounties.holdsSlot(t.id, item, labeller.address), "the commit holds a slot").to.equal(
                  true,
                );
                t.slots[item].push({ labeller, label: a.label, salt, revealed: false, settled: false });
                break;
              }
              case "revealLabel": {
                const now = BigInt(await time.latest());
                const open = labelSlots(
                  (t, s) => now >= t.commitDeadline && now + 10n <= t.revealDeadline && !s.revealed,
                );
                if (open.length === 0) return;
                const { t, item, slot, s } = open[a.n % open.length];
                await send(bounties.connect(s.labeller).reveal(t.id, item, slot, s.label, s.salt));
                s.revealed = true;
                break;
              }
              case "finalizeItem": {
                const now = BigInt(await time.latest());
                const due = tasks.flatMap((t) =>
                  now >= t.revealDeadline ? t.outcomes.flatMap((o, item) => (o ? [] : [{ t, item }])) : [],
                );
                if (due.length === 0) return;
                // Every other time, an item someone revealed a label for (if any), so settlements have work to do.
                const withLabels = due.filter(({ t, item }) => t.slots[item].some((x) => x.revealed));
                const pool = a.n % 2 === 0 && withLabels.length > 0 ? withLabels : due;
                const { t, item } = pool[(a.n >> 1) % pool.length];
                // The reference tally: a label wins with a strict plurality of at least THRESHOLD_BPS of the reveals.
                const counts = [0n, 0n];
                for (const s of t.slots[item]) if (s.revealed) counts[s.label]++;
                const revealed = counts[0] + counts[1];
                const top = counts[0] > counts[1] ? counts[0] : counts[1];
                const resolved = counts[0] !== counts[1] && top * BPS >= THRESHOLD_BPS * revealed;
                const majority = resolved && counts[1] > counts[0] ? 1 : 0;
                const refundWei = (BigInt(LABELS_PER_ITEM) - (resolved ? top : 0n)) * t.rewardWei;
                // Bonds of unrevealed and rejected labels are forfeited (every revealed one returns if unresolved).
                const forfeitWei = (BigInt(t.slots[item].length) - (resolved ? top : revealed)) * t.bondWei;
                await send(bounties.connect(f.stranger).finalizeItem(t.id, item));
                const [status, majorityLabel] = await bounties.itemState(t.id, item);
                expect([status, majorityLabel], "item outcome").to.deep.equal([resolved ? 1n : 2n, BigInt(majority)]);
                t.outcomes[item] = { resolved, majority };
                bountyEscrowWei -= refundWei + forfeitWei;
                bountyForfeitedWei += forfeitWei;
                addCredit(bountyCredits, f.requester.address, refundWei);
                // Every other time, anyone sweeps the bonds this finalisation forfeited to the Treasury at once (else
                // they wait for a later bountyWithdraw step, which sweeps first).
                if (forfeitWei > 0n && a.n % 2 === 0) await sweepBonds();
                break;
              }
              case "settleLabel": {
                const ready = labelSlots((t, s, item) => t.outcomes[item] !== undefined && s.revealed && !s.settled);
                if (ready.length === 0) return;
                const { t, item, slot, s } = ready[a.n % ready.length];
                const receipt = await send(
                  bounties.connect(f.stranger).claim(t.id, item, slot, s.labeller.address, s.label, s.salt),
                );
                for (const log of receipt.logs) {
                  const parsed =
                    log.address.toLowerCase() === addrOf.bounties.toLowerCase()
                      ? bounties.interface.parseLog(log)
                      : null;
                  if (parsed?.name === "LabelSettled")
                    addCredit(rewardsPaid, parsed.args.labeller, parsed.args.rewardWei);
                }
                s.settled = true;
                const outcome = t.outcomes[item]!;
                if (outcome.resolved && outcome.majority === s.label) {
                  bountyEscrowWei -= t.rewardWei + t.bondWei;
                  addCredit(bountyCredits, s.labeller.address, t.rewardWei + t.bondWei);
                } else if (!outcome.resolved) {
                  bountyEscrowWei -= t.bondWei;
                  addCredit(bountyCredits, s.labeller.address, t.bondWei);
                }
                break;
              }
              case "bountyWithdraw": {
                // While bonds are forfeited, anyone sweeps them to the Treasury first; otherwise a labeller withdraws.
                if (bountyForfeitedWei > 0n) {
                  await sweepBonds();
                  break;
                }
                const who = await firstWith(a.n, (acc) => bounties.creditOf(acc));
                if (!who) return;
                await send(bounties.connect(who).withdraw());
                bountyCredits.set(await who.getAddress(), 0n);
                break;
              }
              case "listDataset": {
                if (listings.length >= MAX_DATASETS) return;
                const seller = sellers[a.seller];
                const contributors = a.royaltyBps.map((_, i) => contributorPool[i].address);
                const encrypted = await f.encryptKey(seller.address, a.key);
                const params = listingParams({
                  contentHash: ethers.id(`dataset ${listings.length}`),
                  priceAmount: a.priceWei,
                  contributors,
                  contributorBps: a.royaltyBps,
                });
                await send(market.connect(seller).list(params, encrypted.handles[0], encrypted.inputProof));
                listings.push({
                  id: (await market.marketConfig()).datasetCount_,
                  seller,
                  priceWei: a.priceWei,
                  contributors,
                  bps: a.royaltyBps.map(BigInt),
                  listed: true,
                  key: a.key,
                  buyers: new Set(),
                });
                break;
              }
              case "purchase": {
                if (listings.length === 0) return;
                const d = listings[a.n % listings.length];
                const buyer = buyers[a.buyer];
                const valueWei = d.priceWei + a.extraWei;
                const purchase = market.connect(buyer).purchase;
                // Refused purchases are simulated, not mined: a mined revert would burn gas outside the ghost sums.
                if (!d.listed) {
                  await expect(purchase.staticCall(d.id, d.priceWei, { value: valueWei }))
                    .to.be.revertedWithCustomError(market, "DataMarketNotListed")
                    .withArgs(d.id, 2);
                  return;
                }
                if (d.buyers.has(buyer.address)) {
                  await expect(purchase.staticCall(d.id, d.priceWei, { value: valueWei }))
                    .to.be.revertedWithCustomError(market, "DataMarketAlreadyLicensed")
                    .withArgs(d.id, buyer.address);
                  return;
                }
                await send(purchase(d.id, d.priceWei, { value: valueWei }), valueWei);
                // The reference split: floored shares for the seller and each contributor, the dust to the protocol.
                const royaltyBps = d.bps.reduce((x, y) => x + y, 0n);
                const sellerWei = (d.priceWei * (BPS - BigInt(DATA_FEE_BPS) - royaltyBps)) / BPS;
                let royaltyWei = 0n;
                d.contributors.forEach((c, i) => {
                  const shareWei = (d.priceWei * d.bps[i]) / BPS;
                  royaltyWei += shareWei;
                  addCredit(marketCredits, c, shareWei);
                });
                addCredit(marketCredits, d.seller.address, sellerWei);
                addCredit(marketCredits, buyer.address, a.extraWei);
                marketFeesWei += d.priceWei - sellerWei - royaltyWei;
                d.buyers.add(buyer.address);
                break;
              }
              case "setPrice": {
                if (listings.length === 0) return;
                const d = listings[a.n % listings.length];
                if (!d.listed) return;
                await send(market.connect(d.seller).setPrice(d.id, a.priceWei));
                d.priceWei = a.priceWei;
                break;
              }
              case "delist": {
                if (listings.length === 0) return;
                const d = listings[a.n % listings.length];
                if (!d.listed) return;
                await send(market.connect(d.seller).delist(d.id));
                d.listed = false;
                break;
              }
              case "marketWithdraw": {
                const who = await firstWith(a.n, (acc) => market.creditOf(acc, ETH));
                if (!who) return;
                await send(market.connect(who).withdraw(ETH));
                marketCredits.set(await who.getAddress(), 0n);
                break;
              }
              case "sweepMarket": {
                const feesWei = await market.protocolFeesOf(ETH);
                if (feesWei === 0n) return;
                await send(market.connect(f.stranger).sweepProtocolFees(ETH));
                marketFeesWei -= feesWei;
                treasuryFunds += feesWei;
                break;
              }
              case "decryptKey": {
                if (decryptions >= MAX_DECRYPTIONS) return;
                const licensed = listings.flatMap((d) => [...d.buyers].map((b) => ({ d, b })));
                if (licensed.length === 0) return;
                const { d, b } = licensed[a.n % licensed.length];
                const handle = (await market.getDataset(d.id)).key;
                const buyer = buyers.find((x) => x.address === b)!;
                expect(await userDecrypt256(handle, marketAddr, buyer), "decrypted key").to.equal(d.key);
                const outsider = buyers.find((x) => !d.buyers.has(x.address));
                if (outsider) {
                  const refused = await userDecrypt256(handle, marketAddr, outsider).then(
                    () => false,
                    () => true,
                  );
                  expect(refused, "an account without a license cannot decrypt the key").to.equal(true);
                }
                decryptions++;
                count();
                break;
              }
              case "upgrade": {
                // The proxy upgraded least often so far (over all runs), so every one of them is exercised.
                const fewest = Math.min(...UPGRADABLE.map((u) => upgraded.get(u) ?? 0));
                const candidates = UPGRADABLE.filter((u) => (upgraded.get(u) ?? 0) === fewest);
                const name = candidates[a.n % candidates.length];
                const proxyAddr = await f.proxies[name].getAddress();
                const [original, alternative] = f.implementations[name];
                const current = await upgrades.erc1967.getImplementationAddress(proxyAddr);
                const target = current.toLowerCase() === original.toLowerCase() ? alternative : original;
                const before = await fingerprint(name);
                const proxy = await ethers.getContractAt("AxonUpgradeable", proxyAddr, f.admin);
                await send(proxy.upgradeToAndCall(target, "0x"));
                expect((await upgrades.erc1967.getImplementationAddress(proxyAddr)).toLowerCase()).to.equal(
                  target.toLowerCase(),
                );
                if (target === alternative && name !== "market") {
                  expect(await new ethers.Contract(proxyAddr, V2_VERSION, ethers.provider).version()).to.equal(2n);
                }
                expect(await fingerprint(name), `${name} state after the upgrade`).to.equal(before);
                upgraded.set(name, (upgraded.get(name) ?? 0) + 1);
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
                const { activeWei, lockedWei } = await staking.stakeOf(who.address, service);
                const free = activeWei - lockedWei;
                if (free === 0n) return;
                // Half the free stake, or all of it where the rest would fall below the service minimum.
                const minWei = a.service ? MIN_ORACLE_STAKE : MIN_COMPUTE_STAKE;
                let amountWei = free / 2n + 1n;
                if (activeWei - amountWei !== 0n && activeWei - amountWei < minWei) amountWei = free;
                if (activeWei - amountWei !== 0n && activeWei - amountWei < minWei) return;
                await send(staking.connect(who).requestUnbond(service, amountWei));
                break;
              }
              case "stakeWithdraw": {
                // The first matured unbonding, starting from a random operator and service.
                const now = BigInt(await time.latest());
                const operators = [f.node2, f.provider2, f.node, f.provider];
                for (let i = 0; i < 2 * operators.length; i++) {
                  const k = (2 * a.n + Number(a.service) + i) % (2 * operators.length);
                  const [who, service] = [operators[k >> 1], k & 1 ? ORACLE_SERVICE : COMPUTE_SERVICE];
                  const s = await staking.stakeOf(who.address, service);
                  if (s.unbondingWei === 0n || now < s.unbondingReleaseAt) continue;
                  await send(staking.connect(who).withdraw(service));
                  break;
                }
                break;
              }
              case "stakingCredit": {
                const who = await firstWith(a.n, (acc) => staking.creditOf(acc));
                if (!who) return;
                await send(staking.connect(who).withdrawCredit());
                break;
              }
              case "optRequest": {
                let fee: bigint;
                try {
                  fee = await oracle.quote(f.optModelId, CALLBACK_GAS);
                } catch {
                  return; // no active serving node: the registry assigns no unstaked node (issue 12, item 1)
                }
                const resp = await oracle
                  .connect(f.requester)
                  .request(f.optModelId, "0x01", f.requester.address, CALLBACK_GAS, "0x", { value: fee });
                await send(Promise.resolve(resp), fee);
                const { requestId, req } = await createdRequest(oracle, resp);
                const o: OptEntry = { req, escrowWei: fee, bondHeldWei: 0n, upheld: false };
                optimistic.set(requestId, o);
                // The assigned node proposes at once when it can bond the result (else the request may expire).
                const node = signerOf((req.nodes as string[])[0]);
                if (!(await oracle.canFulfil(requestId, req, node.address))) break;
                if ((await staking.freeStake(node.address, ORACLE_SERVICE)) < OPT_BOND) break;
                await send(oracle.connect(node).fulfil(requestId, req, "0x07", 0));
                o.proposer = node.address;
                break;
              }
              case "selfChallenge": {
                // The requester reads the proposed output and challenges its own request (issue 12, item 2).
                const now = BigInt(await time.latest());
                const open: [bigint, OptEntry][] = [];
                for (const [id, o] of optimistic) {
                  if (!o.proposer || o.challenged) continue;
                  const p = await oracle.proposalOf(id);
                  if (!p.resolved && now + 10n <= p.challengeDeadline) open.push([id, o]);
                }
                if (open.length === 0) return;
                const [id, o] = open[a.n % open.length];
                await send(oracle.connect(f.requester).challenge(id, o.req, { value: OPT_BOND }), OPT_BOND);
                o.challenged = true;
                o.bondHeldWei = OPT_BOND;
                break;
              }
              case "sybilVote": {
                const now = BigInt(await time.latest());
                const open: [bigint, OptEntry][] = [];
                for (const [id, o] of optimistic) {
                  if (!o.challenged) continue;
                  const [state] = await oracle.requestState(id);
                  if (state === 5n && now + 10n <= (await oracle.proposalOf(id)).resolveBy) open.push([id, o]);
                }
                if (open.length === 0) return;
                const [id, o] = open[a.n % open.length];
                // The other serving node votes the result invalid, bonding its stake (issue 12, item 3).
                const voter = optNodes.find((n) => n.address !== o.proposer)!;
                const p = await oracle.proposalOf(id);
                if (
                  p.votesInvalid + p.votesValid === 0n &&
                  (await registry.isServing(f.optModelId, voter.address)) &&
                  (await staking.freeStake(voter.address, ORACLE_SERVICE)) >= OPT_BOND
                ) {
                  await send(oracle.connect(voter).voteChallenge(id, o.req, false));
                }
                if (!a.arbiter) break;
                const receipt = await send(oracle.connect(f.arbiter).resolveChallenge(id, o.req, a.valid));
                settleOptimistic(id, o, receipt);
                break;
              }
              case "optSettle": {
                const now = BigInt(await time.latest());
                const due: [bigint, OptEntry, "finalize" | "refund"][] = [];
                for (const [id, o] of optimistic) {
                  const [state] = await oracle.requestState(id);
                  const p = await oracle.proposalOf(id);
                  if (state === 1n && now > termsOf(o.req).deadline) due.push([id, o, "refund"]);
                  else if (state === 2n && (p.resolved || now > p.challengeDeadline)) due.push([id, o, "finalize"]);
                  else if (state === 5n && now > p.resolveBy) {
                    due.push([id, o, p.votesInvalid >= BigInt(termsOf(o.req).quorumK) ? "refund" : "finalize"]);
                  }
                }
                if (due.length === 0) return;
                const [id, o, how] = due[a.n % due.length];
                const receipt = await send(
                  how === "refund"
                    ? oracle.connect(f.stranger).refund(id, o.req)
                    : oracle.connect(f.stranger).finalize(id, o.req, "0x07", 0),
                );
                settleOptimistic(id, o, receipt);
                break;
              }
              case "unbondWhileServing": {
                // A serving node unbonds all its stake, then tries to answer what it was assigned (issue 12, item 1).
                const node = optNodes[a.n];
                const { activeWei, lockedWei } = await staking.stakeOf(node.address, ORACLE_SERVICE);
                if (activeWei === 0n || lockedWei !== 0n) return;
                await send(staking.connect(node).requestUnbond(ORACLE_SERVICE, activeWei));
                const now = BigInt(await time.latest());
                for (const [id, o] of optimistic) {
                  if (o.proposer || (o.req.nodes as string[])[0] !== node.address) continue;
                  if (now + 10n > termsOf(o.req).deadline) continue;
                  const creditBefore = await oracle.creditOf(node.address);
                  // Simulated (a mined revert would burn gas outside the model's ghost sums).
                  await expect(oracle.connect(node).fulfil.staticCall(id, o.req, "0x07", 0))
                    .to.be.revertedWithCustomError(oracle, "AIOracleNotActiveOperator")
                    .withArgs(id, node.address);
                  expect(await oracle.creditOf(node.address), "an unstaked node never earns").to.equal(creditBefore);
                  break;
                }
                // It stakes again (its unbonding stake stays slashable until withdrawn) and serves on.
                await send(staking.connect(node).stake(ORACLE_SERVICE, { value: activeWei }), activeWei);
                break;
              }
              case "wait":
                await time.increase(a.seconds);
                count();
                break;
            }
          };

          /**
           * Issue 12 invariants on a settled Optimistic request: the oracle releases exactly the challenger's bond and
           * the fee; a request ends refunded only when its challenge was upheld (never with the node unpaid and the
           * challenger refunded otherwise); an unstaked node is never the proposer that gets paid.
           */
          const settleOptimistic = (id: bigint, o: OptEntry, receipt: TransactionReceipt) => {
            let resolved: boolean | undefined;
            let refunded = false;
            let finalNode: string | undefined;
            for (const log of receipt.logs) {
              if (log.address.toLowerCase() !== addrOf.oracle.toLowerCase()) continue;
              const ev = oracle.interface.parseLog(log);
              if (ev?.name === "ChallengeResolved") resolved = ev.args.resultValid as boolean;
              if (ev?.name === "RequestRefunded") refunded = true;
              if (ev?.name === "RequestFulfilled" && (ev.args.isFinal as boolean)) finalNode = ev.args.node as string;
            }
            if (resolved === false) o.upheld = true;
            if (resolved !== undefined) o.bondHeldWei = 0n;
            if (refunded) {
              expect(
                o.upheld || !o.challenged,
                `request ${id}: a challenged request is refunded only when the challenge was upheld`,
              ).to.equal(true);
              optimistic.delete(id);
            } else if (finalNode !== undefined) {
              expect(finalNode, `request ${id}: the proposer is paid`).to.equal(o.proposer);
              expect(o.upheld, `request ${id}: an upheld challenge never pays the proposer`).to.equal(false);
              optimistic.delete(id);
            }
          };

          /** Each contract's liabilities by category, from its own views and the reference models. */
          const liabilities = async (): Promise<Record<keyof typeof contracts, Liabilities>> => {
            const sum = async (amounts: Promise<bigint>[]) => (await Promise.all(amounts)).reduce((x, y) => x + y, 0n);
            const creditsIn = (of: (account: string) => Promise<bigint>) => sum(creditHolders.map(of));
            // Settled requests leave `pending`: every request still in it is open and holds its escrow.
            const states = await Promise.all([...pending.keys()].map((id) => oracle.requestState(id)));
            expect(
              states.every(([state]) => state === 1n),
              "requests in the model are open",
            ).to.equal(true);
            const openRequests =
              [...pending.values()].reduce((x, { escrowWei }) => x + escrowWei, 0n) +
              [...optimistic.values()].reduce((x, o) => x + o.escrowWei + o.bondHeldWei, 0n);
            const liveJobs = await sum(
              jobs.map(async (id) => {
                const job = await escrow.jobOf(id);
                return LIVE_JOB.has(BigInt(job.status)) ? job.amount : 0n;
              }),
            );
            // DataMarket and LabelingBounties: on-chain credits and escrow must match the reference models exactly.
            const marketAccounts = [...marketCredits.keys()];
            const marketOnChain = await Promise.all(marketAccounts.map((a) => market.creditOf(a, ETH)));
            expect(marketOnChain, "DataMarket credits").to.deep.equal(marketAccounts.map((a) => marketCredits.get(a)));
            expect(await market.protocolFeesOf(ETH), "DataMarket protocol fees").to.equal(marketFeesWei);
            const bountyAccounts = [...bountyCredits.keys()];
            const bountyOnChain = await Promise.all(bountyAccounts.map((a) => bounties.creditOf(a)));
            expect(bountyOnChain, "LabelingBounties credits").to.deep.equal(
              bountyAccounts.map((a) => bountyCredits.get(a)),
            );
            const bountyCreditsWei = [...bountyCredits.values()].reduce((x, y) => x + y, 0n);
            expect(await bounties.totalCredits(), "LabelingBounties total credits").to.equal(bountyCreditsWei);
            expect(await bounties.totalEscrowed(), "LabelingBounties unspent funding").to.equal(bountyEscrowWei);
            expect(await bounties.forfeitedBonds(), "LabelingBounties forfeited bonds").to.equal(bountyForfeitedWei);
            // Issue 12 item 4 (slot squatting): no labeller holds two slots of one item (the contract's own record is
            // checked at each commit, and a second commit is refused in commitLabel's squatting branch).
            for (const t of tasks) {
              for (const [item, slots] of t.slots.entries()) {
                const holders = new Set(slots.map((x) => x.labeller.address));
                expect(holders.size, `task ${t.id} item ${item}: one slot per labeller`).to.equal(slots.length);
              }
            }
            // Σ rewards paid to one labeller <= its revealed agreeing slots x reward.
            for (const l of labellers) {
              let cap = 0n;
              for (const t of tasks) {
                for (const [item, slots] of t.slots.entries()) {
                  const o = t.outcomes[item];
                  for (const x of slots)
                    if (x.labeller === l && x.revealed && o?.resolved && o.majority === x.label) cap += t.rewardWei;
                }
              }
              expect(rewardsPaid.get(l.address) ?? 0n, `rewards of ${l.address}`).to.be.lte(cap);
            }
            // ModelToken: the unreleased stream and the redeem pool are escrow, holders' claimable revenue is credit.
            const [toHolders, toPool] = await token.unreleasedOf(ETH);
            let tokenCredits = 0n;
            for (const h of f.holders) tokenCredits += await token.claimableOf(ETH, h.address);
            const tokenEscrow = toHolders + toPool + (await token.redeemPoolOf(ETH));
            const tokenDust = (await balance(addrOf.token)) - tokenEscrow - tokenCredits;
            expect(tokenDust >= 0n && tokenDust <= 10n, `ModelToken rounding dust ${tokenDust}`).to.equal(true);
            const [oracleCredits, oracleFees, escrowCredits, escrowFees, staked, stakingCredits, offeringCredits] =
              await Promise.all([
                creditsIn((a) => oracle.creditOf(a)),
                oracle.protocolFeesWei(),
                creditsIn((a) => escrow.creditOf(a, ETH)),
                escrow.feesAccrued(ETH),
                staking.totalStaked(),
                staking.totalCredits(),
                creditsIn((a) => offering.creditOf(a)),
              ]);
            return {
              oracle: owes({ openEscrow: openRequests, credits: oracleCredits, treasury: oracleFees }),
              escrow: owes({ openEscrow: liveJobs, credits: escrowCredits, treasury: escrowFees }),
              staking: owes({ stakes: staked, credits: stakingCredits }),
              bounties: owes({ openEscrow: bountyEscrowWei, credits: bountyCreditsWei, treasury: bountyForfeitedWei }),
              token: owes({ openEscrow: tokenEscrow, credits: tokenCredits, roundingDust: tokenDust }),
              offering: owes({ credits: offeringCredits }),
              treasury: owes({ treasury: treasuryFunds }),
              registry: owes({}),
              market: owes({
                credits: [...marketCredits.values()].reduce((x, y) => x + y, 0n),
                treasury: marketFeesWei,
              }),
            };
          };

          const checkInvariants = async () => {
            // Per contract: ETH held == open escrow + unclaimed credits + stakes + treasury funds.
            const owed = await liabilities();
            let held = 0n;
            let owedTotal = 0n;
            const names = Object.keys(contracts) as (keyof typeof contracts)[];
            const balances = await Promise.all(names.map((name) => balance(addrOf[name])));
            for (const [i, name] of names.entries()) {
              const balanceWei = balances[i];
              expect(balanceWei, `${name}: balance == liabilities ${json(owed[name])}`).to.equal(sumOf(owed[name]));
              held += balanceWei;
              owedTotal += sumOf(owed[name]);
            }
            expect(held, "Σ balances == Σ liabilities").to.equal(owedTotal);
            // DataMarket licenses: exactly the model's buyers may use each dataset's key (an ACL view, no decryption).
            const pairs = listings.flatMap((d) => buyers.map((b) => ({ d, b: b.address })));
            const access = await Promise.all(pairs.map(({ d, b }) => market.hasAccess(d.id, b)));
            expect(access, "dataset access").to.deep.equal(pairs.map(({ d, b }) => d.buyers.has(b)));
            // Global conservation since the fixture: Σ deposited − Σ paid out to outside accounts == Δ Σ balances held.
            const paidOut = (await total(outsiderAddrs)) - outsidersBefore + gasWei + deposited;
            expect(deposited - paidOut, "deposited − paid out == Δ held").to.equal(held - contractsBefore);
          };

          for (const a of actions) {
            current = a.kind;
            const before = executed.get(current) ?? 0;
            await step(a);
            // A step whose precondition did not hold sent nothing and left the chain as the last check saw it.
            if ((executed.get(current) ?? 0) !== before) await checkInvariants();
          }
        },
      ),
      // FC_PATH replays one reported failure: FC_PATH=164 DEEP=1 npx hardhat test <this file>
      {
        numRuns: NUM_RUNS,
        seed: SEED,
        endOnFailure: true,
        ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
      },
    );
    const calls = [...executed.values()].reduce((x, y) => x + y, 0);
    console.log(
      `      protocol model: ${calls} calls ${json(Object.fromEntries(executed))}, squats ${squatAttempts}, bond sweeps ${bondSweeps}, slashes ${json(Object.fromEntries(slashes))}, upgrades ${json(Object.fromEntries(upgraded))}`,
    );
    // A broken generator or an unreachable precondition must not silently test nothing: every kind ran, and provider
    // stake was slashed into the Treasury and beneficiary credits both for a lost dispute and for a missed deadline.
    for (const kind of Object.keys(KINDS)) {
      expect(executed.get(kind) ?? 0, `calls of kind ${kind}`).to.be.greaterThan(0);
    }
    for (const name of UPGRADABLE) expect(upgraded.get(name) ?? 0, `upgrades of ${name}`).to.be.greaterThan(0);
    expect(squatAttempts, "slot squatting attempts").to.be.greaterThan(0);
    expect(bondSweeps, "forfeited bond sweeps").to.be.greaterThan(0);
    for (const cause of ["advanceJob", "expireJobs"]) {
      expect(slashes.get(cause) ?? 0, `slashes by ${cause}`).to.be.greaterThan(0);
    }
  });
});
