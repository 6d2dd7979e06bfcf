import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";
import "@fhevm/hardhat-plugin";
import { subtask } from "hardhat/config";
import type { HardhatUserConfig } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_MERGE_COMPILATION_JOBS,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import path from "node:path";
import "./tasks";

export const SOLC_VERSION = "0.8.28";
export const SOLC_LONG_VERSION = "0.8.28+commit.7893614a";
export const OPTIMIZER_RUNS = 10_000;
export const EVM_VERSION = "cancun";
/** Per-source optimizer runs for the contracts that would not fit EIP-170 at OPTIMIZER_RUNS. */
export const REDUCED_OPTIMIZER_RUNS: Record<string, number> = {
  "contracts/oracle/AIOracle.sol": 100,
  // Cold paths (Quorum, Optimistic, Proof, refunds, configuration): fewer runs keep it under EIP-170.
  "contracts/oracle/libraries/AIOracleLogic.sol": 1_000,
  "contracts/mocks/oracle/UpgradeMocks.sol": 100,
  "contracts/compute/ComputeEscrow.sol": 200,
  "contracts/mocks/ComputeEscrowV2Mock.sol": 200,
  "contracts/data/LabelingBounties.sol": 1_000,
  "contracts/mocks/data/LabelingBountiesV2Mock.sol": 1_000,
  // DePIN edge registry (issue 16): registry, reports, challenges and the reward pool in one proxy.
  "contracts/depin/EdgeNodeRegistry.sol": 1,
};

// Hardhat's compiler download is unreachable offline: serve solc-js (wasm) from the pinned npm `solc` package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: SOLC_LONG_VERSION,
  };
});

// solidity-coverage's instrumented sources, compiled as one solc-js job, exhaust the wasm compiler's memory, and so
// does the plain tree once it grows past ~150 sources (issue 17 hit "memory access out of bounds"). Merge the
// per-file jobs in chunks so each solc-js process compiles a bounded part of the tree: 16 files under coverage,
// 24 otherwise (64 crashed a full recompile). Bytecode does not depend on the grouping (each contract's metadata covers only its own sources).
subtask(TASK_COMPILE_SOLIDITY_MERGE_COMPILATION_JOBS, async (args: { compilationJobs: unknown[] }, _hre, runSuper) => {
  const coverage = process.env.SOLIDITY_COVERAGE === "true";
  const chunkSize = Number(
    (coverage ? process.env.COVERAGE_COMPILE_CHUNK : process.env.AXON_COMPILE_CHUNK) ?? (coverage ? "16" : "24"),
  );
  const merged: unknown[] = [];
  for (let i = 0; i < args.compilationJobs.length; i += chunkSize) {
    merged.push(...(await runSuper({ compilationJobs: args.compilationJobs.slice(i, i + chunkSize) })));
  }
  return merged;
});

// The Explorer's tests (issue 18: API + browser) run as their own stage (`npm run test:explorer`), not in a bare
// `hardhat test`; named explicitly, they run.
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length) return files;
  return files.filter((f) => !f.split(path.sep).join("/").includes("/test/explorer/"));
});

const env = process.env;
const sepoliaAccounts = env.SEPOLIA_PRIVATE_KEY
  ? [env.SEPOLIA_PRIVATE_KEY]
  : env.SEPOLIA_MNEMONIC
    ? { mnemonic: env.SEPOLIA_MNEMONIC }
    : [];

const config: HardhatUserConfig = {
  solidity: {
    // The `compilers` form is required for `overrides` to be honoured.
    compilers: [
      {
        version: SOLC_VERSION,
        settings: {
          optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
          evmVersion: EVM_VERSION,
          outputSelection: { "*": { "*": ["storageLayout"] } },
        },
      },
    ],
    // Contracts whose inlined hot paths exceed the 24 KiB EIP-170 limit at the default runs get fewer runs.
    overrides: Object.fromEntries(
      Object.entries(REDUCED_OPTIMIZER_RUNS).map(([source, runs]) => [
        source,
        {
          version: SOLC_VERSION,
          settings: {
            optimizer: { enabled: true, runs },
            evmVersion: EVM_VERSION,
            outputSelection: { "*": { "*": ["storageLayout"] } },
          },
        },
      ]),
    ),
  },
  networks: {
    hardhat: {
      chainId: 31337,
      // fhevm mock mode and solidity-coverage both need a zero base fee on the in-process chain.
      initialBaseFeePerGas: 0,
      allowUnlimitedContractSize: false,
    },
    localhost: { url: env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545", chainId: 31337 },
    anvil: { url: env.ANVIL_RPC_URL ?? "http://127.0.0.1:8545", chainId: 31337 },
    sepolia: {
      url: env.SEPOLIA_RPC_URL || "https://sepolia.invalid",
      chainId: 11155111,
      accounts: sepoliaAccounts,
    },
  },
  etherscan: { apiKey: env.ETHERSCAN_API_KEY ?? "" },
  sourcify: { enabled: false },
  paths: { sources: "./contracts", tests: "./test", cache: "./cache", artifacts: "./artifacts" },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: env.REPORT_GAS === "1", offline: true, currency: "USD" },
  mocha: { timeout: 300_000 },
};

export default config;
