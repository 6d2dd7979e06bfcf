import { expect } from "chai";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { DeploymentManifest } from "../../deploy/manifest";
import { type Anvil, hardhatCli, parseJsonOutput, portIsFree, startHardhatNode, tmpDeploymentsDir } from "./helpers";

// Hardhat's default accounts 0 (deployer and seller), 3 (buyer) and 4 (an outsider).
const SELLER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BUYER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const OUTSIDER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

// Child `hardhat` processes must not run on coverage's instrumented artifacts.
(process.env.SOLIDITY_COVERAGE === "true" ? describe.skip : describe)(
  "deployment and FHE tasks against a Hardhat node (--network localhost)",
  function () {
    let node: Anvil | undefined;
    let dir: string;
    let env: Record<string, string>;

    before(async function () {
      // The fhevm plugin serves the localhost network only on port 8545.
      if (!(await portIsFree(8545))) {
        console.warn("    (skipped: port 8545 is taken, and the fhevm plugin runs `hardhat node` only there)");
        this.skip();
      }
      node = await startHardhatNode();
      dir = tmpDeploymentsDir();
      env = { AXON_DEPLOYMENTS_DIR: dir };
    });

    after(async function () {
      await node?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const run = (args: string[]) => hardhatCli([...args, "--network", "localhost"], env);
    const task = async (args: string[]) => {
      const res = await run([...args, "--json"]);
      if (res.code !== 0) throw new Error(`${args[0]} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
      return parseJsonOutput(res.stdout);
    };

    it("deploys, lists a dataset with an FHE-encrypted key, and only the buyer decrypts it, across key rotation", async function () {
      const deployed = await run(["run", "deploy/index.ts"]);
      expect(deployed.code, deployed.stderr).to.equal(0);
      expect(deployed.stdout).to.match(/45 transaction\(s\) sent/);
      const manifest = JSON.parse(readFileSync(path.join(dir, "localhost.json"), "utf8")) as DeploymentManifest;
      const provider = new ethers.JsonRpcProvider(node!.url);
      expect(await provider.getCode(manifest.contracts.DataMarket.address)).to.not.equal("0x");

      const key = ethers.hexlify(ethers.randomBytes(32));
      const listed = await task(
        ["data:list", "--content", ethers.id("localhost-digits"), "--uri", "ipfs://d"].concat([
          "--price",
          "0.05",
          "--key",
          key,
        ]),
      );
      expect(listed).to.include({ datasetId: "1", seller: SELLER, key });

      const bought = await task(["data:buy", "--dataset", "1", "--from", BUYER]);
      expect(bought).to.include({ buyer: BUYER, hasAccess: true, paidWei: ethers.parseEther("0.05").toString() });

      // The buyer decrypts through the fhevm ACL (user decryption); an outsider is refused with a readable reason.
      const [decrypted, outsider] = await Promise.all([
        task(["data:decrypt-key", "--dataset", "1", "--from", BUYER]),
        run(["data:decrypt-key", "--dataset", "1", "--from", OUTSIDER]),
      ]);
      expect(decrypted).to.include({ buyer: BUYER, keyVersion: "1", key });
      expect(outsider.code).to.not.equal(0);
      expect(outsider.stdout + outsider.stderr).to.match(/has no access to dataset 1's current key/);

      const rotated = await task(["data:rotate-key", "--dataset", "1"]);
      expect(rotated.keyVersion).to.equal("2");
      expect(await task(["data:reclaim", "--dataset", "1", "--from", BUYER])).to.include({ hasAccess: true });
      const again = await task(["data:decrypt-key", "--dataset", "1", "--from", BUYER]);
      expect(again).to.include({ keyVersion: "2", key: rotated.key });
      expect(again.key).to.not.equal(key);

      const sellerBefore = await provider.getBalance(SELLER);
      const withdrawn = await task(["data:withdraw"]);
      expect(BigInt(withdrawn.withdrawn as string)).to.be.greaterThan(0n);
      expect(await provider.getBalance(SELLER)).to.be.greaterThan(sellerBefore);
      provider.destroy();
    });
  },
);
