import { writeFileSync } from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, type InterfaceAbi, JsonRpcProvider, NonceManager, Wallet, id } from "ethers";
import { hashModelFile } from "../../src/modelHash";
import { type Artifact, artifact, ensureCompiled, link } from "./artifacts";
import { DEV_KEYS } from "./nodes";
import { compileTestContract } from "./solc";

export const ORACLE_SERVICE = id("axon.service.oracle");
export const BUNDLED_MODEL = path.resolve(__dirname, "..", "..", "models", "mnist-mlp.onnx");
const PROBE_SOURCE = path.resolve(__dirname, "..", "contracts", "ProbeConsumer.sol");

export interface Deployed {
  provider: JsonRpcProvider;
  admin: NonceManager;
  adminAddress: string;
  nodeKey: string;
  nodeAddress: string;
  oracle: Contract;
  registry: Contract;
  staking: Contract;
  consumer: Contract;
  modelId: bigint;
  weightsHash: string;
  startBlock: number;
  deploymentFile: string;
  callbackGasLimit: number;
}

async function deployContract(signer: NonceManager, art: Artifact, args: unknown[]): Promise<Contract> {
  const f = new ContractFactory(art.abi as InterfaceAbi, art.bytecode, signer);
  const c = await f.deploy(...args);
  await c.waitForDeployment();
  return c as Contract;
}

async function deployProxy(
  signer: NonceManager,
  name: string,
  args: unknown[],
  libraries: Record<string, string> = {},
): Promise<Contract> {
  const impl = link(artifact(name), libraries);
  const implementation = await deployContract(signer, impl, []);
  const init = implementation.interface.encodeFunctionData("initialize", args);
  const proxy = await deployContract(signer, artifact("ERC1967Proxy"), [await implementation.getAddress(), init]);
  return new Contract(await proxy.getAddress(), impl.abi as InterfaceAbi, signer);
}

export interface DeployOptions {
  /** Register the model with this weights hash instead of the bundled file's (hash-mismatch tests). */
  weightsHash?: string;
  requestTimeoutSeconds?: number;
  callbackGasLimit?: number;
}

/**
 * Deploys the oracle stack from the Hardhat artifacts with plain ethers (any JSON-RPC node): Treasury,
 * OperatorStaking, ModelRegistry, AIOracle behind UUPS proxies, the bundled digit model registered with its real
 * weights hash, the node (dev account 1) staked and serving it, and a ProbeConsumer funded to pay for requests.
 * Writes the deployment manifest the runner reads into `dir`.
 */
export async function deployStack(url: string, dir: string, opts: DeployOptions = {}): Promise<Deployed> {
  ensureCompiled(["Treasury", "OperatorStaking", "ModelRegistry", "AIOracle", "AIOracleLogic"]);
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  const adminWallet = new Wallet(DEV_KEYS[0], provider);
  const admin = new NonceManager(adminWallet);
  const nodeKey = DEV_KEYS[1];
  const nodeWallet = new Wallet(nodeKey, provider);
  const adminAddress = adminWallet.address;

  const startBlock = await provider.getBlockNumber();
  const treasury = await deployProxy(admin, "Treasury", [adminAddress, 0]);
  const staking = await deployProxy(admin, "OperatorStaking", [adminAddress, 0, await treasury.getAddress()]);
  // The unbonding delay must exceed the oracle's slashing horizon (timeout + 3-day max challenge window + resolution).
  await (await staking.setService(ORACLE_SERVICE, 10n ** 18n, 7 * 24 * 3600, true)).wait();
  const registry = await deployProxy(admin, "ModelRegistry", [adminAddress, 0, await staking.getAddress()]);
  const logic = await deployContract(admin, artifact("AIOracleLogic"), []);
  const oracle = await deployProxy(
    admin,
    "AIOracle",
    [
      adminAddress,
      0,
      await registry.getAddress(),
      await treasury.getAddress(),
      { nodeFeeWei: 10n ** 12n, protocolFeeBps: 500, minGasPriceWei: 0, maxGasPriceWei: 10n ** 9n },
      {
        maxInputBytes: 16 * 1024,
        maxOutputBytes: 16 * 1024,
        maxCallbackGasLimit: 2_000_000,
        requestTimeoutSeconds: opts.requestTimeoutSeconds ?? 24 * 3600,
        gracePeriodSeconds: 600,
        challengeResolutionSeconds: 3600,
        dissentSlashWei: 0,
      },
    ],
    { AIOracleLogic: await logic.getAddress() },
  );
  const oracleAddress = await oracle.getAddress();
  // the oracle locks and slashes oracle-service stake
  await (await staking.setModule(ORACLE_SERVICE, oracleAddress, true)).wait();
  // the hot-path cache (issue 13): the registry pushes model terms and node sets, the staking contract oracle node
  // stakes, so a request and a fulfilment read the oracle's own storage (deploy/axon.ts wires the same)
  await (await registry.setOracle(oracleAddress)).wait();
  await (await staking.setStatusListener(ORACLE_SERVICE, oracleAddress)).wait();

  const weightsHash = opts.weightsHash ?? (await hashModelFile(BUNDLED_MODEL));
  const verificationNone = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
  const modelId = await registry.registerModel.staticCall(
    weightsHash,
    "ipfs://mnist-mlp",
    10n ** 12n,
    verificationNone,
  );
  await (await registry.registerModel(weightsHash, "ipfs://mnist-mlp", 10n ** 12n, verificationNone)).wait();
  await (await (staking.connect(nodeWallet) as Contract).stake(ORACLE_SERVICE, { value: 2n * 10n ** 18n })).wait();
  await (await registry.addNode(modelId, nodeWallet.address)).wait();

  const probe = compileTestContract(PROBE_SOURCE, "ProbeConsumer");
  const consumer = await deployContract(admin, probe, [oracleAddress]);
  await (await admin.sendTransaction({ to: await consumer.getAddress(), value: 10n ** 21n })).wait();

  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(
    deploymentFile,
    JSON.stringify(
      {
        chainId: 31337,
        contracts: {
          AIOracle: { address: oracleAddress, blockNumber: startBlock },
          ModelRegistry: { address: await registry.getAddress(), blockNumber: startBlock },
          OperatorStaking: { address: await staking.getAddress(), blockNumber: startBlock },
        },
      },
      null,
      2,
    ),
  );
  return {
    provider,
    admin,
    adminAddress,
    nodeKey,
    nodeAddress: nodeWallet.address,
    oracle,
    registry,
    staking,
    consumer,
    modelId,
    weightsHash,
    startBlock,
    deploymentFile,
    callbackGasLimit: opts.callbackGasLimit ?? 200_000,
  };
}
