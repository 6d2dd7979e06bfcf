import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { Wallet, encryptKeystoreJson } from "ethers";
import { ConfigError, loadConfigFile, parseConfig, resolveConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { tmpDir } from "../helpers/tmp";

const tmp = tmpDir();
after(() => tmp.cleanup());
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

const deployment = path.join(tmp.dir, "deployment.json");
writeFileSync(
  deployment,
  JSON.stringify({
    chainId: 31337,
    contracts: { AIOracle: { address: ORACLE, blockNumber: 5 }, ModelRegistry: { address: REGISTRY, blockNumber: 3 } },
  }),
);

function base(): Record<string, unknown> {
  return {
    rpcUrls: ["http://127.0.0.1:8545", "http://127.0.0.1:8546"],
    chainId: 31337,
    deployment,
    models: [{ modelId: "1", path: "model.onnx" }],
  };
}

describe("config", () => {
  it("enables takeover and optimistic finalization by default and names a wrong takeover delay", () => {
    const cfg = parseConfig(base());
    assert.deepEqual(cfg.takeover, { enabled: true, extraDelaySeconds: 15 });
    assert.deepEqual(cfg.optimistic, { finalize: true, maxFinalizesPerTick: 16 });
    assert.equal(parseConfig({ ...base(), takeover: { enabled: false } }).takeover.enabled, false);
    assert.throws(
      () => parseConfig({ ...base(), takeover: { extraDelaySeconds: -1 } }),
      (e: unknown) => e instanceof ConfigError && /takeover\.extraDelaySeconds/.test(e.message),
    );
  });

  it("fills defaults and resolves addresses and the start block from the deployment manifest", async () => {
    const cfg = await resolveConfig(base(), { AXON_NODE_KEY: KEY }, tmp.dir);
    assert.equal(cfg.oracleAddress, ORACLE);
    assert.equal(cfg.registryAddress, REGISTRY);
    assert.equal(cfg.startBlock, 5);
    assert.equal(cfg.confirmations, 2);
    assert.equal(cfg.batching.maxBatchSize, 64);
    assert.equal(cfg.models[0].modelId, 1n);
    assert.equal(cfg.models[0].executionProvider, "cpu");
    assert.equal(cfg.models[0].path, path.join(tmp.dir, "model.onnx"));
    assert.equal(cfg.nodeKey, KEY);
  });

  it("finds deployments/<chainId>.json when the manifest is not named, or in a named folder, and names a missing one", async () => {
    const { mkdirSync, readFileSync } = await import("node:fs");
    const dir = path.join(tmp.dir, "by-chain");
    mkdirSync(path.join(dir, "deployments"), { recursive: true });
    writeFileSync(path.join(dir, "deployments", "31337.json"), readFileSync(deployment));
    const { deployment: _omit, ...rest } = base();
    const byDefault = await resolveConfig(rest, { AXON_NODE_KEY: KEY }, dir);
    assert.equal(byDefault.deploymentPath, path.join(dir, "deployments", "31337.json"));
    assert.equal(byDefault.oracleAddress, ORACLE);
    const byFolder = await resolveConfig({ ...rest, deployment: "deployments" }, { AXON_NODE_KEY: KEY }, dir);
    assert.equal(byFolder.deploymentPath, path.join(dir, "deployments", "31337.json"));
    await assert.rejects(
      resolveConfig({ ...rest, chainId: 5 }, { AXON_NODE_KEY: KEY }, dir),
      (e: unknown) => e instanceof ConfigError && e.message.includes(path.join(dir, "deployments", "5.json")),
    );
  });

  for (const [field, value, needle] of [
    ["rpcUrls", ["not a url"], "rpcUrls.0"],
    ["rpcUrls", [], "rpcUrls"],
    ["chainId", -1, "chainId"],
    ["confirmations", 1000, "confirmations"],
    ["models", [{ modelId: "x", path: "m" }], "models.0.modelId"],
    ["models", [{ modelId: 1, backend: "onnx" }], "models.0.path"],
    ["models", [{ modelId: 1, path: "m", executionProvider: "tpu" }], "models.0.executionProvider"],
    ["metricsPort", 70000, "metricsPort"],
  ] as const) {
    it(`fails fast naming ${needle} when ${field} is wrong`, () => {
      assert.throws(
        () => parseConfig({ ...base(), [field]: value }),
        (e: unknown) => e instanceof ConfigError && e.message.includes(needle),
      );
    });
  }

  it("rejects a deployment manifest for another chain", async () => {
    await assert.rejects(
      resolveConfig({ ...base(), chainId: 1 }, { AXON_NODE_KEY: KEY }, tmp.dir),
      (e: unknown) => e instanceof ConfigError && /is for chain 31337/.test(e.message),
    );
  });

  it("requires a key and names the variable when none is configured", async () => {
    await assert.rejects(resolveConfig(base(), {}, tmp.dir), /AXON_NODE_KEY/);
    await assert.rejects(resolveConfig(base(), { AXON_NODE_KEY: "0x1234" }, tmp.dir), /AXON_NODE_KEY: must be/);
  });

  it("decrypts an encrypted JSON keystore with the password from the configured env", async () => {
    const wallet = new Wallet(KEY);
    const file = path.join(tmp.dir, "key.json");
    writeFileSync(file, await encryptKeystoreJson(wallet, "pw", { scrypt: { N: 16 } }));
    const raw = { ...base(), keystore: { path: "key.json", passwordEnv: "MY_PW" } };
    const cfg = await resolveConfig(raw, { MY_PW: "pw" }, tmp.dir);
    assert.equal(cfg.nodeKey, KEY);
    await assert.rejects(resolveConfig(raw, {}, tmp.dir), /MY_PW/);
    await assert.rejects(resolveConfig(raw, { MY_PW: "wrong" }, tmp.dir), /cannot decrypt/);
  });

  it("lets AXON_RPC_URLS override the file and reads a JSON config file", async () => {
    const file = path.join(tmp.dir, "runner.json");
    writeFileSync(file, JSON.stringify(base()));
    const cfg = await loadConfigFile(file, { AXON_NODE_KEY: KEY, AXON_RPC_URLS: "http://a:1, http://b:2" });
    assert.deepEqual(cfg.rpcUrls, ["http://a:1", "http://b:2"]);
  });

  it("never writes the node key to the logs", async () => {
    const cfg = await resolveConfig(base(), { AXON_NODE_KEY: KEY }, tmp.dir);
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = createLogger({ level: "info", destination: sink });
    log.info({ config: cfg }, "config");
    log.info({ nodeKey: KEY, password: "pw" }, "oops");
    assert.ok(out.includes("[redacted]"));
    assert.ok(!out.includes(KEY.slice(2)), "the key leaked into the logs");
    assert.ok(!out.includes('"pw"'));
  });
});
