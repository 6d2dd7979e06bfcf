import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Signer } from "ethers";
import { COMPUTE_SERVICE, MIN_COMPUTE_STAKE } from "../helpers/constants";
import {
  BOND,
  deployComputeFixture,
  ETH,
  ETH_USD,
  FEED_STALENESS,
  jobRequest,
  PROVIDER_STAKE,
  SETTINGS,
  Status,
  type ComputeFixture,
} from "./fixture";

const DEEP = !!process.env.DEEP;
const RUNS = DEEP ? 200 : 16;
const STEPS = DEEP ? 80 : 45;
const MAX_DURATION = 600;
const CHALLENGE = Number(SETTINGS.challengeWindowSeconds);
const ARBITRATION = Number(SETTINGS.arbitrationWindowSeconds);
const FEE_BPS = BigInt(SETTINGS.protocolFeeBps);

type Action =
  | { kind: "post"; requester: number; milli: number; startIn: number }
  | { kind: "postUsd"; requester: number; cents: number; extraWei: number }
  | { kind: "claim"; job: number; provider: number }
  | { kind: "start" | "submit" | "accept" | "cancel" | "finalize"; job: number }
  | { kind: "dispute"; job: number }
  | { kind: "resolve"; job: number; providerWins: boolean }
  | { kind: "process" }
  | { kind: "advance"; seconds: number }
  | { kind: "feed"; usd: number }
  | { kind: "withdraw"; account: number };

interface ModelJob {
  id: bigint;
  requester: number;
  provider: number;
  amount: bigint;
  status: number;
  deadline: number;
}

// A job pick: usually among the jobs whose status the action expects (so lifecycles advance), otherwise any job.
const pick = fc.nat(7);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("post" as const),
      requester: fc.nat(1),
      milli: fc.integer({ min: 1, max: 3_000 }),
      startIn: fc.integer({ min: 5, max: 3_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("postUsd" as const),
      requester: fc.nat(1),
      cents: fc.integer({ min: 1, max: 1_000_000 }),
      extraWei: fc.nat(1_000),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claim" as const), job: pick, provider: fc.nat(2) }) },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constantFrom("start" as const, "submit" as const), job: pick }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("accept" as const), job: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("cancel" as const, "finalize" as const), job: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("dispute" as const), job: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("resolve" as const), job: pick, providerWins: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "process" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: fc.integer({ min: 1, max: 1_500 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("feed" as const),
      usd: fc.oneof(fc.integer({ min: 100, max: 100_000 }), fc.constant(0)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), account: fc.nat(4) }) },
);

/** Runs a model of the acceptance-mode escrow beside the contract and checks conservation after every step. */
async function runScenario(f: ComputeFixture, actions: Action[]) {
  const requesters = [f.requester, f.requester2];
  const providers = [f.provider, f.provider2, f.provider3];
  const accounts: Signer[] = [...requesters, ...providers];
  const addresses = await Promise.all(accounts.map((a) => a.getAddress()));
  const jobs: ModelJob[] = [];
  const credits = new Map<string, bigint>(addresses.map((a) => [a, 0n]));
  const active = providers.map(() => PROVIDER_STAKE);
  const locked = providers.map(() => 0n);
  let fees = 0n;
  let answer = ETH_USD;
  let feedUpdatedAt = await time.latest();
  // Ghost sums, from the contract's own events.
  const ghost = { escrowed: 0n, paid: 0n, fees: 0n, refunded: 0n };
  const settled = new Map<bigint, "paid" | "refunded">();
  const slashBond = (p: number) => {
    locked[p] -= BOND;
    active[p] -= active[p] < BOND ? active[p] : BOND;
  };
  const credit = (account: string, amount: bigint) => credits.set(account, credits.get(account)! + amount);
  const pay = (j: ModelJob) => {
    const fee = (j.amount * FEE_BPS) / 10_000n;
    fees += fee;
    credit(addresses[2 + j.provider], j.amount - fee);
    locked[j.provider] -= BOND;
    j.status = Status.Paid;
  };
  const refund = (j: ModelJob) => {
    credit(addresses[j.requester], j.amount);
    j.status = Status.Refunded;
  };
  const isFinal = (j: ModelJob) => j.status === Status.Paid || j.status === Status.Refunded;
  const settleDue = (j: ModelJob) => {
    if (j.status === Status.Open) refund(j);
    // An unresolved dispute pays the provider (test/security/DisputeHonestResultWithoutArbiter.test.ts).
    else if (j.status === Status.Submitted || j.status === Status.Disputed) pay(j);
    else {
      slashBond(j.provider);
      refund(j);
    }
  };

  async function send(
    expectOk: boolean,
    label: string,
    call: () => Promise<ContractTransactionResponse>,
  ): Promise<boolean> {
    let tx: ContractTransactionResponse;
    try {
      tx = await call();
    } catch (err) {
      if (expectOk) throw new Error(`${label} reverted but the model expected success: ${(err as Error).message}`);
      return false;
    }
    if (!expectOk) throw new Error(`${label} succeeded but the model expected a revert`);
    const receipt = await tx.wait();
    for (const log of receipt!.logs) {
      const parsed = f.escrow.interface.parseLog(log);
      if (!parsed) continue;
      if (parsed.name === "JobPosted") ghost.escrowed += parsed.args.amount as bigint;
      if (parsed.name === "JobPaid" || parsed.name === "JobRefunded") {
        const id = parsed.args.jobId as bigint;
        const kind = parsed.name === "JobPaid" ? "paid" : "refunded";
        expect(settled.get(id), `job ${id} settled twice`).to.equal(undefined);
        settled.set(id, kind);
        if (kind === "paid") {
          ghost.paid += parsed.args.amount as bigint;
          ghost.fees += parsed.args.feeAmount as bigint;
        } else ghost.refunded += parsed.args.amount as bigint;
      }
    }
    return true;
  }

  for (const a of actions) {
    const now = (await time.latest()) + 1;
    await time.setNextBlockTimestamp(now);
    const expected: Record<string, number[]> = {
      claim: [Status.Open],
      cancel: [Status.Open],
      start: [Status.Claimed],
      submit: [Status.Running],
      accept: [Status.Submitted],
      dispute: [Status.Submitted],
      resolve: [Status.Disputed],
      finalize: [Status.Open, Status.Claimed, Status.Running, Status.Submitted, Status.Disputed],
    };
    let job: ModelJob | undefined;
    if ("job" in a && jobs.length > 0) {
      const fitting = jobs.filter((j) => expected[a.kind].includes(j.status));
      // Picks 0..5 choose a fitting job when there is one; 6 and 7 choose any job, to exercise the refusals.
      const pool = a.job < 6 && fitting.length > 0 ? fitting : jobs;
      job = pool[pool.length - 1 - (a.job % pool.length)];
    }
    switch (a.kind) {
      case "post": {
        const amount = ethers.parseEther("0.001") * BigInt(a.milli);
        const request = await jobRequest({ startDeadline: now + a.startIn, maxDurationSeconds: MAX_DURATION });
        const tx = () => f.escrow.connect(requesters[a.requester]).postJob(request, ETH, amount, { value: amount });
        await send(true, "post", tx);
        jobs.push({
          id: BigInt(jobs.length + 1),
          requester: a.requester,
          provider: -1,
          amount,
          status: Status.Open,
          deadline: now + a.startIn,
        });
        break;
      }
      case "postUsd": {
        const fresh = answer > 0n && now - feedUpdatedAt <= FEED_STALENESS;
        const amount = fresh ? (BigInt(a.cents) * 10n ** 24n + answer - 1n) / answer : 0n;
        const request = await jobRequest({ startDeadline: now + 600, maxDurationSeconds: MAX_DURATION });
        const value = (fresh ? amount : ethers.parseEther("1")) + BigInt(a.extraWei);
        const ok = await send(fresh, "postUsd", () =>
          f.escrow.connect(requesters[a.requester]).postJobUsd(request, a.cents, { value }),
        );
        if (ok) {
          jobs.push({
            id: BigInt(jobs.length + 1),
            requester: a.requester,
            provider: -1,
            amount,
            status: Status.Open,
            deadline: now + 600,
          });
          credit(addresses[a.requester], BigInt(a.extraWei));
        }
        break;
      }
      case "claim": {
        if (!job) break;
        const p = a.provider;
        const ok =
          job.status === Status.Open &&
          now <= job.deadline &&
          active[p] >= MIN_COMPUTE_STAKE &&
          active[p] - locked[p] >= BOND;
        if (await send(ok, "claim", () => f.escrow.connect(providers[p]).claim(job.id))) {
          job.status = Status.Claimed;
          job.provider = p;
          locked[p] += BOND;
        }
        break;
      }
      case "start": {
        if (!job) break;
        const ok = job.status === Status.Claimed && now <= job.deadline;
        const p = providers[Math.max(job.provider, 0)];
        if (await send(ok, "start", () => f.escrow.connect(p).start(job.id))) {
          job.status = Status.Running;
          job.deadline = now + MAX_DURATION;
        }
        break;
      }
      case "submit": {
        if (!job) break;
        const ok = job.status === Status.Running && now <= job.deadline;
        const p = providers[Math.max(job.provider, 0)];
        if (await send(ok, "submit", () => f.escrow.connect(p).submitResult(job.id, ethers.id("r"), ""))) {
          job.status = Status.Submitted;
          job.deadline = now + CHALLENGE;
        }
        break;
      }
      case "accept": {
        if (!job) break;
        const ok = job.status === Status.Submitted;
        if (await send(ok, "accept", () => f.escrow.connect(requesters[job.requester]).accept(job.id))) pay(job);
        break;
      }
      case "dispute": {
        if (!job) break;
        const ok = job.status === Status.Submitted && now <= job.deadline;
        const r = requesters[job.requester];
        if (await send(ok, "dispute", () => f.escrow.connect(r).dispute(job.id, ethers.ZeroHash))) {
          job.status = Status.Disputed;
          job.deadline = now + ARBITRATION;
        }
        break;
      }
      case "resolve": {
        if (!job) break;
        const ok = job.status === Status.Disputed && now <= job.deadline;
        if (await send(ok, "resolve", () => f.escrow.connect(f.arbiter).resolveDispute(job.id, a.providerWins))) {
          if (a.providerWins) pay(job);
          else {
            slashBond(job.provider);
            refund(job);
          }
        }
        break;
      }
      case "cancel": {
        if (!job) break;
        const ok = job.status === Status.Open;
        if (await send(ok, "cancel", () => f.escrow.connect(requesters[job.requester]).cancel(job.id))) refund(job);
        break;
      }
      case "finalize": {
        if (!job) break;
        const ok = !isFinal(job) && now > job.deadline;
        if (await send(ok, "finalize", () => f.escrow.connect(f.keeper).finalize(job.id))) settleDue(job);
        break;
      }
      case "process": {
        const due = jobs.filter((j) => !isFinal(j) && now > j.deadline).slice(0, 50);
        await send(true, "process", () => f.escrow.connect(f.keeper).processExpired(due.map((j) => j.id)));
        due.forEach(settleDue);
        break;
      }
      case "advance":
        await time.increaseTo(now + a.seconds);
        break;
      case "feed":
        await f.feed.setAnswer(BigInt(a.usd) * 10n ** 8n);
        answer = BigInt(a.usd) * 10n ** 8n;
        feedUpdatedAt = now;
        break;
      case "withdraw": {
        const who = addresses[a.account];
        const owed = credits.get(who)!;
        if (await send(owed > 0n, "withdraw", () => f.escrow.connect(accounts[a.account]).withdraw(ETH))) {
          credits.set(who, 0n);
        }
        break;
      }
    }

    // Invariants after every step.
    let open = 0n;
    for (const j of jobs) {
      const onChain = await f.escrow.jobOf(j.id);
      expect(Number(onChain.status), `status of job ${j.id}`).to.equal(j.status);
      if (!isFinal(j)) open += j.amount;
    }
    expect(ghost.escrowed, "paid + refunded + fees + open = escrowed").to.equal(
      ghost.paid + ghost.refunded + ghost.fees + open,
    );
    expect(ghost.fees).to.equal(fees);
    expect(await f.escrow.feesAccrued(ETH)).to.equal(fees);
    let owed = 0n;
    for (const who of addresses) {
      expect(await f.escrow.creditOf(who, ETH), `credit of ${who}`).to.equal(credits.get(who));
      owed += credits.get(who)!;
    }
    expect(await ethers.provider.getBalance(await f.escrow.getAddress()), "ETH held").to.equal(open + owed + fees);
    for (let p = 0; p < providers.length; p++) {
      const st = await f.staking.stakeOf(addresses[2 + p], COMPUTE_SERVICE);
      expect(st.lockedWei, `bond locked for provider ${p}`).to.equal(locked[p]);
      expect(st.activeWei, `stake of provider ${p}`).to.equal(active[p]);
    }
  }
}

describe("ComputeEscrow model test (fast-check)", function () {
  it("matches the model and conserves every wei under random posts, claims, submits, disputes, expiries and feed moves", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: STEPS, maxLength: STEPS }), async (actions) => {
        const f = await loadFixture(deployComputeFixture);
        await runScenario(f, actions);
      }),
      { numRuns: RUNS, seed: 20261126, endOnFailure: true },
    );
  });
});
