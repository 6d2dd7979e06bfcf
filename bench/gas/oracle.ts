import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { GasRecorder } from "../lib";
import { ORACLE_SERVICE } from "../../test/helpers/constants";
import { gasOf } from "../lib";
import {
  BOND_WEI,
  CHALLENGE_WINDOW_SECONDS,
  deployOracleFixture,
  type Emitted,
  emittedRequest,
  type OracleFixture,
  OUTPUT,
  sendRequest,
  warmCommitmentRing,
} from "../../test/oracle/fixtures";

const PROMPT_12B = ethers.toUtf8Bytes("hello, axon!");
// A 1 KB text prompt, the same bytes on every run (random bytes made the figure vary with their zero bytes).
const PROMPT_1KB = ethers.toUtf8Bytes(
  "Describe the scene in the attached picture in one sentence. ".repeat(18).slice(0, 1024),
);
// The callback stores one 32-byte word: 22.1k for the fresh slot plus its bookkeeping; 60k leaves headroom.
const CALLBACK_GAS = 60_000;

async function send(f: OracleFixture, modelId: number, input: Uint8Array, callback?: string) {
  const fee = await f.oracle.quote(modelId, CALLBACK_GAS);
  const tx = await f.oracle
    .connect(f.requester)
    .request(modelId, input, callback ?? (await f.consumer.getAddress()), CALLBACK_GAS, "0x", { value: fee });
  return tx;
}

async function batch(f: OracleFixture, callback: string): Promise<bigint> {
  const reqs: Emitted[] = [];
  for (let i = 0; i < 10; i++) reqs.push(await sendRequest(f, 1, { callback, gas: CALLBACK_GAS }));
  const tx = await f.oracle.connect(f.nodeA).fulfilBatch(
    reqs.map((r) => r.id),
    reqs.map((r) => r.request),
    reqs.map((_, i) => ethers.zeroPadValue(ethers.toBeHex(i + 1), 32)),
    reqs.map(() => 0),
  );
  return gasOf(tx);
}

// AIOracle: the request/fulfil hot path in steady state (the node's, receiver's and protocol's credit slots already
// non-zero and every commitment ring slot used once, as on a network past its first 4,096 requests), batches, and
// the Quorum and Optimistic paths.
export default async function (gas: GasRecorder): Promise<void> {
  const f = await deployOracleFixture();
  const { oracle, nodeA, nodeB, nodeC, requester } = f;

  // Warm-up: one full cycle so the recurring credit slots exist.
  const warm = await sendRequest(f, 1, { gas: CALLBACK_GAS });
  await oracle.connect(nodeA).fulfil(warm.id, warm.request, OUTPUT, 0);

  // One 12-byte request and its fulfilment into `callback` (the fixture's StoringConsumer by default):
  // request.prompt12B, fulfil.none.store32B and their sum, with `suffix`.
  const roundTrip = async (suffix: string, callback?: string) => {
    const reqTx = await send(f, 1, PROMPT_12B, callback);
    const requestGas = await gas.record(`request.prompt12B${suffix}`, reqTx);
    const r = await emittedRequest(oracle, reqTx);
    const fulfilGas = await gas.record(
      `fulfil.none.store32B${suffix}`,
      await oracle.connect(nodeA).fulfil(r.id, r.request, OUTPUT, 0),
    );
    await gas.record(`requestPlusFulfil.none${suffix}`, requestGas + fulfilGas);
  };

  // The first lap of the commitment ring: each request fills a fresh slot, each final result marks it fulfilled.
  await roundTrip(".firstLap");

  // Steady state from here: the ring's remaining empty slots are marked free, as 4,096 requests would leave them
  // (the second chunk of 512 is all empty slots).
  const warmTxs = await warmCommitmentRing(oracle, 512);
  await gas.record("warmCommitmentRing.perSlot", (await gasOf(warmTxs[1])) / 512n);

  await roundTrip("");

  // The callback issue 13 names, storing exactly one word: StoringConsumer also rewrites its call counter, 5,000 gas
  // of every fulfilment above. The first call into the new consumer's slots is as cold as the one above.
  const word = await (await ethers.getContractFactory("WordStoringConsumer")).deploy();
  await roundTrip(".wordOnly", await word.getAddress());

  await gas.record("request.prompt1KB", await send(f, 1, PROMPT_1KB));

  const noop = await (await ethers.getContractFactory("NoopConsumer")).deploy();
  const batchNoop = await batch(f, await noop.getAddress());
  await gas.record("fulfilBatch10.perRequest.excludingCallback", batchNoop / 10n);
  const batchStore = await batch(f, await f.consumer.getAddress());
  await gas.record("fulfilBatch10.perRequest.storeCallback", batchStore / 10n);
  await gas.record("callback.store32B.ownGas", (batchStore - batchNoop) / 10n);

  // Quorum 2-of-3 (model 2).
  const quorumTx = await send(f, 2, PROMPT_12B);
  await gas.record("request.quorum2of3", quorumTx);
  const q = await emittedRequest(oracle, quorumTx);
  await gas.record("quorum.vote", await oracle.connect(nodeA).fulfil(q.id, q.request, OUTPUT, 0));
  await gas.record("quorum.voteFinal", await oracle.connect(nodeB).fulfil(q.id, q.request, OUTPUT, 0));
  const q2 = await sendRequest(f, 2, { gas: CALLBACK_GAS });
  await oracle.connect(nodeA).fulfil(q2.id, q2.request, OUTPUT, 0);
  await oracle.connect(nodeB).fulfil(q2.id, q2.request, ethers.id("wrong"), 0);
  await gas.record(
    "quorum.voteFinalSlashingDissenter",
    await oracle.connect(nodeC).fulfil(q2.id, q2.request, OUTPUT, 0),
  );

  // Optimistic (model 3).
  const o = await sendRequest(f, 3, { gas: CALLBACK_GAS });
  await gas.record("optimistic.propose", await oracle.connect(nodeA).fulfil(o.id, o.request, OUTPUT, 0));
  await time.increase(CHALLENGE_WINDOW_SECONDS + 1);
  await gas.record("optimistic.finalize", await oracle.connect(nodeA).finalize(o.id, o.request, OUTPUT, 0));
  const o2 = await sendRequest(f, 3, { gas: CALLBACK_GAS });
  await oracle.connect(nodeA).fulfil(o2.id, o2.request, OUTPUT, 0);
  await gas.record(
    "optimistic.challenge",
    await oracle.connect(f.challenger).challenge(o2.id, o2.request, { value: BOND_WEI }),
  );
  await gas.record("optimistic.resolveInvalid", await oracle.resolveChallenge(o2.id, o2.request, false));

  // Hot-path cache pushes (issue 13): what a stake change and a model change now add to feed the oracle's cache.
  await gas.record(
    "cache.stakePushesStatus",
    await f.staking.connect(nodeB).stake(ORACLE_SERVICE, { value: ethers.parseEther("0.1") }),
  );
  await gas.record("cache.setFeePushesTerms", await f.registry.connect(f.modelOwner).setFee(1, 1n));
  await gas.record("cache.pushModel1Node", await f.registry.pushModel(1));

  // Refund, payouts.
  const late = await sendRequest(f, 1, { gas: CALLBACK_GAS });
  await time.increase(3601);
  await gas.record("refund", await oracle.connect(requester).refund(late.id, late.request));
  await gas.record("withdrawCredit", await oracle.connect(nodeA).withdrawCredit());
  await gas.record("sweepProtocolFees", await oracle.sweepProtocolFees());
}
