import { Wallet, keccak256, parseEther, type Contract, type Interface } from "ethers";
import { readFileSync } from "node:fs";
import path from "node:path";
import { downsample28 } from "../../offchain/src/backends/zkmlp";
import { decodeProvenClassification } from "../../sdk/src/canonical";
import { heldOutDigits, type DemoPart } from "./context";
import { startDemoRunner } from "./runner";

const ZK_DIR = path.join(__dirname, "..", "..", "zk", "build", "mnist14");
const RESULT_TIMEOUT_MS = 90_000;

/**
 * Proof mode (issue 15): the quantised 14x14 digit model is registered with its Groth16 verifier; a runner under a
 * fresh, unstaked key (nobody assigned it) computes the output with integer arithmetic, proves it in its prover
 * threads and submits `fulfilProof`; the oracle checks the proof and the result is final in that transaction.
 * The verifier is deployed here, not by deploy/axon.ts: its setup is a development one (see docs/zkml.md).
 */
export const proofSteps: DemoPart = {
  count: 2,
  async run({ hre, narrator, deployment, actors }) {
    const { ethers } = hre;
    const { oracle, registry } = deployment;
    const { admin, modelCreator: creator, node, consumers } = actors;
    const manifest = JSON.parse(readFileSync(path.join(ZK_DIR, "manifest.json"), "utf8"));
    let modelId!: bigint;

    await narrator.step("A proven model: mnist14 registered in Proof mode with its Groth16 verifier", async () => {
      const groth16 = await ethers.deployContract("Mnist14Groth16Verifier");
      await narrator.tx("admin deploys the generated Groth16 verifier (mnist14)", groth16.deploymentTransaction()!);
      const verifier = await ethers.deployContract("Groth16ProofVerifier", [
        await groth16.getAddress(),
        manifest.vkHash,
        manifest.inputBytes,
        manifest.outputBytes,
        manifest.publicInputs,
      ]);
      await narrator.tx(
        `admin deploys its IProofVerifier adapter (${manifest.inputBytes} + ${manifest.outputBytes} bytes bound in ${manifest.publicInputs} public inputs)`,
        verifier.deploymentTransaction()!,
      );
      const weightsHash = keccak256(readFileSync(path.join(ZK_DIR, "model.json")));
      const receipt = await narrator.tx(
        `creator registers mnist14 (${manifest.constraints} constraints, vk ${manifest.vkHash.slice(0, 14)}...) in Proof mode`,
        registry
          .connect(creator)
          .registerProofModel(
            weightsHash,
            "ipfs://axon-demo/mnist14.json",
            parseEther("0.001"),
            await verifier.getAddress(),
            manifest.vkHash,
          ),
      );
      const ev = receipt.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "ModelRegistered");
      modelId = ev!.args.modelId as bigint;
      await narrator.tx(
        "creator adds the staked node (requests are priced and assigned as in None mode)",
        registry.connect(creator).addNode(modelId, node.address),
      );
    });

    await narrator.step("A proven inference: an unassigned, unstaked prover answers with a Groth16 proof", async () => {
      const prover = Wallet.createRandom();
      await narrator.tx(
        `admin funds a fresh prover account ${prover.address} with gas money (no stake)`,
        admin.sendTransaction({ to: prover.address, value: parseEther("1") }),
      );
      const stop = await startDemoRunner(hre, deployment, node.address, modelId, {
        nodeKey: prover.privateKey,
        models: [{ modelId: String(modelId), backend: "proof", path: ZK_DIR, maxInputBytes: manifest.inputBytes }],
      });
      try {
        const consumer = (await ethers.deployContract("StoringConsumer")) as unknown as Contract;
        await consumer.waitForDeployment();
        const digit = heldOutDigits(1, 7)[0];
        const input = downsample28(digit.pixels);
        const fee = await oracle.quote(modelId, 200_000);
        const receipt = await narrator.tx(
          `consumer asks for a proven reading of a held-out "${digit.label}" (14x14, ${input.length} bytes)`,
          oracle
            .connect(consumers[0])
            .request(modelId, input, await consumer.getAddress(), 200_000, "0x", { value: fee }),
        );
        const created = receipt.logs.map((l) => oracle.interface.parseLog(l)).find((e) => e?.name === "RequestCreated");
        const requestId = created!.args.requestId as bigint;
        const started = Date.now();
        const filter = oracle.filters.RequestFulfilled(requestId);
        let fulfilled = (await oracle.queryFilter(filter, receipt.blockNumber))[0];
        while (!fulfilled) {
          if (Date.now() - started > RESULT_TIMEOUT_MS) throw new Error("the proven request was not fulfilled");
          await new Promise((r) => setTimeout(r, 100));
          fulfilled = (await oracle.queryFilter(filter, receipt.blockNumber))[0];
        }
        const mined = await ethers.provider.getTransactionReceipt(fulfilled.transactionHash);
        narrator.addGas(mined!.gasUsed, 1);
        const args = (
          fulfilled as unknown as { args: { node: string; mode: bigint; isFinal: boolean; outputHash: string } }
        ).args;
        // the proven output (1 label byte, then 10 int32 logits), from the fulfilling calldata, decoded by the SDK
        const output = provenOutput(oracle, mined!.hash, await ethers.provider.getTransaction(mined!.hash), requestId);
        if (keccak256(output) !== args.outputHash) throw new Error(`no proven output for request ${requestId}`);
        const { label } = decodeProvenClassification(output);
        narrator.say(
          `proven inference: read "${label}" (true "${digit.label}"), fulfilProof by ${args.node} verified on chain ` +
            `in ${((Date.now() - started) / 1000).toFixed(1)} s, final at once (mode ${args.mode}, gas ` +
            `${mined!.gasUsed.toLocaleString("en-US")})`,
        );
        narrator.say(
          `prover credited ${ethers.formatEther(await oracle.creditOf(prover.address))} ETH for the proof, without stake or assignment`,
        );
      } finally {
        await stop();
      }
    });
  },
};

/** The output of `requestId` in a runner's `fulfilProof` or `fulfilProofBatch` transaction. */
function provenOutput(
  oracle: { interface: Interface },
  hash: string,
  tx: { data: string } | null,
  requestId: bigint,
): `0x${string}` {
  const calls = [oracle.interface.parseTransaction({ data: tx!.data })!];
  if (calls[0].name === "fulfilProofBatch")
    calls.splice(0, 1, ...(calls[0].args[0] as string[]).map((d) => oracle.interface.parseTransaction({ data: d })!));
  const call = calls.find((c) => c.name === "fulfilProof" && c.args[0] === requestId);
  if (!call) throw new Error(`${hash} does not fulfil request ${requestId} with a proof`);
  return call.args[3] as `0x${string}`;
}
