import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Contract, ContractFactory, type InterfaceAbi, Wallet, keccak256 } from "ethers";
import { artifact, ensureCompiled } from "./artifacts";
import { type Deployed, ORACLE_SERVICE } from "./deploy";
import { DEV_KEYS } from "./nodes";

/** The committed zk:build output of the shipped Proof model. */
export const ZK_DIR = join(__dirname, "..", "..", "..", "zk", "build", "mnist14");

export interface ProofModelDeployment {
  modelId: bigint;
  verifier: Contract;
  vkHash: string;
  /** The node the registry assigns the model's requests to (dev account 2): not the runner's key. */
  assignedNode: string;
}

/**
 * Deploys the mnist14 Groth16 verifier and its IProofVerifier adapter, registers a Proof model with them, and
 * assigns its requests to another staked node (dev account 2), so the runner (dev account 1) fulfils them only
 * because any node may fulfil a Proof request.
 */
export async function deployProofModel(d: Deployed): Promise<ProofModelDeployment> {
  ensureCompiled(["Mnist14Groth16Verifier", "Groth16ProofVerifier"]);
  const manifest = JSON.parse(readFileSync(join(ZK_DIR, "manifest.json"), "utf8")) as {
    vkHash: string;
    inputBytes: number;
    outputBytes: number;
    publicInputs: number;
  };
  const deploy = async (name: string, args: unknown[]) => {
    const art = artifact(name);
    const c = await new ContractFactory(art.abi as InterfaceAbi, art.bytecode, d.admin).deploy(...args);
    await c.waitForDeployment();
    return c as Contract;
  };
  const groth16 = await deploy("Mnist14Groth16Verifier", []);
  const verifier = await deploy("Groth16ProofVerifier", [
    await groth16.getAddress(),
    manifest.vkHash,
    manifest.inputBytes,
    manifest.outputBytes,
    manifest.publicInputs,
  ]);
  const weightsHash = keccak256(readFileSync(join(ZK_DIR, "model.json")));
  const args = [weightsHash, "ipfs://mnist14", 10n ** 12n, await verifier.getAddress(), manifest.vkHash] as const;
  const modelId = (await d.registry.registerProofModel.staticCall(...args)) as bigint;
  await (await d.registry.registerProofModel(...args)).wait();
  const other = new Wallet(DEV_KEYS[2], d.provider);
  await (await (d.staking.connect(other) as Contract).stake(ORACLE_SERVICE, { value: 2n * 10n ** 18n })).wait();
  await (await d.registry.addNode(modelId, other.address)).wait();
  return { modelId, verifier, vkHash: manifest.vkHash, assignedNode: other.address };
}
