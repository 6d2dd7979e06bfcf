import { expect } from "chai";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { type DeploymentManifest, manifestPath, readManifest, writeManifest } from "../../deploy/manifest";
import { tmpDeploymentsDir } from "./helpers";

// Issue #20, point 5: manifests are keyed by chain id, with the network name as an alias.
describe("deployment manifests keyed by chain id", function () {
  let dir: string;
  let saved: string | undefined;
  const manifest = (network: string, chainId: number, address: string): DeploymentManifest => ({
    network,
    chainId,
    deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    contracts: { AIOracle: { address, artifact: "AIOracle", blockNumber: 1 } },
  });

  beforeEach(function () {
    saved = process.env.AXON_DEPLOYMENTS_DIR;
    dir = tmpDeploymentsDir();
    process.env.AXON_DEPLOYMENTS_DIR = dir;
  });

  afterEach(function () {
    if (saved === undefined) delete process.env.AXON_DEPLOYMENTS_DIR;
    else process.env.AXON_DEPLOYMENTS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes deployments/<chainId>.json and the alias <network>.json with the same content", function () {
    const m = manifest("sepolia", 11155111, "0x0000000000000000000000000000000000000001");
    expect(writeManifest("/unused", m)).to.equal(path.join(dir, "11155111.json"));
    expect(JSON.parse(readFileSync(path.join(dir, "11155111.json"), "utf8"))).to.deep.equal(m);
    expect(readFileSync(path.join(dir, "sepolia.json"), "utf8")).to.equal(
      readFileSync(path.join(dir, "11155111.json"), "utf8"),
    );
    expect(readManifest("/unused", "sepolia", 11155111)).to.deep.equal(m);
    expect(manifestPath("/unused", 11155111)).to.equal(path.join(dir, "11155111.json"));
  });

  it("keeps the in-process hardhat network under its name only, so it never shadows a node on 31337", function () {
    const anvil = manifest("anvil", 31337, "0x0000000000000000000000000000000000000002");
    writeManifest("/unused", anvil);
    const inProcess = manifest("hardhat", 31337, "0x0000000000000000000000000000000000000003");
    expect(writeManifest("/unused", inProcess)).to.equal(path.join(dir, "hardhat.json"));
    expect(readManifest("/unused", "anvil", 31337)).to.deep.equal(anvil);
    expect(readManifest("/unused", "hardhat", 31337)).to.deep.equal(inProcess);
  });

  it("reads a network's own alias when the chain-id file was written from another network on the same chain id", function () {
    const anvil = manifest("anvil", 31337, "0x0000000000000000000000000000000000000002");
    const node = manifest("localhost", 31337, "0x0000000000000000000000000000000000000004");
    writeManifest("/unused", anvil);
    writeManifest("/unused", node);
    expect(readManifest("/unused", "localhost", 31337)).to.deep.equal(node);
    expect(readManifest("/unused", "anvil", 31337)).to.deep.equal(anvil);
    // A network with no alias of its own reads the chain id's manifest (e.g. a renamed network).
    expect(readManifest("/unused", "my-anvil", 31337)).to.deep.equal(node);
    // An old manifest with only a network-name file is still found.
    rmSync(path.join(dir, "31337.json"));
    expect(readManifest("/unused", "anvil", 31337)).to.deep.equal(anvil);
    expect(readManifest("/unused", "nowhere", 5)).to.equal(undefined);
    expect(existsSync(path.join(dir, "5.json"))).to.equal(false);
  });
});
