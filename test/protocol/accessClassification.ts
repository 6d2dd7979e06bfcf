import { ethers } from "ethers";
import { ANYONE, custom, role, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import type { Guard } from "../helpers/accessMatrix";
import { DEFAULT_ADMIN_ROLE, PAUSER_ROLE, TREASURER_ROLE, UPGRADER_ROLE } from "../helpers/constants";

/**
 * The one place where every state-changing function of every deployable Axon contract is classified.
 *
 * Keys are contract names (the artifact's contractName); values map each function signature (ethers "sighash"
 * format) to its guard. test/protocol/AccessMatrix.test.ts fails when a deployable contract under contracts/ has no
 * table here, when its ABI gains or loses a state-changing function, and (on a full-protocol deployment) when a guard
 * admits a caller it should refuse or refuses one it should admit.
 *
 * Caller names used in `custom` guards are the named signers of test/protocol/fixture.ts: admin, stranger, node,
 * creator, requester, provider, offering (the ModelOffering contract itself).
 */

export const ARBITER_ROLE = ethers.id("ARBITER_ROLE");
export const TOKEN_ADMIN_ROLE = ethers.id("TOKEN_ADMIN_ROLE");
export const REVENUE_MANAGER_ROLE = ethers.id("REVENUE_MANAGER_ROLE");
export const LISTER_ROLE = ethers.id("LISTER_ROLE");
export const MODEL_MANAGER_ROLE = ethers.id("MODEL_MANAGER_ROLE");

/** Every role id any Axon contract defines; the matrix reads who holds each from the chain. */
export const ALL_ROLES = [
  DEFAULT_ADMIN_ROLE,
  PAUSER_ROLE,
  UPGRADER_ROLE,
  TREASURER_ROLE,
  ARBITER_ROLE,
  TOKEN_ADMIN_ROLE,
  REVENUE_MANAGER_ROLE,
  LISTER_ROLE,
  MODEL_MANAGER_ROLE,
];

/** A proxy can never be initialised twice: every caller is refused with OpenZeppelin's InvalidInitialization. */
const INITIALIZED = custom("InvalidInitialization", []);

/** The functions every AxonUpgradeable contract inherits (AccessControlDefaultAdminRules, Pausable, UUPS). */
const AXON_UPGRADEABLE: Record<string, Guard> = {
  ...AXON_UPGRADEABLE_GUARDS,
  // Renouncing only ever drops the caller's own role (AccessControlBadConfirmation for anyone else's).
  "renounceRole(bytes32,address)": ANYONE,
};

const LISTING = "(bytes32,string,bytes32,string,uint96,address,address[],uint16[],(uint256,uint256))";
const OFFERING_PARAMS =
  "(string,string,uint256,uint256,uint64,uint64,uint8,uint256,uint256,uint256,uint256,uint64,uint32,uint16)";
const ORACLE_REQUEST = "(address,address,uint256,bytes32,uint256,uint256,uint256,bytes,address[])";
const COMPUTE_JOB = "(bytes32,string,string,bytes8,uint16,uint16,uint32,uint32,address,uint8,uint8,uint112)";
const COMPUTE_OFFER = "(bytes8,uint16,uint16,uint8,uint128)";
const COMPUTE_SETTINGS = "(uint16,uint16,uint32,uint32,uint128)";
const VERIFICATION = "(uint8,uint8,uint8,uint32,uint128)";
const TASK_PARAMS = "(bytes32,uint32,uint16,uint8,uint16,uint64,uint64,uint96,uint96,bytes32)";

export const CLASSIFICATION: Record<string, Record<string, Guard>> = {
  Treasury: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48)": INITIALIZED,
    "depositETH()": ANYONE,
    "depositToken(address,uint256)": ANYONE,
    "setTokenAllowed(address,bool)": role(DEFAULT_ADMIN_ROLE),
    "withdrawETH(address,uint256)": role(TREASURER_ROLE),
    "withdrawToken(address,address,uint256)": role(TREASURER_ROLE),
  },
  OperatorStaking: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48,address)": INITIALIZED,
    "setService(bytes32,uint128,uint64,bool)": role(DEFAULT_ADMIN_ROLE),
    "setModule(bytes32,address,bool)": role(DEFAULT_ADMIN_ROLE),
    "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
    "unjail(address,bytes32)": role(DEFAULT_ADMIN_ROLE),
    "setStatusListener(bytes32,address)": role(DEFAULT_ADMIN_ROLE),
    // Pushes the operator's current status to the listener: nothing the caller chooses.
    "pushStatus(address,bytes32)": ANYONE,
    "stake(bytes32)": ANYONE,
    "requestUnbond(bytes32,uint256)": ANYONE,
    "withdraw(bytes32)": ANYONE,
    "withdrawCredit()": ANYONE,
    // Only modules authorised for the service (AIOracle for oracle, ComputeEscrow for compute); EOAs never are.
    "lock(address,bytes32,uint256)": custom("StakingNotModule", []),
    "unlock(address,bytes32,uint256)": custom("StakingNotModule", []),
    "slash(address,bytes32,uint256,address,uint256,bytes32)": custom("StakingNotModule", []),
    "jail(address,bytes32,uint64)": custom("StakingNotModule", ["admin"]),
  },
  ModelRegistry: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48,address)": INITIALIZED,
    [`registerModel(bytes32,string,uint96,${VERIFICATION})`]: ANYONE,
    "registerProofModel(bytes32,string,uint96,address,bytes32)": ANYONE,
    "setFee(uint256,uint96)": custom("ModelRegistryNotOwner", ["creator"]),
    "setMetadataURI(uint256,string)": custom("ModelRegistryNotOwner", ["creator"]),
    "setWeightsHash(uint256,bytes32)": custom("ModelRegistryNotOwner", ["creator"]),
    [`setVerification(uint256,${VERIFICATION})`]: custom("ModelRegistryNotOwner", ["creator"]),
    "setRevenueReceiver(uint256,address)": custom("ModelRegistryNotOwner", ["creator"]),
    "transferModelOwnership(uint256,address)": custom("ModelRegistryNotOwner", ["creator"]),
    "addNode(uint256,address)": custom("ModelRegistryNotOwner", ["creator"]),
    "lockRevenueReceiver(uint256,address)": role(REVENUE_MANAGER_ROLE),
    "setModelActive(uint256,bool)": custom("ModelRegistryNotOwnerOrPauser", ["creator", "admin"]),
    "removeNode(uint256,address)": custom("ModelRegistryNotOwnerOrNode", ["creator", "node"]),
    // Anyone may prune a node that lost its stake (ModelRegistryNodeStillActive otherwise).
    "pruneNode(uint256,address)": ANYONE,
    "setOracle(address)": role(DEFAULT_ADMIN_ROLE),
    "setEdgeRegistry(address)": role(DEFAULT_ADMIN_ROLE),
    // Pushes the model's current terms to the oracle: nothing the caller chooses.
    "pushModel(uint256)": ANYONE,
  },
  AIOracle: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48,address,address,(uint96,uint16,uint64,uint64),(uint32,uint32,uint32,uint32,uint32,uint32,uint128))":
      INITIALIZED,
    [`request(uint256,bytes,address,uint32,bytes)`]: ANYONE,
    [`requestInRegion(uint256,bytes,address,uint32,bytes,bytes2)`]: ANYONE,
    [`fulfil(uint256,${ORACLE_REQUEST},bytes,uint8)`]: custom("AIOracleNotAssigned", ["node"]),
    // Invalid items are skipped with an event (FulfilItemSkipped), so the batch itself has no caller guard.
    [`fulfilBatch(uint256[],${ORACLE_REQUEST}[],bytes[],uint8[])`]: ANYONE,
    [`fulfilProof(uint256,${ORACLE_REQUEST},bytes,bytes,bytes)`]: ANYONE,
    ["fulfilProofBatch(bytes[])"]: ANYONE,
    [`finalize(uint256,${ORACLE_REQUEST},bytes,uint8)`]: ANYONE,
    [`challenge(uint256,${ORACLE_REQUEST})`]: ANYONE,
    [`voteChallenge(uint256,${ORACLE_REQUEST},bool)`]: custom("AIOracleNotEligibleVoter", ["node"]),
    [`resolveChallenge(uint256,${ORACLE_REQUEST},bool)`]: role(ARBITER_ROLE),
    [`refund(uint256,${ORACLE_REQUEST})`]: ANYONE,
    "withdrawCredit()": ANYONE,
    "pushCredit(address)": ANYONE,
    "sweepProtocolFees()": ANYONE,
    "migrateHotSlot()": ANYONE,
    "warmCommitmentRing(uint256,uint256)": ANYONE,
    "setFeeConfig((uint96,uint16,uint64,uint64))": role(DEFAULT_ADMIN_ROLE),
    "setConfig((uint32,uint32,uint32,uint32,uint32,uint32,uint128))": role(DEFAULT_ADMIN_ROLE),
    "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
    // The hot-path cache accepts pushes from the registry and the staking contract only.
    "onModelTerms(uint256,address,uint96,(uint8,uint8,uint8,uint32,uint128),bool)": custom(
      "AIOracleUnauthorizedPush",
      [],
    ),
    "onModelNodes(uint256,address[])": custom("AIOracleUnauthorizedPush", []),
    "onTermsListening(bool)": custom("AIOracleUnauthorizedPush", []),
    "onOperatorStatus(bytes32,address,uint256,uint64)": custom("AIOracleUnauthorizedPush", []),
    "onServiceStatus(bytes32,bool,uint256,bool)": custom("AIOracleUnauthorizedPush", []),
  },
  ModelOffering: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48,address,address,address,uint16)": INITIALIZED,
    [`launch(uint256,${OFFERING_PARAMS})`]: ANYONE,
    "buy(uint256,uint256,uint256)": ANYONE,
    "finalize(uint256)": ANYONE,
    "refund(uint256)": ANYONE,
    "claimVested(uint256)": ANYONE,
    "withdraw()": ANYONE,
    "setProtocolFeeBps(uint16)": role(DEFAULT_ADMIN_ROLE),
    "setTokenImplementation(address)": role(DEFAULT_ADMIN_ROLE),
    "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
    "setTokenRedeemBps(uint256,uint16)": role(TOKEN_ADMIN_ROLE),
    "setTokenRevenueAsset(uint256,address,bool)": role(TOKEN_ADMIN_ROLE),
    "setTokenStreamPeriod(uint256,uint32)": role(TOKEN_ADMIN_ROLE),
  },
  ModelToken: {
    "initialize(string,string,address,uint256,uint256,uint32,uint16)": INITIALIZED,
    "activate()": custom("ModelTokenOnlyOffering", ["offering"]),
    "mint(address,uint256)": custom("ModelTokenOnlyOffering", ["offering"]),
    "burnFrom(address,uint256)": custom("ModelTokenOnlyOffering", ["offering"]),
    "setRedeemBps(uint16)": custom("ModelTokenOnlyOffering", ["offering"]),
    "setRevenueAsset(address,bool)": custom("ModelTokenOnlyOffering", ["offering"]),
    "setStreamPeriod(uint32)": custom("ModelTokenOnlyOffering", ["offering"]),
    "approve(address,uint256)": ANYONE,
    "transfer(address,uint256)": ANYONE,
    "transferFrom(address,address,uint256)": ANYONE,
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": ANYONE,
    "delegate(address)": ANYONE,
    "delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)": ANYONE,
    "depositRevenue(address,uint256)": ANYONE,
    "claim(address)": ANYONE,
    "redeem(uint256)": ANYONE,
  },
  DataMarket: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48,address,uint16)": INITIALIZED,
    "setPaymentAssetAllowed(address,bool)": role(DEFAULT_ADMIN_ROLE),
    "setProtocolFeeBps(uint16)": role(DEFAULT_ADMIN_ROLE),
    "setGrantDelay(uint32)": role(DEFAULT_ADMIN_ROLE),
    "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
    [`listFor(address,${LISTING},bytes32)`]: role(LISTER_ROLE),
    "setPrice(uint256,uint96)": custom("DataMarketNotSeller", ["seller"]),
    "delist(uint256)": custom("DataMarketNotSeller", ["seller"]),
    "rotateKey(uint256,bytes32,bytes)": custom("DataMarketNotSeller", ["seller"]),
    [`list(${LISTING},bytes32,bytes)`]: ANYONE,
    "purchase(uint256,uint256)": ANYONE,
    "claimAccess(uint256,address)": ANYONE,
    "reclaimAccess(uint256)": ANYONE,
    "withdraw(address)": ANYONE,
    "sweepProtocolFees(address)": ANYONE,
  },
  LabelingBounties: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48)": INITIALIZED,
    [`createTask(${TASK_PARAMS})`]: ANYONE,
    "commit(uint256,uint256,uint256,bytes32,bytes32[],bytes32)": ANYONE,
    "reveal(uint256,uint256,uint256,uint8,bytes32)": ANYONE,
    "finalizeItem(uint256,uint256)": ANYONE,
    "finalizeGoldItem(uint256,uint256,uint8,bytes32,bytes32[])": ANYONE,
    "sweepForfeitedBonds()": ANYONE,
    "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
    "claim(uint256,uint256,uint256,address,uint8,bytes32)": ANYONE,
    "withdraw()": ANYONE,
    "setExporter(address)": role(DEFAULT_ADMIN_ROLE),
    // Only the configured exporter (none in the fixture, so every caller is refused).
    "recordExport(uint256,address)": custom("LabelingBountiesNotExporter", []),
  },
  LabelingBountiesExporter: {
    // Permissionless entry; LabelingBounties.recordExport then insists that msg.sender is the task's requester.
    [`exportToMarket(uint256,${LISTING},bytes32,bytes)`]: ANYONE,
  },
  LabelingRoyaltySink: {
    "collect()": ANYONE,
    "withdraw()": ANYONE,
  },
  ComputeEscrow: {
    ...AXON_UPGRADEABLE,
    [`initialize(address,uint48,address,address,${COMPUTE_SETTINGS})`]: INITIALIZED,
    [`setSettings(${COMPUTE_SETTINGS})`]: role(DEFAULT_ADMIN_ROLE),
    "setFeed(address,uint32,int256,int256)": role(DEFAULT_ADMIN_ROLE),
    "setTokenAllowed(address,bool)": role(DEFAULT_ADMIN_ROLE),
    [`setOffer(${COMPUTE_OFFER})`]: ANYONE,
    "removeOffer()": ANYONE,
    [`postJob(${COMPUTE_JOB},address,uint256)`]: ANYONE,
    [`postJobUsd(${COMPUTE_JOB},uint256)`]: ANYONE,
    "cancel(uint256)": custom("ComputeEscrowNotRequester", ["requester"]),
    "claim(uint256)": ANYONE,
    "start(uint256)": custom("ComputeEscrowNotProvider", ["provider"]),
    "submitResult(uint256,bytes32,string)": custom("ComputeEscrowNotProvider", ["provider"]),
    "accept(uint256)": custom("ComputeEscrowNotRequester", ["requester"]),
    "dispute(uint256,bytes32)": custom("ComputeEscrowNotRequester", ["requester"]),
    "resolveDispute(uint256,bool)": role(ARBITER_ROLE),
    "finalize(uint256)": ANYONE,
    "processExpired(uint256[])": ANYONE,
    "performUpkeep(bytes)": ANYONE,
    "withdraw(address)": ANYONE,
    "sweepFees(address)": ANYONE,
  },
  PrivateScoring: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48)": INITIALIZED,
    "setModel(int64[],int64,int64)": role(MODEL_MANAGER_ROLE),
    "score(bytes32[],bytes)": ANYONE,
  },
  // Data provenance (issue 17). Not deployed by the access-matrix fixture: their guards are exercised by
  // test/data/SyntheticProvenance.test.ts and test/data/CollectionCampaigns.test.ts.
  SyntheticProvenance: {
    "openRun(uint256,uint32)": ANYONE,
    "requestGenerations(uint256,bytes[])": ANYONE,
    [`listDataset(uint256,bytes32,uint32,${LISTING},bytes32,bytes)`]: custom("SyntheticProvenanceNotRunOwner", [
      "runOwner",
    ]),
    "deployRoyaltyForwarder(uint256)": ANYONE,
    "sweepOracleRefunds()": ANYONE,
    "onAIOracleResult(uint256,uint8,bytes,bytes)": custom("AIOracleConsumerOnlyOracle", ["oracle"]),
  },
  ModelRoyaltyForwarder: {
    "forward()": ANYONE,
  },
  CollectionCampaigns: {
    "createCampaign(bytes32,uint96,uint32,uint64,address[])": ANYONE,
    // A relayer may submit for a contributor: the contributor's EIP-712 signature is the guard.
    "submit(uint256,bytes32,address,bytes)": ANYONE,
    "review(uint256,uint256,bool)": custom("CollectionCampaignsNotValidator", ["validator"]),
    "close(uint256)": ANYONE,
    [`listDataset(uint256,${LISTING},bytes32,bytes)`]: custom("CollectionCampaignsNotFunder", ["funder"]),
    "withdraw()": ANYONE,
  },
  // DePIN edge nodes (issue 16): guards exercised by test/depin/EdgeNodeRegistry.test.ts.
  EdgeNodeRegistry: {
    ...AXON_UPGRADEABLE,
    "initialize(address,uint48,address,bytes32,address,(uint32,uint32,uint32,uint32,uint32,uint128,uint128,uint128,uint128))":
      INITIALIZED,
    "setConfig((uint32,uint32,uint32,uint32,uint32,uint128,uint128,uint128,uint128))": role(DEFAULT_ADMIN_ROLE),
    "setServedSource(address)": role(DEFAULT_ADMIN_ROLE),
    // An active staked operator of the edge service registers itself; update/deregister act on the caller's node.
    "register(address,bytes2,uint8,bytes32[],string)": custom("EdgeNotStaked", ["edgeOperator"]),
    "update(bytes2,uint8,bytes32[],string)": custom("EdgeNotRegistered", ["edgeNode"]),
    "deregister()": custom("EdgeNotRegistered", ["edgeNode"]),
    "fund(uint256)": ANYONE,
    "postReport(uint64,bytes32,uint32)": custom("EdgeNotStaked", ["edgeOperator"]),
    "challengeUptime(uint64,address,uint32,bytes32[])": ANYONE,
    "answerChallenge(uint64,address,uint32[],bytes[])": ANYONE,
    "resolveChallenge(uint64,address)": ANYONE,
    "finalizeEpoch(uint64)": ANYONE,
    "claimUptime(uint64,uint32,bytes32[])": ANYONE,
    "claimServed()": ANYONE,
    "withdrawCredit()": ANYONE,
  },
  // The Proof mode's verifiers (issue 15) have no state-changing function.
  Groth16ProofVerifier: {},
  Mnist14Groth16Verifier: {},
  ProofBinding: {},
};

/**
 * Guards that the full-protocol deployment does not reach because they need a domain-specific state (an FHE
 * listing, a challenged optimistic request). Each one is exercised, caller by caller, by the named domain test.
 */
export const CHECKED_IN_DOMAIN_SUITE: Record<string, Record<string, string>> = {
  AIOracle: {
    [`voteChallenge(uint256,${ORACLE_REQUEST},bool)`]: "needs a challenged Optimistic request",
  },
};
