import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { deployCore } from "../helpers/core";
import {
  COMPUTE_SERVICE,
  MIN_COMPUTE_STAKE,
  MIN_ORACLE_STAKE,
  ORACLE_SERVICE,
  UNBONDING_DELAY_SECONDS,
} from "../helpers/constants";

const ONE = ethers.parseEther("1");
const DEEP = Boolean(process.env.DEEP);
const SERVICES = [ORACLE_SERVICE, COMPUTE_SERVICE] as const;
const MIN_STAKE = [MIN_ORACLE_STAKE, MIN_COMPUTE_STAKE] as const;
const DELAY = BigInt(UNBONDING_DELAY_SECONDS);
const OPERATORS = 3;
// Index 0 is the zero evidence id; the rest form a small pool so that replays happen.
const EVIDENCE = [ethers.ZeroHash, ...[1, 2, 3, 4, 5].map((i) => ethers.id(`evidence-${i}`))];

async function modelFixture() {
  const core = await deployCore();
  const [module, b1, b2, ...operators] = core.others;
  await core.staking.setModule(ORACLE_SERVICE, module.address, true);
  await core.staking.setModule(COMPUTE_SERVICE, module.address, true);
  return { ...core, module, operators: operators.slice(0, OPERATORS), beneficiaries: [b1.address, b2.address] };
}

// ---- commands ----------------------------------------------------------------------------------------------------
const op = fc.integer({ min: 0, max: OPERATORS - 1 });
const svc = fc.integer({ min: 0, max: 1 });
/** Either an absolute amount or basis points of the quantity the command acts on (so most commands are valid). */
type Amount = { abs: bigint } | { bps: number };
const amount: fc.Arbitrary<Amount> = fc.oneof(
  fc.record({ abs: fc.oneof(fc.constantFrom(0n, 1n, ONE, 2n * ONE, 3n * ONE), fc.bigInt({ min: 0n, max: 6n * ONE })) }),
  fc.record({ bps: fc.oneof(fc.constantFrom(0, 5_000, 10_000, 10_001, 20_000), fc.nat(20_000)) }),
);
const resolve = (a: Amount, base: bigint): bigint => ("abs" in a ? a.abs : (base * BigInt(a.bps)) / 10_000n);
/** A command as generated (A = Amount) or resolved against the model's state (A = bigint). */
type Cmd<A> =
  | { kind: "stake"; op: number; svc: number; amount: A }
  | { kind: "requestUnbond"; op: number; svc: number; amount: A }
  | { kind: "withdraw"; op: number; svc: number }
  | { kind: "withdrawCredit"; beneficiary: number }
  | { kind: "lock"; op: number; svc: number; amount: A }
  | { kind: "unlock"; op: number; svc: number; amount: A }
  | {
      kind: "slash";
      op: number;
      svc: number;
      amount: A;
      beneficiary: number;
      bps: number;
      evidence: number;
      /** The beneficiary's share in wei, set when resolving: `bps` of what will be slashed. */
      shareWei?: bigint;
    }
  | { kind: "jail"; op: number; svc: number; inSeconds: number }
  | { kind: "advance"; seconds: number };
type Command = Cmd<Amount>;
type Concrete = Cmd<bigint>;

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("stake" as const), op, svc, amount }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("requestUnbond" as const), op, svc, amount }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), op, svc }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawCredit" as const), beneficiary: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("lock" as const), op, svc, amount }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unlock" as const), op, svc, amount }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("slash" as const),
      op,
      svc,
      amount,
      // 2 is the zero address; bps 10,001 asks for more than was slashed.
      beneficiary: fc.nat(2),
      bps: fc.oneof(fc.constantFrom(0, 10_000, 10_001), fc.nat(10_000)),
      evidence: fc.nat(EVIDENCE.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("jail" as const),
      op,
      svc,
      inSeconds: fc.integer({ min: -5, max: 86_400 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.oneof(fc.constant(UNBONDING_DELAY_SECONDS), fc.integer({ min: 1, max: 2 * UNBONDING_DELAY_SECONDS })),
    }),
  },
);

// ---- reference model ---------------------------------------------------------------------------------------------
interface StakeModel {
  active: bigint;
  unbonding: bigint;
  locked: bigint;
  releaseAt: bigint;
  jailedUntil: bigint;
}

class Model {
  stakes = new Map<string, StakeModel>();
  credits = [0n, 0n];
  evidenceUsed = new Set<number>();
  totalStaked = 0n;
  totalCredits = 0n;
  toTreasury = 0n;

  get(o: number, s: number): StakeModel {
    const key = `${o}/${s}`;
    let st = this.stakes.get(key);
    if (!st) this.stakes.set(key, (st = { active: 0n, unbonding: 0n, locked: 0n, releaseAt: 0n, jailedUntil: 0n }));
    return st;
  }

  /** Turns relative amounts into wei against the current state of the operator's stake. */
  concretise(c: Command): Concrete {
    if (!("amount" in c)) return c;
    const st = this.get(c.op, c.svc);
    const base = {
      stake: MIN_STAKE[c.svc],
      requestUnbond: st.active - st.locked,
      lock: st.active - st.locked,
      unlock: st.locked,
      slash: st.active + st.unbonding,
    }[c.kind];
    const amountWei = resolve(c.amount, base);
    if (c.kind !== "slash") return { ...c, amount: amountWei };
    const slashed = amountWei < base ? amountWei : base;
    return { ...c, amount: amountWei, shareWei: (slashed * BigInt(c.bps)) / 10_000n };
  }

  /** Applies `c` at block time `now`; returns the custom error name it must revert with, or undefined. */
  apply(c: Concrete, now: bigint): string | undefined {
    switch (c.kind) {
      case "stake": {
        const st = this.get(c.op, c.svc);
        if (c.amount === 0n) return "StakingZeroAmount";
        if (st.active + c.amount < MIN_STAKE[c.svc]) return "StakingBelowMinimum";
        st.active += c.amount;
        this.totalStaked += c.amount;
        return undefined;
      }
      case "requestUnbond": {
        const st = this.get(c.op, c.svc);
        if (c.amount === 0n) return "StakingZeroAmount";
        if (c.amount > st.active - st.locked) return "StakingInsufficientFreeStake";
        const remaining = st.active - c.amount;
        if (remaining !== 0n && remaining < MIN_STAKE[c.svc]) return "StakingBelowMinimum";
        st.active = remaining;
        st.unbonding += c.amount;
        st.releaseAt = now + DELAY;
        return undefined;
      }
      case "withdraw": {
        const st = this.get(c.op, c.svc);
        if (st.unbonding === 0n) return "StakingNothingToWithdraw";
        if (now < st.releaseAt) return "StakingUnbondingNotReleased";
        this.totalStaked -= st.unbonding;
        st.unbonding = 0n;
        st.releaseAt = 0n;
        return undefined;
      }
      case "withdrawCredit": {
        if (c.beneficiary === 2 || this.credits[c.beneficiary] === 0n) return "StakingNothingToWithdraw";
        this.totalCredits -= this.credits[c.beneficiary];
        this.credits[c.beneficiary] = 0n;
        return undefined;
      }
      case "lock": {
        const st = this.get(c.op, c.svc);
        if (c.amount === 0n) return "StakingZeroAmount";
        if (c.amount > st.active - st.locked) return "StakingInsufficientFreeStake";
        st.locked += c.amount;
        return undefined;
      }
      case "unlock": {
        const st = this.get(c.op, c.svc);
        st.locked -= c.amount < st.locked ? c.amount : st.locked;
        return undefined;
      }
      case "slash": {
        const st = this.get(c.op, c.svc);
        if (c.evidence === 0) return "StakingZeroEvidence";
        if (this.evidenceUsed.has(c.evidence)) return "StakingEvidenceUsed";
        const held = st.active + st.unbonding;
        const slashed = c.amount < held ? c.amount : held;
        const share = c.shareWei!;
        if (share > slashed) return "StakingBeneficiaryShareTooLarge";
        if (share !== 0n && c.beneficiary === 2) return "StakingZeroAddress";
        this.evidenceUsed.add(c.evidence);
        const fromActive = slashed < st.active ? slashed : st.active;
        st.active -= fromActive;
        st.unbonding -= slashed - fromActive;
        if (st.locked > st.active) st.locked = st.active;
        this.totalStaked -= slashed;
        if (share !== 0n) {
          this.credits[c.beneficiary] += share;
          this.totalCredits += share;
        }
        this.toTreasury += slashed - share;
        return undefined;
      }
      case "jail": {
        const st = this.get(c.op, c.svc);
        const until = now + BigInt(c.inSeconds);
        if (until <= now) return "StakingJailInPast";
        if (until > st.jailedUntil) st.jailedUntil = until;
        return undefined;
      }
      case "advance":
        return undefined;
    }
  }
}

describe("OperatorStaking model", function () {
  it("matches a reference model over random stake/unbond/withdraw/slash/lock/unlock/jail sequences", async function () {
    const numRuns = DEEP ? 1000 : 100;
    this.timeout(DEEP ? 3_600_000 : 120_000);
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 60 }), async (generated) => {
        const { staking, treasury, module, operators, beneficiaries } = await loadFixture(modelFixture);
        const stakingAddress = await staking.getAddress();
        const treasuryStart = await ethers.provider.getBalance(await treasury.getAddress());
        const model = new Model();
        let clock = BigInt(await time.latest());

        for (const g of generated) {
          const c = model.concretise(g);
          if (c.kind === "advance") {
            clock += BigInt(c.seconds);
            continue;
          }
          clock += 1n;
          await time.setNextBlockTimestamp(clock);
          const expected = model.apply(c, clock);
          let tx: Promise<unknown>;
          switch (c.kind) {
            case "stake":
              tx = staking.connect(operators[c.op]).stake(SERVICES[c.svc], { value: c.amount });
              break;
            case "requestUnbond":
              tx = staking.connect(operators[c.op]).requestUnbond(SERVICES[c.svc], c.amount);
              break;
            case "withdraw":
              tx = staking.connect(operators[c.op]).withdraw(SERVICES[c.svc]);
              break;
            case "withdrawCredit": {
              const signer = c.beneficiary === 2 ? operators[0] : await ethers.getSigner(beneficiaries[c.beneficiary]);
              tx = staking.connect(signer).withdrawCredit();
              break;
            }
            case "lock":
              tx = staking.connect(module).lock(operators[c.op].address, SERVICES[c.svc], c.amount);
              break;
            case "unlock":
              tx = staking.connect(module).unlock(operators[c.op].address, SERVICES[c.svc], c.amount);
              break;
            case "slash":
              tx = staking
                .connect(module)
                .slash(
                  operators[c.op].address,
                  SERVICES[c.svc],
                  c.amount,
                  c.beneficiary === 2 ? ethers.ZeroAddress : beneficiaries[c.beneficiary],
                  c.shareWei!,
                  EVIDENCE[c.evidence],
                );
              break;
            case "jail":
              tx = staking.connect(module).jail(operators[c.op].address, SERVICES[c.svc], clock + BigInt(c.inSeconds));
              break;
          }
          if (expected) await expect(tx).to.be.revertedWithCustomError(staking, expected);
          else await expect(tx).not.to.be.reverted;

          if ("op" in c) {
            const st = await staking.stakeOf(operators[c.op].address, SERVICES[c.svc]);
            const m = model.get(c.op, c.svc);
            expect(
              [st.activeWei, st.unbondingWei, st.lockedWei, st.unbondingReleaseAt, st.jailedUntil],
              `stake of operator ${c.op} in service ${c.svc} after ${c.kind}`,
            ).to.deep.equal([m.active, m.unbonding, m.locked, m.releaseAt, m.jailedUntil]);
          }
          expect(await staking.totalStaked(), "totalStaked").to.equal(model.totalStaked);
          expect(await staking.totalCredits(), "totalCredits").to.equal(model.totalCredits);
          expect(await ethers.provider.getBalance(stakingAddress), "balance = staked + credits").to.equal(
            model.totalStaked + model.totalCredits,
          );
        }

        for (let o = 0; o < OPERATORS; ++o) {
          for (let s = 0; s < 2; ++s) {
            const st = await staking.stakeOf(operators[o].address, SERVICES[s]);
            const m = model.get(o, s);
            expect([st.activeWei, st.unbondingWei, st.lockedWei, st.unbondingReleaseAt, st.jailedUntil]).to.deep.equal([
              m.active,
              m.unbonding,
              m.locked,
              m.releaseAt,
              m.jailedUntil,
            ]);
          }
        }
        for (let b = 0; b < 2; ++b) expect(await staking.creditOf(beneficiaries[b])).to.equal(model.credits[b]);
        for (const e of model.evidenceUsed)
          expect(await staking.evidenceUsed(module.address, EVIDENCE[e])).to.equal(true);
        expect((await ethers.provider.getBalance(await treasury.getAddress())) - treasuryStart).to.equal(
          model.toTreasury,
        );
      }),
      { numRuns, seed: 0xa0_57a4e, endOnFailure: true },
    );
  });
});
