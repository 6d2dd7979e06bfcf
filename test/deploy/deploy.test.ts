import { expect } from "chai";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre, { ethers, upgrades } from "hardhat";
import { type AxonDeployment, deployAxon, PROXIES } from "../../deploy/axon";
import { manifestPath, type DeploymentManifest } from "../../deploy/manifest";
import { upgradeAxon } from "../../deploy/upgrades";
import { fheCatchUp } from "../helpers/fhevm";
import { HOT_SLOT, slot, toLegacyLayout } from "../oracle/hotSlot";
import { runTaskJson, tmpDeploymentsDir } from "./helpers";

const ORACLE_SERVICE = ethers.id("axon.service.oracle");
const COMPUTE_SERVICE = ethers.id("axon.service.compute");
const MODEL_FILE = path.join(__dirname, "..", "..", "offchain", "models", "mnist-mlp.onnx");

describe("deployAxon on the Hardhat network", function () {
  let dir: string;
  let d: AxonDeployment;
  const savedDir = process.env.AXON_DEPLOYMENTS_DIR;

  before(async function () {
    dir = tmpDeploymentsDir();
    process.env.AXON_DEPLOYMENTS_DIR = dir;
    d = await deployAxon(hre);
  });

  after(function () {
    if (savedDir === undefined) delete process.env.AXON_DEPLOYMENTS_DIR;
    else process.env.AXON_DEPLOYMENTS_DIR = savedDir;
    rmSync(dir, { recursive: true, force: true });
  });

  const readBack = () =>
    JSON.parse(readFileSync(manifestPath(hre.config.paths.root, "hardhat"), "utf8")) as DeploymentManifest;

  it("deploys every core contract behind a UUPS proxy and records it in deployments/hardhat.json", async function () {
    const file = manifestPath(hre.config.paths.root, "hardhat");
    expect(file.startsWith(dir)).to.equal(true);
    expect(existsSync(file)).to.equal(true);
    const manifest = readBack();
    expect(manifest.chainId).to.equal(31337);
    for (const name of PROXIES) {
      const entry = manifest.contracts[name];
      expect(entry, name).to.not.equal(undefined);
      expect(entry.artifact).to.equal(name);
      expect(entry.blockNumber).to.be.greaterThan(0);
      expect(await upgrades.erc1967.getImplementationAddress(entry.address)).to.equal(entry.implementation);
      expect(await ethers.provider.getCode(entry.address)).to.not.equal("0x");
    }
    for (const name of ["ModelTokenImplementation", "LabelingBountiesExporter", "AIOracleLogic", "ComputeEscrowLib"])
      expect(await ethers.provider.getCode(manifest.contracts[name].address), name).to.not.equal("0x");
    expect(manifest.contracts.AIOracle.libraries).to.deep.equal({
      AIOracleLogic: manifest.contracts.AIOracleLogic.address,
    });
  });

  it("wires staking modules, revenue and lister roles, the exporter and the ETH/USD feed", async function () {
    const { staking, registry, oracle, offering, market, bounties, exporter, escrow, scoring, treasury } = d;
    const [admin] = await ethers.getSigners();
    const addr = async (c: { getAddress(): Promise<string> }) => c.getAddress();
    expect(await staking.isModule(ORACLE_SERVICE, await addr(oracle))).to.equal(true);
    expect(await staking.isModule(COMPUTE_SERVICE, await addr(escrow))).to.equal(true);
    expect(await staking.isModule(ORACLE_SERVICE, await addr(escrow))).to.equal(false);
    // The oracle's hot-path cache is fed by the registry and the staking contract (issue 13).
    expect(await registry.oracle()).to.equal(await addr(oracle));
    expect(await staking.statusListener(ORACLE_SERVICE)).to.equal(await addr(oracle));
    // Edge rewards for served work read the oracle's own record (issue 16).
    expect((await d.edge.wiring()).servedSource).to.equal(await addr(oracle));
    for (const [service, min] of [
      [ORACLE_SERVICE, 10n ** 18n],
      [COMPUTE_SERVICE, 2n * 10n ** 18n],
    ] as const) {
      const cfg = await staking.serviceConfig(service);
      expect([cfg.enabled, cfg.minStakeWei]).to.deep.equal([true, min]);
    }
    expect(await registry.hasRole(await registry.REVENUE_MANAGER_ROLE(), await addr(offering))).to.equal(true);
    expect(await market.hasRole(await market.LISTER_ROLE(), await addr(exporter))).to.equal(true);
    expect(await bounties.exporter()).to.equal(await addr(exporter));
    expect(await bounties.treasury()).to.equal(await addr(treasury));
    expect(await exporter.bounties()).to.equal(await addr(bounties));
    expect(await exporter.market()).to.equal(await addr(market));
    // Data provenance (issue 17): the recorder and the campaigns list on behalf of their sellers.
    for (const c of [d.provenance, d.campaigns])
      expect(await market.hasRole(await market.LISTER_ROLE(), await addr(c))).to.equal(true);
    expect(await d.provenance.oracle()).to.equal(await addr(oracle));
    expect((await escrow.feedConfig()).feed).to.equal(d.feed);
    expect(await escrow.staking()).to.equal(await addr(staking));
    expect(await escrow.treasury()).to.equal(await addr(treasury));
    expect(await escrow.hasRole(await escrow.ARBITER_ROLE(), admin.address)).to.equal(true);
    expect(await oracle.hasRole(await oracle.ARBITER_ROLE(), admin.address)).to.equal(true);
    expect(await oracle.registry()).to.equal(await addr(registry));
    expect(await oracle.treasury()).to.equal(await addr(treasury));
    expect(await offering.tokenImplementation()).to.equal(readBack().contracts.ModelTokenImplementation.address);
    for (const c of [treasury, staking, registry, oracle, offering, market, bounties, escrow, scoring])
      expect(await c.hasRole(ethers.ZeroHash, admin.address)).to.equal(true);
  });

  it("sends no transaction when re-run against its manifest", async function () {
    const before = await ethers.provider.getBlockNumber();
    const again = await deployAxon(hre);
    expect(again.transactions).to.equal(0);
    expect(await ethers.provider.getBlockNumber()).to.equal(before);
    expect(again.manifest.contracts).to.deep.equal(d.manifest.contracts);
  });

  it("re-applies only the wiring that drifted, and redeploys a contract missing on-chain", async function () {
    await d.market.revokeRole(await d.market.LISTER_ROLE(), await d.exporter.getAddress());
    const fixed = await deployAxon(hre);
    expect(fixed.transactions).to.equal(1);
    expect(await d.market.hasRole(await d.market.LISTER_ROLE(), await d.exporter.getAddress())).to.equal(true);

    const manifest = readBack();
    const stale = manifest.contracts.PrivateScoring.address;
    manifest.contracts.PrivateScoring.address = ethers.Wallet.createRandom().address;
    writeFileSync(manifestPath(hre.config.paths.root, "hardhat"), JSON.stringify(manifest));
    const redeployed = await deployAxon(hre);
    expect(redeployed.transactions).to.equal(2);
    expect(redeployed.manifest.contracts.PrivateScoring.address).to.not.equal(stale);
    expect(await redeployed.scoring.hasRole(ethers.ZeroHash, (await ethers.getSigners())[0].address)).to.equal(true);
    d = redeployed;
  });

  describe("tasks against the deployment", function () {
    it("stakes, registers the bundled model by its file hash, and requests an inference", async function () {
      const [, node] = await ethers.getSigners();
      const staked = await runTaskJson("operator:stake", { service: "oracle", amount: "2", from: node.address });
      expect(staked.active).to.equal(true);
      const model = await runTaskJson("model:register", {
        file: MODEL_FILE,
        uri: "ipfs://mnist",
        fee: "0.001",
        node: node.address,
      });
      expect(model.weightsHash).to.equal(ethers.keccak256(readFileSync(MODEL_FILE)));
      expect(model.nodes).to.deep.equal([node.address]);
      const req = await runTaskJson("oracle:request", { model: String(model.modelId), input: "0x" + "00".repeat(784) });
      const status = await runTaskJson("oracle:status", { request: String(req.requestId) });
      expect(status.state).to.equal("pending");
      expect(status.nodes).to.deep.equal([node.address]);
    });

    it("launches and buys into an IMO", async function () {
      const model = await runTaskJson("model:register", { hash: ethers.id("imo model"), uri: "ipfs://m", fee: "0" });
      const launched = await runTaskJson("imo:launch", {
        model: String(model.modelId),
        name: "Model",
        symbol: "MDL",
        supply: "1000",
        price: "0.001",
        hardCap: "500",
        softCap: "100",
      });
      expect(ethers.isAddress(launched.token)).to.equal(true);
      const [, , investor] = await ethers.getSigners();
      const bought = await runTaskJson("imo:buy", {
        model: String(model.modelId),
        tokens: "100",
        from: investor.address,
      });
      expect(bought.totalTokens).to.equal(ethers.parseEther("100").toString());
    });

    it("lists a dataset with an encrypted key that only the buyer decrypts", async function () {
      await fheCatchUp();
      const [, , , seller, buyer] = await ethers.getSigners();
      const key = ethers.toBeHex(0xc0ffeen, 32);
      const listed = await runTaskJson("data:list", {
        content: ethers.id("dataset"),
        uri: "ipfs://d",
        price: "0.1",
        key,
        from: seller.address,
      });
      await runTaskJson("data:buy", { dataset: String(listed.datasetId), from: buyer.address });
      const decrypted = await runTaskJson("data:decrypt-key", {
        dataset: String(listed.datasetId),
        from: buyer.address,
      });
      expect(decrypted.key).to.equal(key);
    });

    it("creates a bounty and runs a compute job to submission", async function () {
      const items = path.join(dir, "items.json");
      writeFileSync(items, JSON.stringify(["img-0", "img-1", "img-2"]));
      const created = await runTaskJson("bounty:create", { items, reward: "0.01" });
      expect(created.fundedWei).to.equal(ethers.parseEther("0.09").toString());
      const [, , , , , provider, requester] = await ethers.getSigners();
      await runTaskJson("operator:stake", { service: "compute", amount: "5", from: provider.address });
      await runTaskJson("compute:offer", {
        gpu: "H100SXM",
        gpus: "8",
        memory: "80",
        price: "0.001",
        from: provider.address,
      });
      const posted = await runTaskJson("compute:post", { spec: "oci://job", payment: "0.2", from: requester.address });
      const claimed = await runTaskJson("compute:claim", { job: String(posted.jobId), from: provider.address });
      expect(claimed.status).to.equal("running");
      const submitted = await runTaskJson("compute:submit", {
        job: String(posted.jobId),
        uri: "ipfs://out",
        from: provider.address,
      });
      expect(submitted.status).to.equal("submitted");
    });

    it("rejects invalid parameters with a message naming the parameter", async function () {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ["model:register", { hash: "0x12", uri: "u", fee: "0" }, /--hash must be a 0x-prefixed 32-byte hex/],
        ["operator:stake", { service: "gpu", amount: "1" }, /--service must be "oracle" or "compute"/],
        ["oracle:request", { model: "999", input: "0x00" }, /--model 999 is not registered/],
        ["compute:post", { spec: "s", payment: "abc" }, /--payment must be an ETH amount/],
        // Data provenance (issue 17).
        ["data:synthesize", { model: "1", price: "0.01", royalty: "100" }, /--royalty must be/],
        ["data:verify-provenance", { dataset: "1" }, /dataset 1 was not listed through SyntheticProvenance/],
      ];
      for (const [name, args, message] of cases) {
        let error: Error | undefined;
        try {
          await runTaskJson(name, args);
        } catch (e) {
          error = e as Error;
        }
        expect(error?.message, name).to.match(message);
      }
    });
  });

  describe("upgrade", function () {
    it("validates and upgrades every proxy (two to V2 mocks, the rest in place), keeping their state", async function () {
      const [, node] = await ethers.getSigners();
      const stakeBefore = await d.staking.stakeOf(node.address, ORACLE_SERVICE);
      const modelsBefore = await d.registry.modelCount();
      const results = await upgradeAxon(hre, {
        implementations: {
          Treasury: "TreasuryV2Mock",
          OperatorStaking: "OperatorStakingV2Mock",
        },
      });
      expect(results.map((r) => r.name)).to.deep.equal([...PROXIES]);
      for (const r of results) {
        expect(await upgrades.erc1967.getImplementationAddress(readBack().contracts[r.name].address)).to.equal(r.to);
        expect(r.changed, r.name).to.equal(["Treasury", "OperatorStaking"].includes(r.name));
      }
      const v2 = await ethers.getContractAt("OperatorStakingV2Mock", await d.staking.getAddress());
      expect(await v2.version()).to.equal(2n);
      expect(await v2.stakeOf(node.address, ORACLE_SERVICE)).to.deep.equal(stakeBefore);
      expect(await d.registry.modelCount()).to.equal(modelsBefore);
      expect(await d.staking.isModule(ORACLE_SERVICE, await d.oracle.getAddress())).to.equal(true);
      expect(readBack().contracts.OperatorStaking.artifact).to.equal("OperatorStakingV2Mock");
      expect(readBack().contracts.ComputeEscrow.libraries).to.deep.equal(d.manifest.contracts.ComputeEscrow.libraries);
    });

    it("migrates an oracle coming from the layout before the hot slot within the upgrade, once", async function () {
      const hot = await toLegacyLayout(d.oracle);
      expect(await d.oracle.paused()).to.equal(true);
      const lines: string[] = [];
      const [result] = await upgradeAxon(hre, {
        only: ["AIOracle"],
        implementations: { AIOracle: "AIOracleV2Mock" },
        log: (l) => lines.push(l),
      });
      expect(result.changed).to.equal(true);
      expect(lines.join("\n")).to.match(/AIOracle: the upgrade calls migrateHotSlot\(\)/);
      expect(await slot(d.oracle, HOT_SLOT)).to.equal(hot);
      expect(await d.oracle.paused()).to.equal(false);
      const again: string[] = [];
      await upgradeAxon(hre, { only: ["AIOracle"], log: (l) => again.push(l) });
      expect(again.join("\n")).to.not.match(/migrateHotSlot/);
      expect(await slot(d.oracle, HOT_SLOT)).to.equal(hot);
    });

    it("refuses a name that is not an Axon proxy", async function () {
      let error: Error | undefined;
      try {
        await upgradeAxon(hre, { only: ["Nope"] });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).to.match(/Nope is not an Axon proxy/);
    });
  });
});
