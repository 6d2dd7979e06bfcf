/**
 * `@axon/sdk`: typed TypeScript clients for the Axon protocol, on viem.
 * @packageDocumentation
 */
export { type AxonClient, type AxonClientConfig, createAxonClient, createAxonContext } from "./client.js";
export type { AxonContext, WriteOptions, WriteResult } from "./context.js";
export {
  type AxonAddresses,
  type AxonContractName,
  type AxonManifest,
  CONTRACT_NAMES,
  requireAddress,
  resolveAddresses,
} from "./addresses.js";
export { bundledManifests } from "./generated/manifests.js";
export {
  BASIS_POINTS,
  type Classification,
  MAX_CLASSES,
  NonFiniteLogitsError,
  type ProvenClassification,
  decodeClassification,
  decodeProvenClassification,
  encodeClassification,
  encodeProvenClassification,
  roundHalfEven,
} from "./canonical.js";
export {
  DEFAULT_FEE_BUFFER_BPS,
  type OracleRequestParams,
  type OracleRequestResult,
  type OracleResult,
  OracleClient,
  type WaitOptions,
} from "./oracle/client.js";
export {
  type CreatedRequest,
  type FinalFulfilment,
  type OracleRequest,
  OracleErrorCode,
  type ProofFulfilment,
  type Refund,
  type RequestRouting,
  RequestState,
  type RequestStateCode,
  decodeOracleLog,
  encodeFulfilProof,
  encodeFulfilProofBatch,
  fulfilArgs,
  fulfilProofArgs,
  refundArgs,
  requestIdFromReceipt,
  routingFromReceipt,
  termsOf,
} from "./oracle/preimage.js";
export {
  REQUEST_FIELDS,
  type RequestTerms as RequestSnapshotTerms,
  packRequestTerms,
  requestFeeWei,
  unpackRequestTerms,
} from "./oracle/terms.js";
export {
  MODE_PROOF,
  type Model,
  ModelsClient,
  NO_VERIFICATION,
  type RegisterModelParams,
  type RegisterProofModelParams,
  type RequestTerms,
  type Verification,
} from "./domains/models.js";
export { ETH_ASSET, ImoClient, type LaunchParams, type Offering, OfferingStatus } from "./domains/imo.js";
export {
  DataClient,
  type Dataset,
  DatasetStatus,
  type DecryptKeyOptions,
  type EncryptedKey,
  type KeyDecryptRequest,
  type KeyDecryptor,
  type ListingParams,
  RELAYER_CHAINS,
  relayerKeyDecryptor,
} from "./domains/data.js";
export {
  type DatasetProvenance,
  type Generation,
  type GenerationRun,
  type LeafReport,
  ProvenanceClient,
  type ProvenanceReport,
  ProvenanceTree,
  RECORD_STATUS,
  type RecordStatus,
  type RecordedGeneration,
  provenanceLeaf,
} from "./domains/provenance.js";
export {
  type Campaign,
  type CampaignItem,
  type CampaignParams,
  CampaignsClient,
  ItemStatus,
  SUBMISSION_TYPES,
} from "./domains/campaigns.js";
export { BountiesClient, type CommitParams, type Task, type TaskParams } from "./domains/bounties.js";
export { ComputeClient, ETH_TOKEN, type Job, type JobRequest, JobStatus, type Offer } from "./domains/compute.js";
export {
  EdgeClient,
  type EdgeConfig,
  type EdgeNode,
  type EdgeNodeStatus,
  type EdgeRegistration,
  type EpochReport,
  HEARTBEAT_TYPES,
  ReportStatus,
  type UptimeChallenge,
  type UptimeEntry,
  UptimeTree,
  edgeModelId,
  uptimeLeaf,
} from "./domains/edge.js";
export { SortedPairTree } from "./merkle.js";
export { regionCode, regionName } from "./region.js";
export { SERVICES, type ServiceName, type Stake, StakingClient, serviceId } from "./domains/staking.js";
export {
  AxonAbortedError,
  AxonConfigError,
  AxonContractError,
  AxonError,
  type AxonErrorArgs,
  type AxonErrorName,
  AxonTimeoutError,
  AxonTransactionRevertedError,
  AxonUnknownContractError,
} from "./errors/base.js";
export { decodeAxonError, toAxonError } from "./errors/decode.js";
export * from "./generated/abis.js";
export * from "./generated/errors.js";
