import { type Address, type Hex, keccak256, parseEventLogs } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, address, read, write } from "../context.js";
import { AxonError } from "../errors/base.js";
import { aIOracleAbi, syntheticProvenanceAbi } from "../generated/abis.js";
import {
  type Generation,
  type LeafReport,
  type ProvenanceReport,
  ProvenanceTree,
  RECORD_STATUS,
  type RecordStatus,
  type RecordedGeneration,
} from "../merkle.js";
import type { EncryptedKey, ListingParams } from "./data.js";
import type { ViewReturn } from "./types.js";

type A = typeof syntheticProvenanceAbi;
/** `getRun`: owner, callback gas, requested and succeeded generations, model. */
export type GenerationRun = ViewReturn<A, "getRun">;
/** `provenanceOf`: a listed synthetic dataset's root, model, run and leaf count. */
export type DatasetProvenance = ViewReturn<A, "provenanceOf">;

export {
  type Generation,
  type LeafReport,
  type ProvenanceReport,
  ProvenanceTree,
  RECORD_STATUS,
  type RecordStatus,
  type RecordedGeneration,
  provenanceLeaf,
} from "../merkle.js";

/**
 * Synthetic-data provenance: a seller runs a model through the oracle (each result recorded as a Merkle leaf), lists
 * the set with its root, and a buyer verifies leaves against the model's recorded results before buying.
 */
export class ProvenanceClient {
  readonly abi = syntheticProvenanceAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "SyntheticProvenance");
  }

  private view<R>(functionName: string, args: readonly unknown[] = []): Promise<R> {
    return read<R>(this.ctx, { address: this.address, abi: syntheticProvenanceAbi, functionName, args });
  }

  /** Opens a generation run of `modelId` owned by the wallet account; returns its id. */
  async openRun(
    modelId: bigint,
    callbackGasLimit: number,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { runId: bigint }> {
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: syntheticProvenanceAbi,
        functionName: "openRun",
        args: [modelId, callbackGasLimit],
      },
      options,
    );
    return { ...res, runId: res.result };
  }

  /**
   * Requests one generation per input through the oracle, paying its quote for each (the recorder needs the exact
   * sum); returns the request ids in input order.
   */
  async requestGenerations(
    runId: bigint,
    inputs: readonly Hex[],
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { requestIds: bigint[]; feeWei: bigint }> {
    const run = await this.getRun(runId);
    const feeWei = await read<bigint>(this.ctx, {
      address: address(this.ctx, "AIOracle"),
      abi: aIOracleAbi,
      functionName: "quote",
      args: [run.modelId, run.callbackGasLimit],
    });
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: syntheticProvenanceAbi,
        functionName: "requestGenerations",
        args: [runId, inputs],
        value: feeWei * BigInt(inputs.length),
      },
      options,
    );
    const requestIds = parseEventLogs({
      abi: syntheticProvenanceAbi,
      logs: res.receipt.logs,
      eventName: "GenerationRequested",
    })
      .filter((l) => l.address.toLowerCase() === this.address.toLowerCase())
      .map((l) => l.args.requestId);
    return { ...res, requestIds, feeWei };
  }

  /** Lists run `runId`'s first `tree.leaves.length` recorded generations as a dataset (the wallet owns the run). */
  async listDataset(
    runId: bigint,
    tree: ProvenanceTree,
    params: ListingParams,
    key: EncryptedKey,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { datasetId: bigint }> {
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: syntheticProvenanceAbi,
        functionName: "listDataset",
        args: [runId, tree.root, tree.leaves.length, params, key.handle, key.inputProof],
      },
      options,
    );
    return { ...res, datasetId: res.result };
  }

  /** Deploys (once per model) the forwarder that routes a dataset's model royalty to the model's revenue receiver. */
  deployRoyaltyForwarder(modelId: bigint, options?: WriteOptions): Promise<WriteResult<Address>> {
    return write(
      this.ctx,
      { address: this.address, abi: syntheticProvenanceAbi, functionName: "deployRoyaltyForwarder", args: [modelId] },
      options,
    );
  }

  /** The run's record. */
  getRun(runId: bigint): Promise<GenerationRun> {
    return this.view("getRun", [runId]);
  }

  /** A listed dataset's provenance (zero fields for a dataset not listed through the recorder). */
  provenanceOf(datasetId: bigint): Promise<DatasetProvenance> {
    return this.view("provenanceOf", [datasetId]);
  }

  /** The recorder's status of one request and its recorded word (the leaf once fulfilled). */
  async recordOf(requestId: bigint): Promise<{ status: RecordStatus; word: Hex }> {
    const [status, word] = await this.view<readonly [number, Hex]>("recordOf", [requestId]);
    return { status: RECORD_STATUS[status], word };
  }

  /** Whether the leaf of generation `g` at the proof's position is in dataset `datasetId` and was recorded. */
  verifyLeaf(datasetId: bigint, g: Generation, proof: readonly Hex[]): Promise<boolean> {
    return this.view("verifyLeaf", [datasetId, g.requestId, g.inputHash, g.outputHash, proof]);
  }

  /** The forwarder of `modelId`'s royalties: a deterministic address, the same before and after `deployRoyaltyForwarder`. */
  royaltyForwarderOf(modelId: bigint): Promise<Address> {
    return this.view("royaltyForwarderOf", [modelId]);
  }

  /** How many runs were opened. */
  runCount(): Promise<bigint> {
    return this.view("runCount");
  }

  /** The recorded generations of run `runId`, in request order, from the recorder's events alone. */
  async recordedGenerations(runId: bigint): Promise<RecordedGeneration[]> {
    const fromBlock = this.ctx.addresses.fromBlock.SyntheticProvenance ?? 0n;
    const [requested, recorded] = await Promise.all([
      this.ctx.publicClient.getContractEvents({
        address: this.address,
        abi: syntheticProvenanceAbi,
        eventName: "GenerationRequested",
        args: { runId },
        fromBlock,
      }),
      this.ctx.publicClient.getContractEvents({
        address: this.address,
        abi: syntheticProvenanceAbi,
        eventName: "GenerationRecorded",
        args: { runId },
        fromBlock,
      }),
    ]);
    const inputHash = new Map(requested.map((e) => [e.args.requestId!, e.args.inputHash!]));
    return recorded
      .map((e) => ({
        requestId: e.args.requestId!,
        inputHash: inputHash.get(e.args.requestId!)!,
        outputHash: keccak256(e.args.output!),
        output: e.args.output!,
      }))
      .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
  }

  /**
   * The buyer's check of dataset `datasetId`: rebuilds the tree from `generations` (default: the run's recorded
   * generations in request order, as the seller lists them), compares its root with the listed one, and asks the
   * recorder to verify each checked leaf (all, or the `sample` indices) with its proof. Reads only.
   */
  async verify(
    datasetId: bigint,
    opts: { generations?: readonly Generation[]; sample?: readonly number[] } = {},
  ): Promise<ProvenanceReport> {
    const p = await this.provenanceOf(datasetId);
    if (p.leafCount === 0)
      throw new AxonError(`dataset ${datasetId} was not listed through SyntheticProvenance at ${this.address}`);
    const generations = opts.generations ?? (await this.recordedGenerations(p.runId)).slice(0, p.leafCount);
    const tree = new ProvenanceTree(p.modelId, generations);
    const indices = opts.sample ?? generations.map((_, i) => i);
    const leaves: LeafReport[] = [];
    for (const index of indices) {
      const g = generations[index];
      if (!g) throw new AxonError(`leaf ${index} is out of range (the dataset has ${generations.length} leaves)`);
      const [{ status }, verified] = await Promise.all([
        this.recordOf(g.requestId),
        this.verifyLeaf(datasetId, g, tree.proof(index)),
      ]);
      leaves.push({ index, requestId: g.requestId, record: status, verified });
    }
    const verified = leaves.filter((l) => l.verified).length;
    const rootMatches = tree.root === p.root;
    return {
      datasetId,
      runId: p.runId,
      modelId: p.modelId,
      root: p.root,
      leafCount: p.leafCount,
      rebuiltRoot: tree.root,
      rootMatches,
      leaves,
      verified,
      ok: rootMatches && verified === leaves.length,
    };
  }
}
