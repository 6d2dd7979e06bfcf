import { expect } from "chai";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { PROXIES } from "../../deploy/axon";
import type { DeploymentManifest } from "../../deploy/manifest";
import { type Anvil, hardhatCli, parseJsonOutput, startAnvil, tmpDeploymentsDir } from "./helpers";

// Anvil's (and Hardhat's) default accounts 1 and 2.
const NODE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PROVIDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

// Child `hardhat` processes must not run on coverage's instrumented artifacts (nor could they add to its measurements).
(process.env.SOLIDITY_COVERAGE === "true" ? describe.skip : describe)(
  "deployment and tasks against an anvil node",
  function () {
    let anvil: Anvil;
    let dir: string;
    let env: Record<string, string>;

    before(async function () {
      anvil = await startAnvil();
      dir = tmpDeploymentsDir();
      env = { ANVIL_RPC_URL: anvil.url, AXON_DEPLOYMENTS_DIR: dir };
    });

    after(async function () {
      await anvil?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const task = async (args: string[]) => {
      const res = await hardhatCli([...args, "--network", "anvil", "--json"], env);
      if (res.code !== 0) throw new Error(`${args[0]} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
      return parseJsonOutput(res.stdout);
    };

    it("deploys with `hardhat run deploy/index.ts --network anvil`, re-runs as a no-op, and runs tasks as child processes", async function () {
      const first = await hardhatCli(["run", "deploy/index.ts", "--network", "anvil"], env);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.match(/45 transaction\(s\) sent/);
      const manifest = JSON.parse(readFileSync(path.join(dir, "anvil.json"), "utf8")) as DeploymentManifest;
      const provider = new ethers.JsonRpcProvider(anvil.url);
      for (const name of PROXIES)
        expect(await provider.getCode(manifest.contracts[name].address), name).to.not.equal("0x");
      const staking = new ethers.Contract(
        manifest.contracts.OperatorStaking.address,
        ["function isModule(bytes32,address) view returns (bool)"],
        provider,
      );
      expect(await staking.isModule(ethers.id("axon.service.oracle"), manifest.contracts.AIOracle.address)).to.equal(
        true,
      );
      expect(
        await staking.isModule(ethers.id("axon.service.compute"), manifest.contracts.ComputeEscrow.address),
      ).to.equal(true);
      provider.destroy();

      // Independent signers, so these child processes can run side by side (a Hardhat start-up costs seconds).
      const [again, staked, computeStaked, invalid] = await Promise.all([
        hardhatCli(["run", "deploy/index.ts", "--network", "anvil"], env),
        task(["operator:stake", "--service", "oracle", "--amount", "2", "--from", NODE]),
        task(["operator:stake", "--service", "compute", "--amount", "5", "--from", PROVIDER]),
        hardhatCli(["imo:buy", "--model", "0", "--tokens", "1", "--network", "anvil"], env),
      ]);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/ 0 transaction\(s\) sent/);
      expect(JSON.parse(readFileSync(path.join(dir, "anvil.json"), "utf8"))).to.deep.equal(manifest);
      expect([staked.active, computeStaked.active]).to.deep.equal([true, true]);
      expect(invalid.code).to.not.equal(0);
      expect(invalid.stderr + invalid.stdout).to.match(/--model must be a positive id \(got 0\)/);

      const model = await task([
        "model:register",
        "--file",
        "offchain/models/mnist-mlp.onnx",
        "--uri",
        "ipfs://mnist",
        "--fee",
        "0.001",
        "--node",
        NODE,
      ]);
      expect(model.modelId).to.equal("1");
      const [request, offer] = await Promise.all([
        task(["oracle:request", "--model", "1", "--input", "0x" + "00".repeat(784)]),
        task([
          "compute:offer",
          "--gpu",
          "H100SXM",
          "--gpus",
          "8",
          "--memory",
          "80",
          "--price",
          "0.001",
          "--from",
          PROVIDER,
        ]),
      ]);
      expect(request.nodes).to.deep.equal([NODE]);
      expect(request.requestId).to.equal("1");
      expect(offer.provider).to.equal(PROVIDER);
    });

    it("refuses to deploy to sepolia before sending anything when its variables or its node are wrong", async function () {
      const sepolia = (vars: Record<string, string>) =>
        // --no-compile: a Sepolia compile rewrites the fhevm plugin's per-network config and would recompile the
        // artifacts that the rest of this suite uses against the mock coprocessor.
        hardhatCli(["run", "--no-compile", "deploy/index.ts", "--network", "sepolia"], {
          AXON_DEPLOYMENTS_DIR: dir,
          SEPOLIA_RPC_URL: "",
          SEPOLIA_PRIVATE_KEY: "",
          SEPOLIA_MNEMONIC: "",
          ...vars,
        });
      const key = ethers.Wallet.createRandom().privateKey;
      const [noUrl, noKey, wrongChain] = await Promise.all([
        sepolia({}),
        sepolia({ SEPOLIA_RPC_URL: anvil.url }),
        // anvil serves chain 31337, not Sepolia's 11155111
        sepolia({ SEPOLIA_RPC_URL: anvil.url, SEPOLIA_PRIVATE_KEY: key }),
      ]);
      const said = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
      expect(noUrl.code).to.not.equal(0);
      expect(said(noUrl)).to.match(/SEPOLIA_RPC_URL is not set/);
      expect(noKey.code).to.not.equal(0);
      expect(said(noKey)).to.match(/set SEPOLIA_PRIVATE_KEY or SEPOLIA_MNEMONIC/);
      expect(wrongChain.code).to.not.equal(0);
      expect(said(wrongChain)).to.match(/expects chain id 11155111, but its RPC endpoint serves chain 31337/);
      expect(existsSync(path.join(dir, "sepolia.json"))).to.equal(false);
    });
  },
);
