import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { z } from "zod";
import type { ModelSpec } from "./backends/types";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
const uintString = z.union([z.string().regex(/^\d+$/, "must be a decimal integer"), z.number().int().nonnegative()]);

const modelSchema = z
  .object({
    modelId: uintString.transform((v) => BigInt(v)),
    backend: z.enum(["onnx", "openai", "proof"]).default("onnx"),
    path: z.string().min(1).optional(),
    executionProvider: z.enum(["cpu", "webgpu", "cuda"]).default("cpu"),
    maxInputBytes: z.number().int().positive().default(4096),
    openai: z
      .object({
        baseUrl: z.string().url(),
        model: z.string().min(1),
        apiKey: z.string().optional(),
        maxTokens: z.number().int().positive().default(256),
        temperature: z.number().min(0).max(2).default(0),
        timeoutMs: z.number().int().positive().default(60_000),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if (m.backend === "onnx" && !m.path)
      ctx.addIssue({ code: "custom", path: ["path"], message: "onnx models need a path" });
    if (m.backend === "proof" && !m.path)
      ctx.addIssue({ code: "custom", path: ["path"], message: "proof models need a path (a zk:build directory)" });
    if (m.backend === "openai" && !m.openai)
      ctx.addIssue({ code: "custom", path: ["openai"], message: "openai models need an openai section" });
  });

const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  contracts: z.record(z.object({ address, blockNumber: z.number().int().nonnegative().default(0) })),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const configSchema = z.object({
  /** JSON-RPC endpoints tried in order; the next one takes over when one fails. */
  rpcUrls: z.array(z.string().url()).min(1),
  chainId: z.number().int().positive(),
  /**
   * The deployment manifest, relative to the config file: a file (`deployments/31337.json`, or a network-name alias
   * such as `deployments/anvil.json`) or a folder holding `<chainId>.json`. Default: `deployments/<chainId>.json`.
   */
  deployment: z.string().min(1).optional(),
  keystore: z
    .object({ path: z.string().min(1), passwordEnv: z.string().min(1).default("AXON_KEYSTORE_PASSWORD") })
    .optional(),
  models: z.array(modelSchema).min(1),
  confirmations: z.number().int().min(0).max(256).default(2),
  pollIntervalMs: z.number().int().positive().default(1000),
  /** Blocks re-scanned behind the cursor each poll, so a log an RPC missed once is picked up later. */
  overlapBlocks: z.number().int().min(0).default(4),
  maxBlockRange: z.number().int().positive().default(2000),
  rpcTimeoutMs: z.number().int().positive().default(10_000),
  batching: z
    .object({
      maxBatchSize: z.number().int().positive().default(64),
      maxWaitMs: z.number().int().nonnegative().default(50),
      maxTxItems: z.number().int().positive().default(100),
      maxTxWaitMs: z.number().int().nonnegative().default(100),
      maxInFlightTxs: z.number().int().positive().default(4),
    })
    .default({}),
  submitter: z
    .object({
      maxAttempts: z.number().int().positive().default(3),
      bumpAfterBlocks: z.number().int().positive().default(3),
      bumpPercent: z.number().positive().max(100).default(12.5),
      maxFeePerGasCapWei: uintString.transform((v) => BigInt(v)).default("500000000000"),
      priorityFeeWei: uintString.transform((v) => BigInt(v)).optional(),
      baseGas: z.number().int().positive().default(80_000),
      perItemGasOverhead: z.number().int().positive().default(70_000),
      maxGasPerTx: z.number().int().positive().default(15_000_000),
    })
    .default({}),
  /**
   * Backup node: requests of a configured model this node serves on chain but assigned to another node are
   * fulfilled by this node once chain time passes their `exclusiveUntil` plus `extraDelaySeconds` (after a
   * `canFulfil` check), so a dead node stalls nothing. Assigned requests always go first.
   */
  takeover: z
    .object({
      enabled: z.boolean().default(true),
      extraDelaySeconds: z.number().int().min(0).max(86_400).default(15),
    })
    .default({}),
  /** Optimistic mode: this node finalizes its own proposed results once their challenge window is over. */
  optimistic: z
    .object({
      finalize: z.boolean().default(true),
      /** Finalize transactions in flight at once (one request each: the oracle has no batch finalize). */
      maxFinalizesPerTick: z.number().int().positive().default(16),
    })
    .default({}),
  /** DePIN edge (issue 16): ISO-3166-1 alpha-2 region this node serves from, as registered in EdgeNodeRegistry. */
  region: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be an ISO-3166-1 alpha-2 code such as DE")
    .optional(),
  /** DePIN edge heartbeats: signed once per registry slot with the node key, served at http://host:port/heartbeats. */
  edge: z
    .object({
      enabled: z.boolean().default(false),
      /** Default: the deployment's contracts.EdgeNodeRegistry. */
      registry: address.optional(),
      port: z.number().int().min(0).max(65535).default(9465),
      host: z.string().default("127.0.0.1"),
    })
    .default({}),
  dbPath: z.string().min(1).default("axon-runner.db"),
  metricsPort: z.number().int().min(0).max(65535).default(9464),
  metricsHost: z.string().default("127.0.0.1"),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

export interface RunnerConfig extends Omit<ParsedConfig, "models" | "keystore" | "deployment"> {
  models: ModelSpec[];
  deployment: Deployment;
  deploymentPath: string;
  oracleAddress: string;
  registryAddress: string;
  /** First block to scan when the store has no cursor yet. */
  startBlock: number;
  /** EdgeNodeRegistry the heartbeats are signed for (set when `edge.enabled`). */
  edgeRegistryAddress: string | null;
  /** The node's signing key (never logged: pino redacts `nodeKey`). */
  nodeKey: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function formatIssues(err: z.ZodError, source: string): string {
  return err.issues.map((i) => `${source}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}

/** Validates a raw config object; throws a ConfigError whose message names every wrong field. */
export function parseConfig(raw: unknown, source = "config"): ParsedConfig {
  const res = configSchema.safeParse(raw);
  if (!res.success) throw new ConfigError(formatIssues(res.error, source));
  return res.data;
}

/** Loads the key from `AXON_NODE_KEY` or the encrypted keystore + password env. */
export async function loadNodeKey(parsed: ParsedConfig, env: NodeJS.ProcessEnv, baseDir: string): Promise<string> {
  if (env.AXON_NODE_KEY) {
    const key = env.AXON_NODE_KEY.startsWith("0x") ? env.AXON_NODE_KEY : `0x${env.AXON_NODE_KEY}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ConfigError("AXON_NODE_KEY: must be a 32-byte hex private key");
    return key;
  }
  if (!parsed.keystore) throw new ConfigError("nodeKey: set AXON_NODE_KEY or configure keystore.path + password env");
  const password = env[parsed.keystore.passwordEnv];
  if (password === undefined)
    throw new ConfigError(`keystore: env ${parsed.keystore.passwordEnv} (password) is not set`);
  const file = path.resolve(baseDir, parsed.keystore.path);
  let json: string;
  try {
    json = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`keystore.path: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return (await Wallet.fromEncryptedJson(json, password)).privateKey;
  } catch (e) {
    throw new ConfigError(`keystore: cannot decrypt ${file}: ${(e as Error).message}`);
  }
}

/**
 * The manifest file for `chainId`: `deployment` (relative to `baseDir`) when it names a file, `<deployment>/<chainId>.json`
 * when it names a folder, and `deployments/<chainId>.json` (the deploy script's output) when it is not set.
 */
export function deploymentFile(deployment: string | undefined, chainId: number, baseDir: string): string {
  const target = path.resolve(baseDir, deployment ?? "deployments");
  let isDir = deployment === undefined;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    // missing: loadDeployment reports it by name
  }
  return isDir ? path.join(target, `${chainId}.json`) : target;
}

export function loadDeployment(file: string, chainId: number): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`deployment: cannot read ${file}: ${(e as Error).message}`);
  }
  const res = deploymentSchema.safeParse(raw);
  if (!res.success) throw new ConfigError(formatIssues(res.error, `deployment ${file}`));
  if (res.data.chainId !== chainId)
    throw new ConfigError(`deployment: ${file} is for chain ${res.data.chainId}, config chainId is ${chainId}`);
  for (const name of ["AIOracle", "ModelRegistry"])
    if (!res.data.contracts[name]) throw new ConfigError(`deployment: ${file} has no contracts.${name}`);
  return res.data;
}

/** Builds the runtime config from a raw object (as read from the config file) and the environment. */
export async function resolveConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  baseDir = process.cwd(),
  source = "config",
): Promise<RunnerConfig> {
  const withEnv = { ...(raw as Record<string, unknown>) };
  if (env.AXON_RPC_URLS) withEnv.rpcUrls = env.AXON_RPC_URLS.split(",").map((s) => s.trim());
  if (env.AXON_DB_PATH) withEnv.dbPath = env.AXON_DB_PATH;
  if (env.AXON_METRICS_PORT) withEnv.metricsPort = Number(env.AXON_METRICS_PORT);
  const parsed = parseConfig(withEnv, source);
  const deploymentPath = deploymentFile(parsed.deployment, parsed.chainId, baseDir);
  const deployment = loadDeployment(deploymentPath, parsed.chainId);
  const nodeKey = await loadNodeKey(parsed, env, baseDir);
  const oracle = deployment.contracts.AIOracle;
  const { keystore, models, ...rest } = parsed;
  const edgeRegistry = parsed.edge.registry ?? deployment.contracts.EdgeNodeRegistry?.address ?? null;
  if (parsed.edge.enabled && !edgeRegistry)
    throw new ConfigError(
      "edge.registry: heartbeats are enabled but neither edge.registry nor the deployment names EdgeNodeRegistry",
    );
  return {
    ...rest,
    deployment,
    deploymentPath,
    oracleAddress: oracle.address,
    registryAddress: deployment.contracts.ModelRegistry.address,
    edgeRegistryAddress: edgeRegistry,
    startBlock: oracle.blockNumber,
    dbPath: path.resolve(baseDir, parsed.dbPath),
    nodeKey,
    models: models.map((m) => ({
      modelId: m.modelId,
      backend: m.backend,
      executionProvider: m.executionProvider,
      maxInputBytes: m.maxInputBytes,
      ...(m.path ? { path: path.resolve(baseDir, m.path) } : {}),
      ...(m.openai ? { openai: m.openai } : {}),
    })),
  };
}

/** Reads and resolves a JSON config file. */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<RunnerConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`config: cannot read ${file}: ${(e as Error).message}`);
  }
  return resolveConfig(raw, env, path.dirname(path.resolve(file)), file);
}
