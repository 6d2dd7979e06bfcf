import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BOND_WEI,
  commitmentOf,
  CONFIG,
  deployOracleFixture,
  MODE_NONE,
  MODE_OPTIMISTIC,
  MODE_QUORUM,
  OUTPUT,
  sendRequest,
  STATE_CHALLENGED,
  STATE_FULFILLED,
  STATE_NONE,
  STATE_PENDING,
  STATE_PROVISIONAL,
  STATE_REFUNDED,
  type Emitted,
  type OracleFixture,
} from "./fixtures";
import {
  COUNT_MASK,
  commitmentsSlotOf,
  commitmentWord,
  RING_SIZE,
  RING_SLOT,
  setNextRequestId,
  setSlot,
  slot,
} from "./hotSlot";

// The commitment ring (issue 13, third step): request `id`'s commitment word is stored in `commitmentRing[id % 4096]`,
// tagged with its lap `id / 4096`, when that ring slot is free at creation (empty, warmed, or holding a fulfilled or
// refunded request), and in the `commitments` mapping otherwise (the slot still holds an open request, or the id is
// past the ring's last lap). A final result marks a ring word fulfilled and clears a `commitments` entry; a refund out
// of the ring is also recorded in `commitments`, so it stays readable once a later lap reuses the slot. This suite
// specifies where each word lives, that `requestState` and every settlement path read it there, and that an oracle
// upgraded from the layout before the ring (every word in `commitments`, no lap tag) keeps working. Later laps are
// reached by raising the request count in the hot slot instead of sending 4096 requests.

const H = ethers.keccak256(OUTPUT);
const WRONG = ethers.id("a wrong answer");
/** The 24-bit lap field's largest value: the warmed marker's lap, which no request id has. */
const WARM_LAP = 0xffffffn;
const LAP_BITS = WARM_LAP << 40n;
/** What `warmCommitmentRing` writes into an empty ring slot: state FULFILLED, lap 0xffffff, nothing else. */
const WARM_MARKER = (BigInt(STATE_FULFILLED) << 64n) | LAP_BITS;
/** Ring index 1 at lap `lap`. */
const idAt = (lap: bigint) => lap * RING_SIZE + 1n;

/** Request `r`'s word in `state`: [184-bit commitment | 8-bit state | 24-bit lap | 40-bit deadline]. */
function wordOf(r: Emitted, state: number): bigint {
  return (
    (BigInt(commitmentOf(r.request)) & ~((1n << 72n) - 1n)) |
    (BigInt(state) << 64n) |
    (((r.id / RING_SIZE) & WARM_LAP) << 40n) |
    r.terms.deadline
  );
}

const ringWord = (f: OracleFixture, index: bigint) => slot(f.oracle, RING_SLOT + index);
const entryOf = (f: OracleFixture, id: bigint) => slot(f.oracle, commitmentsSlotOf(id));
const sel = (f: OracleFixture, name: string) => f.oracle.interface.getError(name)!.selector;

async function expectState(f: OracleFixture, id: bigint, state: number, deadline: bigint) {
  const s = await f.oracle.requestState(id);
  expect([s[0], s[1]], `requestState(${id})`).to.deep.equal([BigInt(state), deadline]);
}

/** Sends a request for `modelId` as request `id` (raising the count first) and checks where its word went. */
async function requestAs(f: OracleFixture, id: bigint, modelId: number, inRing: boolean): Promise<Emitted> {
  await setNextRequestId(f.oracle, id);
  const r = await sendRequest(f, modelId);
  expect(r.id).to.equal(id);
  expect(await commitmentWord(f.oracle, id)).to.deep.equal({ word: wordOf(r, STATE_PENDING), inRing });
  expect(await entryOf(f, id)).to.equal(inRing ? 0n : wordOf(r, STATE_PENDING));
  await expectState(f, id, STATE_PENDING, r.terms.deadline);
  return r;
}

async function fulfilNone(f: OracleFixture, r: Emitted) {
  await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
    .to.emit(f.oracle, "RequestFulfilled")
    .withArgs(r.id, f.nodeA.address, MODE_NONE, true, true, 0, H);
}

async function expectFulfilled(f: OracleFixture, r: Emitted) {
  await expectState(f, r.id, STATE_FULFILLED, 0n);
  await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
    .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
    .withArgs(r.id, STATE_FULFILLED);
}

/** An Optimistic request (model 3, nodeA) with nodeA's proposal of `output`. */
async function proposed(f: OracleFixture, id: bigint, output = OUTPUT) {
  const r = await requestAs(f, id, 3, true);
  await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, output, 0))
    .to.emit(f.oracle, "RequestFulfilled")
    .withArgs(r.id, f.nodeA.address, MODE_OPTIMISTIC, false, false, 0, ethers.keccak256(output));
  expect(await ringWord(f, r.id % RING_SIZE)).to.equal(wordOf(r, STATE_PROVISIONAL));
  return r;
}

async function challenged(f: OracleFixture, r: Emitted) {
  const at = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(at);
  await expect(f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI }))
    .to.emit(f.oracle, "ResultChallenged")
    .withArgs(r.id, f.challenger.address, BOND_WEI, at + BigInt(CONFIG.challengeResolutionSeconds));
  expect(await ringWord(f, r.id % RING_SIZE)).to.equal(wordOf(r, STATE_CHALLENGED));
  await expectState(f, r.id, STATE_CHALLENGED, r.terms.deadline);
}

describe("AIOracle commitment ring", function () {
  it("stores a first-lap request in its ring slot and marks that word fulfilled, keeping its hash, lap and deadline", async function () {
    const f = await loadFixture(deployOracleFixture);
    const a = await requestAs(f, 1n, 1, true);
    const b = await requestAs(f, 2n, 1, true);
    expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PENDING));
    expect(await ringWord(f, 2n)).to.equal(wordOf(b, STATE_PENDING));
    expect(((await ringWord(f, 1n)) >> 40n) & WARM_LAP).to.equal(0n);

    await fulfilNone(f, a);
    const fulfilled = await ringWord(f, 1n);
    expect(fulfilled).to.equal(wordOf(a, STATE_FULFILLED));
    // Only the state bits changed.
    expect(fulfilled ^ wordOf(a, STATE_PENDING)).to.equal(BigInt(STATE_PENDING ^ STATE_FULFILLED) << 64n);
    expect(await commitmentWord(f.oracle, a.id)).to.deep.equal({ word: fulfilled, inRing: true });
    expect(await entryOf(f, a.id)).to.equal(0n);
    await expectFulfilled(f, a);
    await time.increaseTo(a.terms.deadline + 1n);
    await expect(f.oracle.refund(a.id, a.request))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
      .withArgs(a.id, STATE_FULFILLED);
    // The neighbour is untouched.
    expect(await ringWord(f, 2n)).to.equal(wordOf(b, STATE_PENDING));
    await expectState(f, 3n, STATE_NONE, 0n);
  });

  it("gives a fulfilled request's slot to the next lap, and the fulfilled one still reads and refuses as fulfilled", async function () {
    const f = await loadFixture(deployOracleFixture);
    const a = await requestAs(f, 1n, 1, true);
    await fulfilNone(f, a);
    await expectState(f, idAt(1n), STATE_NONE, 0n);

    const b = await requestAs(f, idAt(1n), 1, true);
    expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_PENDING));
    expect(((await ringWord(f, 1n)) >> 40n) & WARM_LAP).to.equal(1n);
    expect(await entryOf(f, b.id)).to.equal(0n);
    // Request 1's word is gone (its slot carries lap 1 now): an issued id without a word reads as fulfilled.
    expect(await commitmentWord(f.oracle, a.id)).to.deep.equal({ word: 0n, inRing: false });
    await expectFulfilled(f, a);

    await fulfilNone(f, b);
    expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_FULFILLED));
    await expectFulfilled(f, b);
    await expectFulfilled(f, a);
    await time.increaseTo(b.terms.deadline + 1n);
    for (const r of [a, b]) {
      await expect(f.oracle.refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(r.id, STATE_FULFILLED);
    }
    await expectState(f, idAt(2n), STATE_NONE, 0n);
  });

  describe("a busy ring slot sends the next lap to `commitments`", function () {
    async function busyFixture() {
      const f = await deployOracleFixture();
      const a = await requestAs(f, 1n, 1, true);
      const b = await requestAs(f, idAt(1n), 1, false);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PENDING));
      return { ...f, a, b };
    }

    it("settles the overflow request first: its entry is deleted, the ring word waits for its own request", async function () {
      const f = await loadFixture(busyFixture);
      const { a, b } = f;
      await fulfilNone(f, b);
      expect(await entryOf(f, b.id)).to.equal(0n);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PENDING));
      await expectFulfilled(f, b);
      await expectState(f, a.id, STATE_PENDING, a.terms.deadline);

      await fulfilNone(f, a);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectFulfilled(f, a);
      await expectFulfilled(f, b);
    });

    it("settles the ring request first: the overflow one stays pending in `commitments`, the slot is free again", async function () {
      const f = await loadFixture(busyFixture);
      const { a, b } = f;
      await fulfilNone(f, a);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectFulfilled(f, a);
      expect(await commitmentWord(f.oracle, b.id)).to.deep.equal({ word: wordOf(b, STATE_PENDING), inRing: false });
      await expectState(f, b.id, STATE_PENDING, b.terms.deadline);

      // The overflow request does not hold the slot: the next lap takes it.
      const c = await requestAs(f, idAt(2n), 1, true);
      await fulfilNone(f, b);
      expect(await entryOf(f, b.id)).to.equal(0n);
      expect(await ringWord(f, 1n)).to.equal(wordOf(c, STATE_PENDING));
      await expectFulfilled(f, b);
      await fulfilNone(f, c);
      expect(await ringWord(f, 1n)).to.equal(wordOf(c, STATE_FULFILLED));
      for (const r of [a, b, c]) await expectFulfilled(f, r);
    });

    it("settles both in one batch, and skips a repeat of either", async function () {
      const f = await loadFixture(busyFixture);
      const { a, b } = f;
      const tx = f.oracle
        .connect(f.nodeA)
        .fulfilBatch(
          [b.id, a.id, b.id, a.id],
          [b.request, a.request, b.request, a.request],
          [OUTPUT, OUTPUT, OUTPUT, OUTPUT],
          [0, 0, 0, 0],
        );
      await expect(tx)
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(b.id, f.nodeA.address, MODE_NONE, true, true, 0, H)
        .and.to.emit(f.oracle, "RequestFulfilled")
        .withArgs(a.id, f.nodeA.address, MODE_NONE, true, true, 0, H)
        .and.to.emit(f.oracle, "FulfilmentSkipped")
        .withArgs(b.id, f.nodeA.address, sel(f, "AIOracleInvalidState"))
        .and.to.emit(f.oracle, "FulfilmentSkipped")
        .withArgs(a.id, f.nodeA.address, sel(f, "AIOracleInvalidState"));
      expect(await f.consumer.calls()).to.equal(2n);
      expect(await entryOf(f, b.id)).to.equal(0n);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectFulfilled(f, a);
      await expectFulfilled(f, b);
    });
  });

  describe("a refund keeps its record across the slot's reuse", function () {
    it("after the deadline: the refunded word is in the ring and in `commitments`, and survives the next lap", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await requestAs(f, 1n, 1, true);
      await time.increaseTo(a.terms.deadline + 1n);
      await expect(f.oracle.connect(f.requester).refund(a.id, a.request))
        .to.emit(f.oracle, "RequestRefunded")
        .withArgs(a.id, f.requester.address, a.totalWei)
        .and.to.emit(f.oracle, "NodeLate")
        .withArgs(f.nodeA.address, a.id, 1n);
      const refunded = wordOf(a, STATE_REFUNDED);
      expect(await ringWord(f, 1n)).to.equal(refunded);
      expect(await entryOf(f, a.id)).to.equal(refunded);
      await expectState(f, a.id, STATE_REFUNDED, a.terms.deadline);

      const b = await requestAs(f, idAt(1n), 1, true);
      expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_PENDING));
      expect(await commitmentWord(f.oracle, a.id)).to.deep.equal({ word: refunded, inRing: false });
      await expectState(f, a.id, STATE_REFUNDED, a.terms.deadline);
      await expect(f.oracle.connect(f.requester).refund(a.id, a.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      // `_checkFulfil` finds the refunded word (it still matches the request) and reports its state.
      await expect(f.oracle.connect(f.nodeA).fulfil(a.id, a.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      expect(await f.oracle.canFulfil(a.id, a.request, f.nodeA.address)).to.equal(false);

      await fulfilNone(f, b);
      expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_FULFILLED));
      expect(await entryOf(f, a.id)).to.equal(refunded);
      await expectState(f, a.id, STATE_REFUNDED, a.terms.deadline);
      await expectFulfilled(f, b);
      expect(await f.oracle.creditOf(f.requester.address)).to.equal(a.totalWei);
    });

    it("after a challenge found the result invalid: the same double record", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await proposed(f, 1n, WRONG);
      await challenged(f, a);
      await expect(f.oracle.resolveChallenge(a.id, a.request, false))
        .to.emit(f.oracle, "ChallengeResolved")
        .withArgs(a.id, false, f.admin.address)
        .and.to.emit(f.oracle, "RequestRefunded")
        .withArgs(a.id, f.requester.address, a.totalWei);
      const refunded = wordOf(a, STATE_REFUNDED);
      expect(await ringWord(f, 1n)).to.equal(refunded);
      expect(await entryOf(f, a.id)).to.equal(refunded);

      const b = await requestAs(f, idAt(1n), 3, true);
      expect(await commitmentWord(f.oracle, a.id)).to.deep.equal({ word: refunded, inRing: false });
      await expectState(f, a.id, STATE_REFUNDED, a.terms.deadline);
      await expect(f.oracle.resolveChallenge(a.id, a.request, true))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      await expect(f.oracle.finalize(a.id, a.request, WRONG, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      await expect(f.oracle.connect(f.challenger).challenge(a.id, a.request, { value: BOND_WEI }))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      await expect(f.oracle.refund(a.id, a.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      await expect(f.oracle.connect(f.nodeA).fulfil(a.id, a.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_REFUNDED);
      expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_PENDING));
    });
  });

  describe("an open request keeps its slot", function () {
    it("Optimistic, proposed: the next lap overflows until the result is finalized", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await proposed(f, 1n);
      await expectState(f, a.id, STATE_PROVISIONAL, a.terms.deadline);
      const b = await requestAs(f, idAt(1n), 1, false);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PROVISIONAL));
      await fulfilNone(f, b);
      expect(await entryOf(f, b.id)).to.equal(0n);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PROVISIONAL));
      await expectFulfilled(f, b);

      await time.increaseTo((await f.oracle.proposalOf(a.id)).challengeDeadline + 1n);
      await expect(f.oracle.connect(f.stranger).finalize(a.id, a.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(a.id, f.nodeA.address, MODE_OPTIMISTIC, true, true, 0, H);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectState(f, a.id, STATE_FULFILLED, 0n);
      await expect(f.oracle.finalize(a.id, a.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(a.id, STATE_FULFILLED);
      await requestAs(f, idAt(2n), 1, true);
    });

    it("Optimistic, challenged: the next laps overflow through the challenge and its resolution, until finalized", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await proposed(f, 1n);
      await challenged(f, a);
      const b = await requestAs(f, idAt(1n), 1, false);
      await expect(f.oracle.resolveChallenge(a.id, a.request, true))
        .to.emit(f.oracle, "ChallengeResolved")
        .withArgs(a.id, true, f.admin.address);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PROVISIONAL));
      const c = await requestAs(f, idAt(2n), 1, false);
      await expect(f.oracle.connect(f.stranger).finalize(a.id, a.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(a.id, f.nodeA.address, MODE_OPTIMISTIC, true, true, 0, H);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      for (const r of [b, c]) {
        await expectState(f, r.id, STATE_PENDING, r.terms.deadline);
        await fulfilNone(f, r);
        expect(await entryOf(f, r.id)).to.equal(0n);
        await expectFulfilled(f, r);
      }
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectState(f, a.id, STATE_FULFILLED, 0n);
    });

    it("Quorum, one vote in: the next lap overflows, the second vote finalizes the ring word", async function () {
      const f = await loadFixture(deployOracleFixture);
      const signerOf = (address: string) => [f.nodeA, f.nodeB, f.nodeC].find((s) => s.address === address)!;
      const a = await requestAs(f, 1n, 2, true);
      const [first, second] = (a.request.nodes as string[]).map(signerOf);
      await expect(f.oracle.connect(first).fulfil(a.id, a.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(a.id, first.address, MODE_QUORUM, false, false, 0, H);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PROVISIONAL));
      await expectState(f, a.id, STATE_PROVISIONAL, a.terms.deadline);

      const b = await requestAs(f, idAt(1n), 2, false);
      await expect(f.oracle.connect(second).fulfil(a.id, a.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(a.id, second.address, MODE_QUORUM, true, true, 0, H);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectState(f, a.id, STATE_FULFILLED, 0n);

      const [bFirst, bSecond] = (b.request.nodes as string[]).map(signerOf);
      await expect(f.oracle.connect(bFirst).fulfil(b.id, b.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(b.id, bFirst.address, MODE_QUORUM, false, false, 0, H);
      expect(await entryOf(f, b.id)).to.equal(wordOf(b, STATE_PROVISIONAL));
      await expect(f.oracle.connect(bSecond).fulfil(b.id, b.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(b.id, bSecond.address, MODE_QUORUM, true, true, 0, H);
      expect(await entryOf(f, b.id)).to.equal(0n);
      await expectState(f, b.id, STATE_FULFILLED, 0n);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
    });
  });

  describe("warmCommitmentRing", function () {
    it("marks only the empty slots of a range, for anyone, and makes no id readable", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await requestAs(f, 1n, 1, true);
      const b = await requestAs(f, 2n, 1, true);
      await fulfilNone(f, b);
      await expect(f.oracle.connect(f.stranger).warmCommitmentRing(0, 8))
        .to.emit(f.oracle, "CommitmentRingWarmed")
        .withArgs(0n, 8n, 6n);
      for (const i of [0n, 3n, 4n, 5n, 6n, 7n]) expect(await ringWord(f, i), `slot ${i}`).to.equal(WARM_MARKER);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PENDING));
      expect(await ringWord(f, 2n)).to.equal(wordOf(b, STATE_FULFILLED));
      expect(await ringWord(f, 8n)).to.equal(0n);
      await expect(f.oracle.connect(f.stranger).warmCommitmentRing(0, 8))
        .to.emit(f.oracle, "CommitmentRingWarmed")
        .withArgs(0n, 8n, 0n);
      await expect(f.oracle.warmCommitmentRing(4095, 1))
        .to.emit(f.oracle, "CommitmentRingWarmed")
        .withArgs(4095n, 1n, 1n);
      expect(await ringWord(f, 4095n)).to.equal(WARM_MARKER);
      await expect(f.oracle.warmCommitmentRing(0, 0)).to.emit(f.oracle, "CommitmentRingWarmed").withArgs(0n, 0n, 0n);

      // No id carries the marker's lap: unissued ids stay unknown, at lap 0 and at lap 0xffffff alike.
      for (const id of [3n, 5n, 4095n, WARM_LAP * RING_SIZE + 5n]) {
        await expectState(f, id, STATE_NONE, 0n);
        expect(await commitmentWord(f.oracle, id)).to.deep.equal({ word: 0n, inRing: false });
      }
      await expectState(f, a.id, STATE_PENDING, a.terms.deadline);
      await expectFulfilled(f, b);
    });

    it("refuses a range past the ring's 4096 slots", async function () {
      const f = await loadFixture(deployOracleFixture);
      for (const [from, count] of [
        [4096n, 1n],
        [4095n, 2n],
        [0n, 4097n],
        [4096n, 0n],
        [1n, ethers.MaxUint256],
        [ethers.MaxUint256, 1n],
      ]) {
        await expect(f.oracle.connect(f.stranger).warmCommitmentRing(from, count))
          .to.be.revertedWithCustomError(f.oracle, "AIOracleRingRange")
          .withArgs(from, count, RING_SIZE);
      }
    });

    it("lets a request into a warmed slot, overwriting the whole marker, and it settles there", async function () {
      const f = await loadFixture(deployOracleFixture);
      await f.oracle.warmCommitmentRing(0, 16);
      expect(await ringWord(f, 1n)).to.equal(WARM_MARKER);
      const a = await requestAs(f, 1n, 1, true);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_PENDING));
      await fulfilNone(f, a);
      expect(await ringWord(f, 1n)).to.equal(wordOf(a, STATE_FULFILLED));
      await expectFulfilled(f, a);
      // A later lap into a warmed slot that no earlier lap used.
      const b = await requestAs(f, 3n * RING_SIZE + 9n, 1, true);
      expect(await ringWord(f, 9n)).to.equal(wordOf(b, STATE_PENDING));
      await fulfilNone(f, b);
      await expectFulfilled(f, b);
    });
  });

  describe("ids past the ring's laps", function () {
    it("keeps ids from lap 0xffffff on (whose 24-bit tag would be the marker's or wrap) in `commitments`", async function () {
      const f = await loadFixture(deployOracleFixture);
      const first = await requestAs(f, 1n, 1, true);
      await fulfilNone(f, first);
      await f.oracle.warmCommitmentRing(0, 1);
      // Ring slots 0 (warmed), 1 (request 1, fulfilled), 2 and 4095 (empty): none of the ids below touches them.
      const ring: [bigint, bigint][] = [
        [0n, WARM_MARKER],
        [1n, wordOf(first, STATE_FULFILLED)],
        [2n, 0n],
        [4095n, 0n],
      ];
      const expectRing = async () => {
        for (const [i, word] of ring) expect(await ringWord(f, i), `ring slot ${i}`).to.equal(word);
      };

      const late: Emitted[] = [];
      // Lap 0xffffff at index 0 (a warmed slot carrying that very lap) and at index 1 (free, fulfilled); lap 2^24,
      // whose tag wraps to request 1's lap 0; the last id of the 64-bit count.
      for (const id of [
        WARM_LAP * RING_SIZE,
        WARM_LAP * RING_SIZE + 1n,
        (1n << 36n) + 1n,
        (1n << 36n) + 2n,
        COUNT_MASK,
      ]) {
        late.push(await requestAs(f, id, 1, false));
        await expectRing();
      }
      expect(((await entryOf(f, late[0].id)) >> 40n) & WARM_LAP).to.equal(WARM_LAP);
      expect(((await entryOf(f, late[2].id)) >> 40n) & WARM_LAP).to.equal(0n);
      await expectFulfilled(f, first);

      const [refunded, ...settled] = [late[3], late[0], late[1], late[2], late[4]];
      for (const r of settled) {
        await fulfilNone(f, r);
        expect(await entryOf(f, r.id)).to.equal(0n);
        await expectFulfilled(f, r);
      }
      await time.increaseTo(refunded.terms.deadline + 1n);
      await expect(f.oracle.refund(refunded.id, refunded.request))
        .to.emit(f.oracle, "RequestRefunded")
        .withArgs(refunded.id, f.requester.address, refunded.totalWei)
        .and.to.emit(f.oracle, "NodeLate")
        .withArgs(f.nodeA.address, refunded.id, 1n);
      expect(await entryOf(f, refunded.id)).to.equal(wordOf(refunded, STATE_REFUNDED));
      await expectState(f, refunded.id, STATE_REFUNDED, refunded.terms.deadline);
      await expectRing();
      await expectFulfilled(f, first);
    });
  });

  describe("model (fast-check)", function () {
    // Random requests at ring index 1 (each a chosen number of laps after the last), fulfilments, refunds after the
    // deadline, early refunds and repeats, against a plain model of each request's state and of which request's word
    // the ring slot holds. None mode (nodeA); block times are set explicitly so expiry is known exactly.
    type Op =
      | { kind: "request"; laps: bigint }
      | { kind: "fulfil"; pick: number }
      | { kind: "refund"; pick: number; early: boolean }
      | { kind: "again"; pick: number }
      | { kind: "wait"; seconds: number };
    const pick = fc.nat({ max: 1000 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("request" as const),
          laps: fc.constantFrom(1n, 1n, 2n, 3n, 4095n),
        }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("fulfil" as const), pick }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("refund" as const), pick, early: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("again" as const), pick }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 4000 }) }),
      },
    );

    it("matches the model: every request's state and place after every step, one open request at most in the slot", async function () {
      const runs = process.env.DEEP ? 100 : 20;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 6, maxLength: 14 }), async (ops) => {
          const f = await loadFixture(deployOracleFixture);
          interface Tracked {
            r: Emitted;
            state: number;
          }
          const tracked: Tracked[] = [];
          let holder: Tracked | undefined;
          let lap = -1n;
          let late = 0n;
          let now = BigInt(await time.latest());
          // The next transaction's block time (a reverted transaction is mined too).
          const tick = async () => {
            const latest = BigInt(await time.latest());
            now = (now > latest ? now : latest) + 1n;
            await time.setNextBlockTimestamp(now);
          };

          const check = async () => {
            expect(await ringWord(f, 1n), "ring slot 1").to.equal(holder ? wordOf(holder.r, holder.state) : 0n);
            let openInRing = 0;
            for (const t of tracked) {
              const { word, inRing } = await commitmentWord(f.oracle, t.r.id);
              expect(inRing, `request ${t.r.id} in the ring`).to.equal(t === holder);
              if (inRing && t.state === STATE_PENDING) ++openInRing;
              // `commitments` holds an overflow request while open, and every refunded request.
              const recorded = t.state === STATE_REFUNDED || (t.state === STATE_PENDING && t !== holder);
              expect(await entryOf(f, t.r.id), `commitments[${t.r.id}]`).to.equal(recorded ? wordOf(t.r, t.state) : 0n);
              expect(word).to.equal(recorded || t === holder ? wordOf(t.r, t.state) : 0n);
              await expectState(f, t.r.id, t.state, t.state === STATE_FULFILLED ? 0n : t.r.terms.deadline);
            }
            expect(openInRing).to.be.at.most(1);
            await expectState(f, idAt(lap + 1n), STATE_NONE, 0n);
          };

          for (const o of [{ kind: "request", laps: 1n } as Op, ...ops]) {
            const open = tracked.filter((t) => t.state === STATE_PENDING);
            const done = tracked.filter((t) => t.state !== STATE_PENDING);
            if (o.kind === "request") {
              lap = lap < 0n ? 0n : lap + o.laps;
              await setNextRequestId(f.oracle, idAt(lap));
              await tick();
              const r = await sendRequest(f, 1);
              expect(r.id).to.equal(idAt(lap));
              const t = { r, state: STATE_PENDING };
              if (holder === undefined || holder.state !== STATE_PENDING) holder = t;
              tracked.push(t);
            } else if (o.kind === "fulfil" && open.length > 0) {
              const t = open[o.pick % open.length];
              await tick();
              const tx = f.oracle.connect(f.nodeA).fulfil(t.r.id, t.r.request, OUTPUT, 0);
              if (now > t.r.terms.deadline) {
                await expect(tx)
                  .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestExpired")
                  .withArgs(t.r.id, t.r.terms.deadline);
              } else {
                await expect(tx)
                  .to.emit(f.oracle, "RequestFulfilled")
                  .withArgs(t.r.id, f.nodeA.address, MODE_NONE, true, true, 0, H);
                t.state = STATE_FULFILLED;
              }
            } else if (o.kind === "refund" && open.length > 0) {
              const t = open[o.pick % open.length];
              if (o.early && now + 1n <= t.r.terms.deadline) {
                await tick();
                await expect(f.oracle.connect(f.stranger).refund(t.r.id, t.r.request))
                  .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestNotExpired")
                  .withArgs(t.r.id, t.r.terms.deadline);
              } else {
                if (now < t.r.terms.deadline) now = t.r.terms.deadline;
                await tick();
                await expect(f.oracle.connect(f.stranger).refund(t.r.id, t.r.request))
                  .to.emit(f.oracle, "RequestRefunded")
                  .withArgs(t.r.id, f.requester.address, t.r.totalWei)
                  .and.to.emit(f.oracle, "NodeLate")
                  .withArgs(f.nodeA.address, t.r.id, ++late);
                t.state = STATE_REFUNDED;
              }
            } else if (o.kind === "again" && done.length > 0) {
              const t = done[o.pick % done.length];
              await tick();
              await expect(f.oracle.connect(f.nodeA).fulfil(t.r.id, t.r.request, OUTPUT, 0))
                .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
                .withArgs(t.r.id, t.state);
              await tick();
              await expect(f.oracle.refund(t.r.id, t.r.request))
                .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
                .withArgs(t.r.id, t.state);
            } else if (o.kind === "wait") {
              now += BigInt(o.seconds);
            }
            await check();
          }
        }),
        { numRuns: runs },
      );
    });
  });

  describe("upgrade from the layout before the ring", function () {
    /** Request `r`'s word moved to `commitments` with no lap tag (the 64-bit-deadline layout), its ring slot zeroed. */
    async function toLegacy(f: OracleFixture, r: Emitted, state: number): Promise<bigint> {
      const legacy = wordOf(r, state) & ~LAP_BITS;
      await setSlot(f.oracle, commitmentsSlotOf(r.id), legacy);
      await setSlot(f.oracle, RING_SLOT + (r.id % RING_SIZE), 0n);
      expect(await commitmentWord(f.oracle, r.id)).to.deep.equal({ word: legacy, inRing: false });
      return legacy;
    }

    it("settles a pending request found in `commitments`, beside the next lap's request in the ring", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await requestAs(f, idAt(1n), 1, true);
      const legacy = await toLegacy(f, a, STATE_PENDING);
      expect(legacy).to.not.equal(wordOf(a, STATE_PENDING));
      await expectState(f, a.id, STATE_PENDING, a.terms.deadline);
      expect(await f.oracle.canFulfil(a.id, a.request, f.nodeA.address)).to.equal(true);

      const b = await requestAs(f, idAt(2n), 1, true);
      expect(await entryOf(f, a.id)).to.equal(legacy);
      await expectState(f, a.id, STATE_PENDING, a.terms.deadline);

      await fulfilNone(f, a);
      expect(await entryOf(f, a.id)).to.equal(0n);
      expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_PENDING));
      await expectFulfilled(f, a);
      await expectState(f, b.id, STATE_PENDING, b.terms.deadline);

      await fulfilNone(f, b);
      expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_FULFILLED));
      await expectFulfilled(f, b);
      await expectFulfilled(f, a);
    });

    it("refunds a pending one in place, and keeps a refunded one readable, with the ring slot in use", async function () {
      const f = await loadFixture(deployOracleFixture);
      const a = await requestAs(f, 1n, 1, true);
      const c = await requestAs(f, 2n, 1, true);
      const legacyA = await toLegacy(f, a, STATE_PENDING);
      const legacyC = await toLegacy(f, c, STATE_REFUNDED);
      const b = await requestAs(f, idAt(1n), 1, true);
      const d = await requestAs(f, idAt(1n) + 1n, 1, true);
      await expectState(f, c.id, STATE_REFUNDED, c.terms.deadline);
      await expectState(f, a.id, STATE_PENDING, a.terms.deadline);

      await time.increaseTo(a.terms.deadline + 1n);
      await expect(f.oracle.refund(a.id, a.request))
        .to.emit(f.oracle, "RequestRefunded")
        .withArgs(a.id, f.requester.address, a.totalWei);
      expect(await entryOf(f, a.id)).to.equal(wordOf(a, STATE_REFUNDED) & ~LAP_BITS);
      expect(legacyA).to.equal(wordOf(a, STATE_PENDING) & ~LAP_BITS);
      expect(await entryOf(f, c.id)).to.equal(legacyC);
      expect(await ringWord(f, 1n)).to.equal(wordOf(b, STATE_PENDING));
      expect(await ringWord(f, 2n)).to.equal(wordOf(d, STATE_PENDING));
      for (const r of [a, c]) {
        await expectState(f, r.id, STATE_REFUNDED, r.terms.deadline);
        await expect(f.oracle.refund(r.id, r.request))
          .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
          .withArgs(r.id, STATE_REFUNDED);
        await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
          .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
          .withArgs(r.id, STATE_REFUNDED);
      }
    });
  });
});
