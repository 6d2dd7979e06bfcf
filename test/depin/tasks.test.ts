import { expect } from "chai";
import { rmSync } from "node:fs";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployAxon, type AxonDeployment } from "../../deploy/axon";
import { HeartbeatLoop, readDevice, regionCheck } from "../../offchain/src/heartbeat";
import { runTaskJson, tmpDeploymentsDir } from "../deploy/helpers";

describe("edge tasks: register, heartbeat-report, claim, status", function () {
  let dir: string;
  let d: AxonDeployment;
  const savedDir = process.env.AXON_DEPLOYMENTS_DIR;
  const loops: HeartbeatLoop[] = [];

  before(async function () {
    dir = tmpDeploymentsDir();
    process.env.AXON_DEPLOYMENTS_DIR = dir;
    d = await deployAxon(hre);
  });

  after(async function () {
    for (const l of loops) await l.stop();
    if (savedDir === undefined) delete process.env.AXON_DEPLOYMENTS_DIR;
    else process.env.AXON_DEPLOYMENTS_DIR = savedDir;
    rmSync(dir, { recursive: true, force: true });
  });

  it("registers two nodes, reports their collected heartbeats and pays the claim", async function () {
    const [admin, a, b] = await ethers.getSigners();
    const edge = d.edge;
    const cfg = await edge.config();
    const timing = {
      genesis: Number(await edge.epochStart(0)),
      epochSeconds: Number(cfg.epochSeconds),
      slotSeconds: Number(cfg.slotSeconds),
    };
    const urls: string[] = [];
    for (const [s, region] of [
      [a, "DE"],
      [b, "US"],
    ] as const) {
      await runTaskJson("operator:stake", { service: "edge", amount: "0.5", from: s.address });
      const reg = await runTaskJson("edge:register", {
        region,
        models: "1",
        uri: "https://x/node.json",
        from: s.address,
      });
      expect(reg.signer).to.equal(s.address);
      const loop = new HeartbeatLoop({
        wallet: s,
        node: s.address,
        chainId: 31337,
        registry: await edge.getAddress(),
        timing,
        now: async () => (await ethers.provider.getBlock("latest"))!.timestamp,
      });
      loops.push(loop);
      urls.push(`http://127.0.0.1:${await loop.listen(0)}`);
    }
    await expect(runTaskJson("edge:register", { region: "de", from: a.address })).to.be.rejectedWith(/--region/);
    // The runner's doctor reads the registration routing assigns by (offchain/src/heartbeat.ts readDevice).
    const device = await readDevice(ethers.provider, await edge.getAddress(), b.address);
    expect(device).to.deep.equal({ active: true, region: "US" });
    expect(regionCheck("DE", device).ok).to.equal(false);
    expect(await readDevice(ethers.provider, await edge.getAddress(), admin.address)).to.deep.equal({
      active: false,
      region: "",
    });
    const epoch = Number(await edge.currentEpoch()) + 1;
    for (let slot = 0; slot < 3; slot++) {
      await time.increaseTo(timing.genesis + epoch * timing.epochSeconds + slot * timing.slotSeconds + 1);
      await loops[0].tick();
      if (slot === 0) await loops[1].tick();
    }
    await time.increaseTo(timing.genesis + (epoch + 1) * timing.epochSeconds + 1);
    await edge.connect(admin).fund(ethers.parseEther("1"), { value: ethers.parseEther("1") });
    const out = path.join(dir, "report.json");
    const posted = await runTaskJson("edge:heartbeat-report", {
      epoch: String(epoch),
      nodes: urls.join(","),
      out,
      from: a.address,
    });
    expect(posted.total).to.equal(4);
    await time.increase(Number(cfg.challengeWindowSeconds) + 1);
    const before = await ethers.provider.getBalance(b.address);
    await runTaskJson("edge:claim", { epoch: String(epoch), report: out, from: b.address });
    expect(await ethers.provider.getBalance(b.address)).to.be.greaterThan(before);
    const status = await runTaskJson("edge:status", { node: b.address, epoch: String(epoch) });
    expect((status.report as { status: string }).status).to.equal("finalized");
    expect((status.node as { region: string; claimed: boolean }).region).to.equal("US");
    expect((status.node as { claimed: boolean }).claimed).to.equal(true);
  });

  it("oracle:request --region routes to the region's node, reports a fallback, and rejects a bad code", async function () {
    // a is the DE device and b the US device registered above; both also serve an oracle model.
    const [, a, b] = await ethers.getSigners();
    for (const s of [a, b]) await runTaskJson("operator:stake", { service: "oracle", amount: "1", from: s.address });
    const model = await runTaskJson("model:register", { hash: ethers.id("routed-model"), uri: "ipfs://r", fee: "0" });
    const modelId = String(model.modelId);
    for (const s of [a, b]) await runTaskJson("model:update", { model: modelId, addNode: s.address });
    for (const [region, node] of [
      ["DE", a.address],
      ["US", b.address],
    ] as const) {
      const out = await runTaskJson("oracle:request", { model: modelId, input: "hi", region });
      expect(out.nodes).to.deep.equal([node]);
      expect(out.region).to.equal(region);
      expect(out.regionMatched).to.equal(true);
    }
    const fallback = await runTaskJson("oracle:request", { model: modelId, input: "hi", region: "JP" });
    expect(fallback.regionMatched).to.equal(false);
    expect([a.address, b.address]).to.include((fallback.nodes as string[])[0]);
    const plain = await runTaskJson("oracle:request", { model: modelId, input: "hi" });
    expect(plain).not.to.have.property("regionMatched");
    await expect(runTaskJson("oracle:request", { model: modelId, input: "hi", region: "Deu" })).to.be.rejectedWith(
      /--region/,
    );
  });
});
