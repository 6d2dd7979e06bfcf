import { formatEther, parseEther } from "ethers";
import { ProvenanceTree, provenanceReport, synthesizeDataset } from "../../tasks/provenance";
import { heldOutDigits, type DemoPart } from "./context";
import { startDemoRunner } from "./runner";

const RESULT_TIMEOUT_MS = 90_000;
const CALLBACK_GAS = 150_000;
const PRICE = parseEther("0.02");
const MODEL_ROYALTY_BPS = 1_000;

/**
 * Synthetic data with on-chain provenance (issue 17): the model creator has the model label held-out digits through
 * SyntheticProvenance (the runner answers), lists the labelled set with its Merkle root, a buyer spot-checks a leaf
 * and buys, and the model's royalty reaches its token (the IMO holders claim it in the revenue step).
 */
export const syntheticSteps: DemoPart = {
  count: 2,
  async run({ hre, narrator, deployment, actors, shared, short }) {
    const { ethers } = hre;
    const { provenance, market } = deployment;
    const { modelCreator: seller, dataBuyer: buyer, node } = actors;
    const modelId = shared.modelId!;
    const count = short ? 4 : 8;
    let datasetId = 0n;

    await narrator.step("A synthetic dataset: the model labels digits through the provenance recorder", async () => {
      const stop = await startDemoRunner(hre, deployment, node.address, modelId);
      try {
        const recorder = provenance.connect(seller);
        const recorderAddress = await provenance.getAddress();
        const t0 = Date.now();
        const from = (await ethers.provider.getBlockNumber()) + 1;
        const result = await synthesizeDataset(recorder, seller, {
          modelId,
          inputs: heldOutDigits(count, 900).map((d) => d.pixels),
          callbackGasLimit: CALLBACK_GAS,
          listing: {
            metadataURI: "ipfs://axon-demo/synthetic-digits.json",
            licenseURI: "https://creativecommons.org/licenses/by/4.0/",
            priceWei: PRICE,
            modelRoyaltyBps: MODEL_ROYALTY_BPS,
          },
          encryptKey: () =>
            hre.fhevm
              .createEncryptedInput(recorderAddress, seller.address)
              .add256(BigInt(ethers.hexlify(ethers.randomBytes(32))))
              .encrypt(),
          timeoutMs: RESULT_TIMEOUT_MS,
        });
        datasetId = result.datasetId;
        // The run's transactions (the seller's and the runner's) are not sent by the narrator: count them per block.
        for (let n = from; n <= (await ethers.provider.getBlockNumber()); n++) {
          const block = await ethers.provider.getBlock(n);
          narrator.addGas(block!.gasUsed, block!.transactions.length);
        }
        narrator.say(
          `${result.generations.length} generations recorded in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
            `(${result.errored.length} errored); dataset ${datasetId} listed at ${formatEther(PRICE)} ETH ` +
            `with root ${result.root.slice(0, 14)}... and ${MODEL_ROYALTY_BPS / 100}% to the model`,
        );
        const tree = new ProvenanceTree(modelId, result.generations);
        const g = result.generations[result.generations.length - 1];
        const gas = await provenance.verifyLeaf.estimateGas(
          datasetId,
          g.requestId,
          g.inputHash,
          g.outputHash,
          tree.proof(result.generations.length - 1),
        );
        narrator.say(`a spot check of one leaf costs ${gas.toLocaleString("en-US")} gas (as a transaction)`);
      } finally {
        await stop();
      }
    });

    await narrator.step("The buyer verifies every leaf, buys, and the model's royalty reaches its token", async () => {
      const report = await provenanceReport(provenance.connect(buyer), datasetId);
      narrator.say(
        `provenance of dataset ${datasetId}: root ${report.rootMatches ? "matches" : "DOES NOT match"}, ` +
          `${report.verified}/${report.leaves.length} leaves verified against model ${report.modelId}'s results`,
      );
      if (!report.rootMatches || report.verified !== report.leaves.length) throw new Error("provenance check failed");
      await narrator.tx(
        "buyer buys the synthetic dataset",
        market.connect(buyer).purchase(datasetId, PRICE, { value: PRICE }),
      );
      const forwarder = await ethers.getContractAt(
        "ModelRoyaltyForwarder",
        await provenance.royaltyForwarderOf(modelId),
      );
      const pending = await forwarder.pendingWei();
      await narrator.tx(
        `anyone forwards the model's ${formatEther(pending)} ETH royalty to its token ${shared.modelToken}`,
        forwarder.forward(),
      );
    });
  },
};
