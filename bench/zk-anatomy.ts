import { artifacts, ethers, upgrades } from "hardhat";
import { MODEL_FEE_WEI, WEIGHTS_HASH, deployOracleFixture, sendRequest } from "../test/oracle/fixtures";
import { MANIFEST, provenDigit } from "../test/zk/helpers";
import { deployMnist14Verifier } from "../test/zk/deploy";
import { type Step, callTarget, calldataGas, traceOf } from "./trace";

// Gas anatomy of a proven fulfilment (issue 15): `fulfilProof` of a real mnist14 proof through the oracle, the
// StoringConsumer callback included, as in bench/gas/zkfulfil.ts. From `debug_traceTransaction` on the in-process
// network, every opcode is attributed to the frame it runs in (proxy, oracle implementation, AIOracleLogic by
// delegatecall, registry, verifier adapter, Groth16 verifier, consumer) and a bucket; a call's own cost (cold
// account access, memory for its arguments, the 63/64 rule's nothing) is counted in the caller's frame as "call →",
// a precompile call (ecAdd 6, ecMul 7, pairing 8) as "precompile". Run: `npx hardhat run bench/zk-anatomy.ts`.

const PRECOMPILES: Record<number, string> = {
  1: "ecrecover",
  2: "sha256",
  4: "identity",
  6: "ecAdd",
  7: "ecMul",
  8: "pairing",
};

function bucketOf(op: string): string {
  if (op === "SLOAD") return "SLOAD";
  if (op === "SSTORE") return "SSTORE";
  if (op.startsWith("LOG")) return "LOG";
  if (op === "KECCAK256" || op === "SHA3") return "KECCAK256";
  if (op === "CALLDATACOPY" || op === "CALLDATALOAD" || op === "CALLDATASIZE") return "calldata reads/copies";
  if (op === "MLOAD" || op === "MSTORE" || op === "MSTORE8" || op === "MCOPY" || op === "RETURNDATACOPY") {
    return "memory (incl. expansion)";
  }
  if (op === "TLOAD" || op === "TSTORE") return "transient (reentrancy guard)";
  if (op === "EXTCODESIZE" || op === "BALANCE" || op === "EXTCODEHASH") return "account access";
  if (op === "ADDMOD" || op === "MULMOD") return "modular arithmetic";
  return "other opcodes (stack, jumps, arithmetic)";
}

type Table = Map<string, Map<string, number>>;

function walk(logs: Step[], start: number, frame: string, names: Map<string, string>, table: Table): number {
  const depth = logs[start].depth;
  const add = (f: string, k: string, v: number) => {
    const m = table.get(f) ?? new Map<string, number>();
    m.set(k, (m.get(k) ?? 0) + v);
    table.set(f, m);
  };
  let i = start;
  while (i < logs.length && logs[i].depth === depth) {
    const s = logs[i];
    const next = logs[i + 1];
    const isCall = s.op === "CALL" || s.op === "STATICCALL" || s.op === "DELEGATECALL";
    if (isCall) {
      const addr = callTarget(s);
      const target = BigInt(addr);
      const name = PRECOMPILES[Number(target)] && target < 16n ? PRECOMPILES[Number(target)] : undefined;
      if (next && next.depth > depth) {
        const callee = names.get(addr) ?? addr;
        const end = walk(logs, i + 1, s.op === "DELEGATECALL" ? `${frame} ⇢ ${callee}` : callee, names, table);
        const last = logs[end - 1];
        const inner = logs[i + 1].gas - (last.gas - last.gasCost);
        const total = s.gas - logs[end].gas;
        add(frame, `call → ${callee} (${s.op}, own cost)`, total - inner);
        i = end;
        continue;
      }
      const cost = next ? s.gas - next.gas : s.gasCost;
      add(frame, name ? `precompile ${name}` : `${s.op} (no code)`, cost);
      i++;
      continue;
    }
    const cost = next && next.depth === depth ? s.gas - next.gas : s.gasCost;
    add(frame, bucketOf(s.op), cost);
    i++;
  }
  return i;
}

async function anatomy(label: string, hash: string, names: Map<string, string>) {
  const { tx, receipt, logs } = await traceOf(hash);
  const table: Table = new Map();
  const cd = calldataGas(tx.data);
  table.set(
    "transaction",
    new Map([
      ["base", 21_000],
      [`calldata (${ethers.getBytes(tx.data).length} B)`, cd],
    ]),
  );
  walk(logs, 0, names.get(ethers.getAddress(tx.to!)) ?? tx.to!, names, table);
  let executed = 0;
  for (const m of table.values()) for (const v of m.values()) executed += v;
  const refund = executed - Number(receipt.gasUsed);
  console.log(`\n${label}: gasUsed ${receipt.gasUsed} (executed ${executed}, refund ${refund})`);
  for (const [frame, m] of table) {
    const sum = [...m.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${frame}: ${sum}`);
    for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1])) {
      console.log(`      ${k.padEnd(60)} ${v.toString().padStart(8)}`);
    }
  }
}

async function main() {
  const f = await deployOracleFixture();
  const { groth16, adapter } = await deployMnist14Verifier();
  const reg = f.registry.connect(f.modelOwner);
  await reg.registerProofModel(WEIGHTS_HASH, "ipfs://mnist14", MODEL_FEE_WEI, adapter, MANIFEST.vkHash);
  const modelId = Number(await f.registry.modelCount());
  await reg.addNode(modelId, f.nodeA.address);
  const oracleAddr = await f.oracle.getAddress();
  const registryAddr = await f.registry.getAddress();
  const impl = await upgrades.erc1967.getImplementationAddress(oracleAddr);
  // The linked AIOracleLogic: its address is in the implementation's code where the artifact's link reference says.
  const refs = (await artifacts.readArtifact("AIOracle")).deployedLinkReferences;
  const at = Object.values(refs).flatMap((lib) => Object.values(lib))[0][0].start;
  const logic = ethers.getAddress(ethers.dataSlice(await ethers.provider.getCode(impl), at, at + 20));
  const names = new Map<string, string>([
    [oracleAddr, "AIOracle proxy"],
    [impl, "AIOracle"],
    [logic, "AIOracleLogic"],
    [registryAddr, "ModelRegistry proxy"],
    [await upgrades.erc1967.getImplementationAddress(registryAddr), "ModelRegistry"],
    [await f.staking.getAddress(), "OperatorStaking proxy"],
    [await f.consumer.getAddress(), "consumer callback"],
    [await adapter.getAddress(), "Groth16ProofVerifier (adapter)"],
    [await groth16.getAddress(), "Mnist14Groth16Verifier"],
  ]);
  const digit = await provenDigit(0);
  // First proven fulfilment by this prover (its credit slot is fresh), then a second one (steady state).
  for (const round of ["first fulfilProof by a new prover", "steady state: a returning prover"]) {
    const r = await sendRequest(f, modelId, { input: ethers.hexlify(digit.input) });
    const tx = await f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, digit.input, digit.output, digit.proof);
    await tx.wait();
    await anatomy(`fulfilProof mnist14, ${round}`, tx.hash, names);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
