import type { Address, Hex } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, address, read, write } from "../context.js";
import { AxonError } from "../errors/base.js";
import { modelRegistryAbi, proofVerifierAbi } from "../generated/abis.js";
import type { ViewReturn, WriteArgs } from "./types.js";

type A = typeof modelRegistryAbi;
/** A model's verification terms: mode (0 None, 1 Quorum, 2 Optimistic), quorum k-of-n, challenge window, bond. */
export type Verification = WriteArgs<A, "registerModel">[3];
/** `modelOf`: owner, active, revenue receiver, fee, weights hash, metadata hash, verification. */
export type Model = ViewReturn<A, "modelOf">;
/** `requestTerms`: what a request for the model pays and who serves it. */
export type RequestTerms = ViewReturn<A, "requestTerms">;

/** Verification mode None: one node, its result final. */
export const NO_VERIFICATION: Verification = {
  mode: 0,
  quorumK: 0,
  quorumN: 0,
  challengeWindowSeconds: 0,
  bondWei: 0n,
};

/** Arguments of `models.register`. */
export interface RegisterModelParams {
  /** keccak256 of the weights file (offchain/src/modelHash.ts computes it for ONNX). */
  weightsHash: Hex;
  metadataURI: string;
  feeWei: bigint;
  verification?: Verification;
}

/** Verification mode Proof (`ModelRegistryModes.MODE_PROOF`): results are final with a proof the model's verifier accepts. */
export const MODE_PROOF = 3;

/** Arguments of `models.registerProof`. */
export interface RegisterProofModelParams {
  weightsHash: Hex;
  metadataURI: string;
  feeWei: bigint;
  /** The model's `IProofVerifier` (immutable for the model). */
  verifier: Address;
  /** The verification key hash the owner audited (default: read from the verifier; the registry checks they match). */
  vkHash?: Hex;
}

/** The model registry: register, nodes, fees, verification terms. */
export class ModelsClient {
  readonly abi = modelRegistryAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "ModelRegistry");
  }

  /** Registers a model owned by the wallet account; returns its id. */
  async register(
    params: RegisterModelParams,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { modelId: bigint }> {
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: modelRegistryAbi,
        functionName: "registerModel",
        args: [params.weightsHash, params.metadataURI, params.feeWei, params.verification ?? NO_VERIFICATION],
      },
      options,
    );
    return { ...res, modelId: res.result };
  }

  /**
   * Registers a Proof-mode model owned by the wallet account; returns its id. Its requests are answered by anyone
   * with a proof `verifier` accepts for the request's input and the output (`oracle.fulfilProof`).
   */
  async registerProof(
    params: RegisterProofModelParams,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { modelId: bigint }> {
    const vkHash =
      params.vkHash ??
      (await read<Hex>(this.ctx, {
        address: params.verifier,
        abi: proofVerifierAbi,
        functionName: "vkHash",
        args: [],
      }));
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: modelRegistryAbi,
        functionName: "registerProofModel",
        args: [params.weightsHash, params.metadataURI, params.feeWei, params.verifier, vkHash],
      },
      options,
    );
    return { ...res, modelId: res.result };
  }

  /** The proof verifier of a Proof-mode model (the zero address for other models). */
  proofVerifierOf(modelId: bigint): Promise<Address> {
    return read(this.ctx, {
      address: this.address,
      abi: modelRegistryAbi,
      functionName: "proofVerifierOf",
      args: [modelId],
    });
  }

  /** Adds a staked oracle node to the model's serving set (model owner only). */
  addNode(modelId: bigint, node: Address, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelRegistryAbi, functionName: "addNode", args: [modelId, node] },
      options,
    );
  }

  /** Removes a node from the serving set (model owner only). */
  removeNode(modelId: bigint, node: Address, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelRegistryAbi, functionName: "removeNode", args: [modelId, node] },
      options,
    );
  }

  /** Sets the model fee (model owner only). */
  setFee(modelId: bigint, feeWei: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelRegistryAbi, functionName: "setFee", args: [modelId, feeWei] },
      options,
    );
  }

  /** Sets the verification terms (model owner only). */
  setVerification(modelId: bigint, verification: Verification, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelRegistryAbi, functionName: "setVerification", args: [modelId, verification] },
      options,
    );
  }

  /** The model's record. */
  get(modelId: bigint): Promise<Model> {
    return read(this.ctx, { address: this.address, abi: modelRegistryAbi, functionName: "modelOf", args: [modelId] });
  }

  /** The nodes serving the model. */
  nodes(modelId: bigint): Promise<readonly Address[]> {
    return read(this.ctx, { address: this.address, abi: modelRegistryAbi, functionName: "nodesOf", args: [modelId] });
  }

  /** The terms a request would get now (fee, verification, assigned nodes for `seed`, e.g. the next request id). */
  terms(modelId: bigint, seed = 0n): Promise<RequestTerms> {
    return read(this.ctx, {
      address: this.address,
      abi: modelRegistryAbi,
      functionName: "requestTerms",
      args: [modelId, seed],
    });
  }

  /** How many models are registered (ids run from 1). */
  count(): Promise<bigint> {
    return read(this.ctx, { address: this.address, abi: modelRegistryAbi, functionName: "modelCount", args: [] });
  }

  /** Throws unless `modelId` exists (ids 1..count). */
  async assertExists(modelId: bigint): Promise<void> {
    const n = await this.count();
    if (modelId < 1n || modelId > n) throw new AxonError(`model ${modelId} does not exist (${n} registered)`);
  }
}
