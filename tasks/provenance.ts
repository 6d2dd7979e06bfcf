import { AbiCoder, Contract, keccak256, type ContractRunner, type Result, type TransactionReceipt } from "ethers";
import type { SyntheticProvenance } from "../typechain-types";
import {
  type Generation as SdkGeneration,
  type LeafReport,
  type ProvenanceReport as SdkProvenanceReport,
  ProvenanceTree as SdkProvenanceTree,
  RECORD_STATUS,
  type RecordStatus,
  provenanceLeaf as sdkProvenanceLeaf,
} from "../sdk/src/merkle";

const coder = AbiCoder.defaultAbiCoder();

/** One recorded generation: what a synthetic dataset's leaf commits to (ethers' hex strings). */
export interface Generation {
  requestId: bigint;
  inputHash: string;
  outputHash: string;
}

/** The leaf SyntheticProvenance records (the SDK's `provenanceLeaf`). */
export function provenanceLeaf(modelId: bigint, g: Generation): string {
  return sdkProvenanceLeaf(modelId, g as SdkGeneration);
}

/** The Merkle tree of a synthetic dataset of `modelId` (the SDK's `ProvenanceTree`). */
export class ProvenanceTree extends SdkProvenanceTree {
  constructor(modelId: bigint, generations: Generation[]) {
    super(modelId, generations as SdkGeneration[]);
  }
}

export { RECORD_STATUS, type RecordStatus } from "../sdk/src/merkle";

/** A recorded generation with its output bytes (from GenerationRecorded). */
export interface RecordedGeneration extends Generation {
  output: string;
}

/** The recorder contract (type only: tasks load before compilation). */
export type ProvenanceContract = SyntheticProvenance;

/** Decoded events `name` of `contract` in a mined transaction. */
function eventsIn(contract: ProvenanceContract, address: string, receipt: TransactionReceipt | null, name: string) {
  const out: Result[] = [];
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed.args);
  }
  return out;
}

/** Opens a run of `modelId`, requests one generation per input (in batches, paying the oracle's quote) and returns
 * the run and its request ids in input order. */
export async function requestRun(
  provenance: ProvenanceContract,
  runner: ContractRunner,
  opts: { modelId: bigint; inputs: Uint8Array[]; callbackGasLimit: number; batchSize?: number },
): Promise<{ runId: bigint; requestIds: bigint[]; inputHashes: string[]; feeWei: bigint }> {
  const address = await provenance.getAddress();
  const opened = await (await provenance.openRun(opts.modelId, opts.callbackGasLimit)).wait();
  const runId = eventsIn(provenance, address, opened, "RunOpened")[0].runId as bigint;
  const oracle = new Contract(await provenance.oracle(), ORACLE_QUOTE_ABI, runner);
  const feeWei = (await oracle.quote(opts.modelId, opts.callbackGasLimit)) as bigint;
  const batchSize = opts.batchSize ?? 16;
  const requestIds: bigint[] = [];
  for (let i = 0; i < opts.inputs.length; i += batchSize) {
    const batch = opts.inputs.slice(i, i + batchSize);
    const receipt = await (
      await provenance.requestGenerations(runId, batch, { value: feeWei * BigInt(batch.length) })
    ).wait();
    for (const ev of eventsIn(provenance, address, receipt, "GenerationRequested"))
      requestIds.push(ev.requestId as bigint);
  }
  return { runId, requestIds, inputHashes: opts.inputs.map((x) => keccak256(x)), feeWei };
}

const ORACLE_QUOTE_ABI = ["function quote(uint256 modelId, uint32 callbackGasLimit) view returns (uint256)"];

/** Polls the recorder until no request of `requestIds` is pending (or `timeoutMs` passes) and returns their status. */
export async function waitForRecords(
  provenance: ProvenanceContract,
  requestIds: bigint[],
  opts: { timeoutMs: number; pollMs?: number; onProgress?: (done: number, total: number) => void },
): Promise<Map<bigint, RecordStatus>> {
  const status = new Map<bigint, RecordStatus>();
  const t0 = Date.now();
  for (;;) {
    for (const id of requestIds) {
      if (status.get(id) === "fulfilled" || status.get(id) === "errored") continue;
      status.set(id, RECORD_STATUS[Number((await provenance.recordOf(id)).status)]);
    }
    const done = requestIds.filter((id) => status.get(id) === "fulfilled" || status.get(id) === "errored").length;
    opts.onProgress?.(done, requestIds.length);
    if (done === requestIds.length) return status;
    if (Date.now() - t0 > opts.timeoutMs)
      throw new Error(
        `only ${done} of ${requestIds.length} generations were answered after ${opts.timeoutMs} ms: is a runner ` +
          `serving the model (npm run runner)?`,
      );
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

/** The recorded generations of run `runId`, in request order, from the recorder's events alone. */
export async function recordedGenerations(
  provenance: ProvenanceContract,
  runId: bigint,
  fromBlock = 0,
): Promise<RecordedGeneration[]> {
  const requested = await provenance.queryFilter(provenance.filters.GenerationRequested(runId), fromBlock);
  const inputHash = new Map<bigint, string>();
  for (const ev of requested) inputHash.set(ev.args.requestId, ev.args.inputHash);
  const recorded = await provenance.queryFilter(provenance.filters.GenerationRecorded(runId), fromBlock);
  return recorded
    .map((ev) => {
      const { requestId, output } = ev.args;
      return { requestId, inputHash: inputHash.get(requestId)!, outputHash: keccak256(output), output };
    })
    .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
}

/** The per-leaf provenance report of a listed synthetic dataset (the SDK's, with ethers' hex strings). */
export type ProvenanceReport = SdkProvenanceReport<string>;
export type { LeafReport } from "../sdk/src/merkle";

/**
 * Checks dataset `datasetId` leaf by leaf: rebuilds the tree from `generations` (by default the run's recorded
 * generations, in request order, as `data:synthesize` lists them), compares its root with the listed one, and asks
 * the recorder to verify each checked leaf (all of them, or the `sample` indices) with its proof.
 */
export async function provenanceReport(
  provenance: ProvenanceContract,
  datasetId: bigint,
  opts: { generations?: Generation[]; sample?: number[] } = {},
): Promise<ProvenanceReport> {
  const p = await provenance.provenanceOf(datasetId);
  if (p.leafCount === 0n)
    throw new Error(
      `dataset ${datasetId} was not listed through SyntheticProvenance at ${await provenance.getAddress()}`,
    );
  const generations =
    opts.generations ?? (await recordedGenerations(provenance, p.runId)).slice(0, Number(p.leafCount));
  const tree = new ProvenanceTree(p.modelId, generations);
  const indices = opts.sample ?? generations.map((_, i) => i);
  const leaves: LeafReport[] = [];
  for (const index of indices) {
    const g = generations[index];
    if (!g) throw new Error(`leaf ${index} is out of range (the dataset has ${generations.length} leaves)`);
    const record = RECORD_STATUS[Number((await provenance.recordOf(g.requestId)).status)];
    const verified = await provenance.verifyLeaf(datasetId, g.requestId, g.inputHash, g.outputHash, tree.proof(index));
    leaves.push({ index, requestId: g.requestId, record, verified });
  }
  const verified = leaves.filter((l) => l.verified).length;
  const rootMatches = tree.root === p.root;
  return {
    datasetId,
    runId: p.runId,
    modelId: p.modelId,
    root: p.root,
    leafCount: Number(p.leafCount),
    rebuiltRoot: tree.root,
    rootMatches,
    leaves,
    verified,
    ok: rootMatches && verified === leaves.length,
  };
}

/** What a seller states when listing a synthetic dataset (the model royalty and provenance are filled in). */
export interface SyntheticListing {
  metadataURI: string;
  licenseURI: string;
  priceWei: bigint;
  /** The model's royalty share of every sale, in basis points (at least the recorder's minimum). */
  modelRoyaltyBps: number;
}

/** A listed synthetic dataset, as `data:synthesize` writes it for buyers and `data:verify-provenance`. */
export interface SynthesizedDataset {
  datasetId: bigint;
  runId: bigint;
  modelId: bigint;
  root: string;
  contentHash: string;
  generations: RecordedGeneration[];
  errored: bigint[];
}

/**
 * The whole synthesis: a run of `modelId` over `inputs`, waiting for the runner to answer every request, a tree
 * over the successful results (in request order), and a DataMarket listing with that provenance. `encryptKey`
 * encrypts the dataset key for (recorder, seller).
 */
export async function synthesizeDataset(
  provenance: ProvenanceContract,
  runner: ContractRunner,
  opts: {
    modelId: bigint;
    inputs: Uint8Array[];
    callbackGasLimit: number;
    listing: SyntheticListing;
    encryptKey: () => Promise<{ handles: Uint8Array[]; inputProof: Uint8Array }>;
    timeoutMs: number;
    pollMs?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<SynthesizedDataset> {
  const run = await requestRun(provenance, runner, opts);
  const status = await waitForRecords(provenance, run.requestIds, opts);
  const mine = new Set(run.requestIds);
  const generations = (await recordedGenerations(provenance, run.runId)).filter((g) => mine.has(g.requestId));
  const errored = run.requestIds.filter((id) => status.get(id) === "errored");
  if (generations.length === 0)
    throw new Error(`all ${run.requestIds.length} generations of run ${run.runId} ended in an error: nothing to list`);
  const tree = new ProvenanceTree(opts.modelId, generations);
  // The content is the outputs in leaf order; buyers re-hash what they decrypt against it.
  const contentHash = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes[]"], [generations.map((g) => g.output)]));
  const forwarder = await provenance.royaltyForwarderOf(opts.modelId);
  const l = opts.listing;
  const params = {
    contentHash,
    metadataURI: l.metadataURI,
    licenseHash: keccak256(new TextEncoder().encode(l.licenseURI)),
    licenseURI: l.licenseURI,
    priceAmount: l.priceWei,
    paymentAsset: "0x0000000000000000000000000000000000000000",
    contributors: [forwarder],
    contributorBps: [l.modelRoyaltyBps],
    provenance: { generatorModelId: opts.modelId, oracleRequestId: run.requestIds[0] },
  };
  const enc = await opts.encryptKey();
  const receipt = await (
    await provenance.listDataset(run.runId, tree.root, generations.length, params, enc.handles[0], enc.inputProof)
  ).wait();
  const listed = eventsIn(provenance, await provenance.getAddress(), receipt, "SyntheticDatasetListed")[0];
  return {
    datasetId: listed.datasetId as bigint,
    runId: run.runId,
    modelId: opts.modelId,
    root: tree.root,
    contentHash,
    generations,
    errored,
  };
}
