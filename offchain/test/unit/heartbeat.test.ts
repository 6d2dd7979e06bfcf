import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Wallet, verifyTypedData } from "ethers";
import { ConfigError, parseConfig, resolveConfig } from "../../src/config";
import { HEARTBEAT_TYPES, HeartbeatLoop, collectHeartbeats, regionCheck, slotAt } from "../../src/heartbeat";
import { tmpDir } from "../helpers/tmp";

const tmp = tmpDir();
after(() => tmp.cleanup());
const REGISTRY = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const TIMING = { genesis: 1_000, epochSeconds: 3600, slotSeconds: 600 };
const DOMAIN = { name: "Axon EdgeNodeRegistry", version: "1", chainId: 31337, verifyingContract: REGISTRY };

function loop(now: { t: number }, keepEpochs?: number) {
  const wallet = Wallet.createRandom();
  const node = Wallet.createRandom().address;
  const hb = new HeartbeatLoop({
    wallet: new Wallet(wallet.privateKey),
    node,
    chainId: 31337,
    registry: REGISTRY,
    timing: TIMING,
    region: "DE",
    now: () => now.t,
    keepEpochs,
  });
  return { hb, wallet, node };
}

describe("edge heartbeats", () => {
  it("maps time to epoch and slot, and nothing before genesis", () => {
    assert.equal(slotAt(999, TIMING), null);
    assert.deepEqual(slotAt(1_000, TIMING), { epoch: 0, slot: 0 });
    assert.deepEqual(slotAt(1_000 + 3600 + 1_250, TIMING), { epoch: 1, slot: 2 });
    assert.deepEqual(slotAt(1_000 + 7199, TIMING), { epoch: 1, slot: 5 });
  });

  it("signs one EIP-712 heartbeat per slot that recovers to the device key", async () => {
    const now = { t: 1_000 + 3600 + 10 };
    const { hb, wallet, node } = loop(now);
    assert.deepEqual(await hb.tick(), { epoch: 1, slot: 0 });
    assert.equal(await hb.tick(), null, "the same slot is not signed twice");
    now.t += 1_200;
    assert.deepEqual(await hb.tick(), { epoch: 1, slot: 2 });
    const beats = hb.heartbeats(1);
    assert.deepEqual(
      beats.map((b) => b.slot),
      [0, 2],
      "a slot the loop was not alive for stays missing",
    );
    for (const b of beats)
      assert.equal(
        verifyTypedData(DOMAIN, HEARTBEAT_TYPES, { node, epoch: 1, slot: b.slot }, b.signature),
        wallet.address,
      );
    const st = hb.state();
    assert.equal(st.signed, 2);
    assert.equal(st.region, "DE");
    assert.equal(st.lastSlot, 2);
  });

  it("keeps only the last epochs", async () => {
    const now = { t: 1_000 };
    const { hb } = loop(now, 2);
    for (let e = 0; e < 4; e++) {
      await hb.tick();
      now.t += 3600;
    }
    assert.deepEqual(hb.heartbeats(0), []);
    assert.equal(hb.heartbeats(3).length, 1);
  });

  it("serves its state and an epoch's heartbeats over HTTP", async () => {
    const now = { t: 1_000 + 5 };
    const { hb, node } = loop(now);
    hb.start(60_000);
    const port = await hb.listen(0);
    try {
      await hb.tick();
      const base = `http://127.0.0.1:${port}`;
      const st = (await (await fetch(`${base}/heartbeats`)).json()) as { running: boolean; node: string };
      assert.equal(st.running, true);
      assert.equal(st.node, node);
      assert.equal((await collectHeartbeats(base, 0)).length, 1);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      await assert.rejects(collectHeartbeats(`${base}/nope`, 0), /HTTP 404/);
    } finally {
      await hb.stop();
    }
    assert.equal(hb.state().running, false);
  });

  it("counts signing errors instead of throwing", async () => {
    const hb = new HeartbeatLoop({
      wallet: new Wallet(Wallet.createRandom().privateKey),
      node: "not an address",
      chainId: 31337,
      registry: REGISTRY,
      timing: TIMING,
      now: () => 2_000,
    });
    assert.equal(await hb.tick(), null);
    assert.equal(hb.state().errors, 1);
    assert.ok(hb.state().lastError);
  });
});

describe("edge config", () => {
  const deployment = path.join(tmp.dir, "deployment.json");
  writeFileSync(
    deployment,
    JSON.stringify({
      chainId: 31337,
      contracts: {
        AIOracle: { address: REGISTRY, blockNumber: 1 },
        ModelRegistry: { address: REGISTRY, blockNumber: 1 },
      },
    }),
  );
  const base = {
    rpcUrls: ["http://127.0.0.1:8545"],
    chainId: 31337,
    deployment,
    models: [{ modelId: 1, path: "m.onnx" }],
  };
  const env = { AXON_NODE_KEY: Wallet.createRandom().privateKey };

  it("takes an ISO-3166 region and rejects anything else by name", () => {
    assert.equal(parseConfig({ ...base, region: "DE" }).region, "DE");
    assert.throws(
      () => parseConfig({ ...base, region: "de" }),
      (e: Error) => e instanceof ConfigError && /region/.test(e.message),
    );
    assert.equal(parseConfig(base).edge.enabled, false);
  });

  it("needs a registry address when heartbeats are on", async () => {
    await assert.rejects(resolveConfig({ ...base, edge: { enabled: true } }, env, tmp.dir), /edge\.registry/);
    const cfg = await resolveConfig({ ...base, edge: { enabled: true, registry: REGISTRY } }, env, tmp.dir);
    assert.equal(cfg.edgeRegistryAddress, REGISTRY);
  });
});

describe("edge region check (doctor)", () => {
  it("passes when the config names the region the active device is registered in", () => {
    const r = regionCheck("DE", { active: true, region: "DE" });
    assert.equal(r.ok, true);
    assert.match(r.detail, /registered in DE: requests routed to DE are assigned here/);
  });

  it("fails, naming both, when the config and the registration disagree", () => {
    const r = regionCheck("DE", { active: true, region: "US" });
    assert.equal(r.ok, false);
    assert.match(r.detail, /config says DE but the device is registered in US/);
  });

  it("fails for a configured region without an active device, and only informs without one", () => {
    const missing = regionCheck("DE", { active: false, region: "" });
    assert.equal(missing.ok, false);
    assert.match(missing.detail, /no active device registration.*edge:register --region DE/);
    assert.equal(regionCheck(null, { active: false, region: "" }).ok, true);
    const unset = regionCheck(null, { active: true, region: "JP" });
    assert.equal(unset.ok, true);
    assert.match(unset.detail, /set "region": "JP"/);
  });
});
