import { ethers } from "hardhat";
import { deployOracleFixture, emittedRequest, OUTPUT, sendRequest, warmCommitmentRing } from "../test/oracle/fixtures";
import { type Step, callTarget, calldataGas, traceOf } from "./trace";

// Gas anatomy of the oracle's round trip (issue 13), from `debug_traceTransaction` on the in-process network: the
// same transactions as bench/gas/oracle.ts (12-byte prompt, 32-byte result, callback storing 32 B, None mode, steady
// state: credit slots exist, commitment ring slots used once). Every opcode's cost is attributed to a bucket; a CALL/STATICCALL into another contract is one bucket with
// everything it ran (the registry, the staking contract, the consumer), DELEGATECALLs (proxy, linked library) are
// descended into and only their own overhead is counted. Run: `npx hardhat run bench/oracle-anatomy.ts`.

const CALLBACK_GAS = 60_000;

function bucketOf(op: string): string {
  if (op === "SLOAD") return "SLOAD";
  if (op === "SSTORE") return "SSTORE";
  if (op.startsWith("LOG")) return "LOG (events)";
  if (op === "KECCAK256" || op === "SHA3") return "KECCAK256";
  if (op === "CALLDATACOPY" || op === "CALLDATALOAD") return "calldata reads";
  if (op === "BALANCE" || op === "EXTCODESIZE" || op === "EXTCODEHASH") return "account access";
  if (op === "TLOAD" || op === "TSTORE") return "reentrancy guard (transient)";
  return "execution (ABI, memory, arithmetic)";
}

async function anatomy(label: string, hash: string, names: Map<string, string>) {
  const { tx, receipt, logs } = await traceOf(hash);
  const buckets = new Map<string, number>();
  const add = (k: string, v: number) => buckets.set(k, (buckets.get(k) ?? 0) + v);
  const intrinsic = 21_000 + calldataGas(tx.data);
  add("tx base 21,000", 21_000);
  add("calldata", intrinsic - 21_000);
  for (let i = 0; i < logs.length; i++) {
    const s = logs[i];
    const isCall = s.op === "CALL" || s.op === "STATICCALL" || s.op === "DELEGATECALL";
    let cost = s.gasCost;
    let j = i + 1;
    if (isCall && j < logs.length && logs[j].depth > s.depth) {
      while (j < logs.length && logs[j].depth > s.depth) j++;
      const total = j < logs.length ? s.gas - logs[j].gas : s.gasCost;
      if (s.op === "DELEGATECALL") {
        // Only the overhead: the callee's own opcodes are attributed as they come.
        const inner = logs[i + 1].gas - (logs[j - 1].gas - logs[j - 1].gasCost);
        add("DELEGATECALL overhead (proxy, library)", total - inner);
        continue;
      }
      const target = callTarget(s);
      add(`${s.op} ${names.get(target) ?? target}`, total);
      i = j - 1;
      continue;
    }
    if (isCall) {
      const target = callTarget(s);
      add(`${s.op} ${names.get(target) ?? target}`, cost);
      continue;
    }
    if (s.op === "RETURN" || s.op === "STOP" || s.op === "REVERT") cost = s.gasCost;
    add(bucketOf(s.op), cost);
  }
  const executed = [...buckets.values()].reduce((a, b) => a + b, 0);
  const refund = executed - Number(receipt.gasUsed);
  if (refund > 0) add("refund (cleared slot)", -refund);
  console.log(`\n${label}: gasUsed ${receipt.gasUsed}`);
  for (const [k, v] of [...buckets.entries()].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${k.padEnd(48)} ${v.toString().padStart(8)}`);
  }
}

async function main() {
  const f = await deployOracleFixture();
  const names = new Map<string, string>([
    [await f.registry.getAddress(), "ModelRegistry (proxy)"],
    [await f.staking.getAddress(), "OperatorStaking (proxy)"],
    [await f.consumer.getAddress(), "consumer callback"],
    [await f.oracle.getAddress(), "AIOracle (proxy)"],
  ]);
  const warm = await sendRequest(f, 1, { gas: CALLBACK_GAS });
  await f.oracle.connect(f.nodeA).fulfil(warm.id, warm.request, OUTPUT, 0);
  await warmCommitmentRing(f.oracle);
  const fee = await f.oracle.quote(1, CALLBACK_GAS);
  const reqTx = await f.oracle
    .connect(f.requester)
    .request(1, ethers.toUtf8Bytes("hello, axon!"), await f.consumer.getAddress(), CALLBACK_GAS, "0x", { value: fee });
  const r = await emittedRequest(f.oracle, reqTx);
  const fulTx = await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
  await fulTx.wait();
  await anatomy("request (12-byte prompt)", reqTx.hash, names);
  await anatomy("fulfil (None, 32-byte result, callback stores 32 B and counts its calls)", fulTx.hash, names);

  // The same fulfilment into a callback that stores exactly one word (bench/gas/oracle.ts's `.wordOnly` round trip).
  const word = await (await ethers.getContractFactory("WordStoringConsumer")).deploy();
  names.set(await word.getAddress(), "consumer callback (one word)");
  const w = await sendRequest(f, 1, { gas: CALLBACK_GAS, callback: await word.getAddress() });
  const wordTx = await f.oracle.connect(f.nodeA).fulfil(w.id, w.request, OUTPUT, 0);
  await wordTx.wait();
  await anatomy("fulfil (None, 32-byte result, callback stores exactly one word)", wordTx.hash, names);

  // fulfilBatch of 10 into a consumer that does nothing (bench/gas/oracle.ts's "excluding the callback" case): the
  // totals are for the whole batch; divide by 10 for an item.
  const noop = await (await ethers.getContractFactory("NoopConsumer")).deploy();
  names.set(await noop.getAddress(), "consumer callback (no-op)");
  const reqs = [];
  for (let i = 0; i < 10; i++)
    reqs.push(await sendRequest(f, 1, { gas: CALLBACK_GAS, callback: await noop.getAddress() }));
  const batchTx = await f.oracle.connect(f.nodeA).fulfilBatch(
    reqs.map((q) => q.id),
    reqs.map((q) => q.request),
    reqs.map((_, i) => ethers.zeroPadValue(ethers.toBeHex(i + 1), 32)),
    reqs.map(() => 0),
  );
  await batchTx.wait();
  await anatomy("fulfilBatch of 10 (None, 32-byte results, no-op callback), whole batch", batchTx.hash, names);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
