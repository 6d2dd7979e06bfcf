import { FhevmType } from "@fhevm/hardhat-plugin";
import { formatEther, keccak256, parseEther } from "ethers";
import { ensureFhevm } from "../../tasks/fhe";
import { ItemTree, labelCommitment } from "../../tasks/merkle";
import { advance, heldOutDigits, type DemoPart } from "./context";

const DATASET_KEY = 0xd161_75e7_0f_a1_0an * (1n << 160n) + 0x5eedn;

/**
 * A labelling bounty produces a labelled digit dataset: real MNIST images are committed to in a Merkle root, three
 * labellers commit then reveal labels (one of them gets one wrong), agreeing labels are paid, and the labelled set is
 * exported to the DataMarket with an FHE-encrypted key; a buyer pays and decrypts the key.
 */
export const bountySteps: DemoPart = {
  count: 3,
  async run({ hre, narrator, deployment, actors, shared, short, balances }) {
    const { ethers, fhevm } = hre;
    const { bounties, exporter, market } = deployment;
    const { bountyRequester: requester, labellers, dataBuyer: buyer } = actors;
    const digits = heldOutDigits(short ? 4 : 10);
    const tree = new ItemTree(digits.map((d) => keccak256(d.pixels)));
    const rewardWei = parseEther("0.01");
    // Each commit posts a bond (at least the reward): returned with an agreeing label, lost to the Treasury otherwise.
    const bondWei = parseEther("0.01");
    let taskId = 0n;

    await narrator.step("A labelling bounty turns raw digit images into a labelled dataset", async () => {
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const params = {
        merkleRoot: tree.root,
        itemCount: digits.length,
        labelsPerItem: labellers.length,
        optionCount: 10,
        thresholdBps: 5001,
        commitDeadline: now + 3600,
        revealDeadline: now + 7200,
        rewardWei,
        bondWei,
        goldRoot: ethers.ZeroHash,
      };
      const funding = BigInt(digits.length * labellers.length) * rewardWei;
      await narrator.tx(
        `requester funds ${digits.length} images x ${labellers.length} labels at ${formatEther(rewardWei)} ETH`,
        bounties.connect(requester).createTask(params, { value: funding }),
      );
      taskId = await bounties.lastTaskId();
      // Labeller 2 mislabels the first image; the majority still gets it right.
      const labelOf = (item: number, who: number) =>
        item === 0 && who === 2 ? (digits[0].label + 1) % 10 : digits[item].label;
      const salt = (item: number, who: number) => ethers.id(`demo-salt/${item}/${who}`);
      let gas = 0n;
      for (let item = 0; item < digits.length; item++) {
        for (let who = 0; who < labellers.length; who++) {
          const l = labellers[who];
          const commitment = labelCommitment(taskId, item, l.address, labelOf(item, who), salt(item, who));
          const tx = await bounties
            .connect(l)
            .commit(taskId, item, who, tree.itemHashes[item], tree.proof(item), commitment, { value: bondWei });
          gas += (await narrator.tx(`labeller ${who + 1} commits item ${item}`, tx, { quiet: true })).gasUsed;
        }
      }
      narrator.say(
        `${digits.length * labellers.length} hidden labels committed, one slot per labeller per item, ` +
          `each with a ${formatEther(bondWei)} ETH bond (gas ${gas.toLocaleString("en-US")})`,
      );
      await advance(hre, 3601);
      gas = 0n;
      for (let item = 0; item < digits.length; item++) {
        for (let who = 0; who < labellers.length; who++) {
          const tx = await bounties
            .connect(labellers[who])
            .reveal(taskId, item, who, labelOf(item, who), salt(item, who));
          gas += (await narrator.tx(`labeller ${who + 1} reveals item ${item}`, tx, { quiet: true })).gasUsed;
        }
      }
      narrator.say(`labels revealed after the commit deadline (gas ${gas.toLocaleString("en-US")})`);
      await advance(hre, 3600);
      gas = 0n;
      for (let item = 0; item < digits.length; item++) {
        gas += (await narrator.tx(`finalize item ${item}`, bounties.finalizeItem(taskId, item), { quiet: true }))
          .gasUsed;
        for (let who = 0; who < labellers.length; who++) {
          const l = labellers[who];
          const tx = await bounties.claim(taskId, item, who, l.address, labelOf(item, who), salt(item, who));
          gas += (await narrator.tx(`settle item ${item} slot ${who}`, tx, { quiet: true })).gasUsed;
        }
      }
      const task = await bounties.getTask(taskId);
      narrator.say(
        `items finalised by majority and labels settled (gas ${gas.toLocaleString("en-US")}): ` +
          `${task.acceptedLabels} labels accepted, 1 rejected (its ${formatEther(await bounties.forfeitedBonds())} ETH ` +
          "bond is forfeited to the Treasury)",
      );
      for (const [i, l] of labellers.entries()) {
        const rep = await bounties.reputationOf(l.address);
        narrator.say(
          `labeller ${i + 1}: credit ${formatEther(await bounties.creditOf(l.address))} ETH, reputation +${rep.accepted}/-${rep.rejected}`,
        );
      }
      for (const l of labellers)
        await narrator.tx("labeller withdraws rewards", bounties.connect(l).withdraw(), { quiet: true });
    });

    await narrator.step("The labelled set is listed on the DataMarket with an FHE-encrypted key", async () => {
      await ensureFhevm(hre);
      const exporterAddress = await exporter.getAddress();
      const enc = await fhevm.createEncryptedInput(exporterAddress, requester.address).add256(DATASET_KEY).encrypt();
      const params = {
        contentHash: tree.root,
        metadataURI: "ipfs://axon-demo/mnist-labelled.json",
        licenseHash: ethers.id("https://creativecommons.org/licenses/by/4.0/"),
        licenseURI: "https://creativecommons.org/licenses/by/4.0/",
        priceAmount: parseEther("0.5"),
        paymentAsset: ethers.ZeroAddress,
        contributors: [await exporter.royaltySinkOf(taskId)],
        contributorBps: [2_000],
        provenance: { generatorModelId: 0n, oracleRequestId: 0n },
      };
      await narrator.tx(
        "requester exports the task: listed at 0.5 ETH, labellers share a 20% royalty",
        exporter.connect(requester).exportToMarket(taskId, params, enc.handles[0], enc.inputProof),
      );
      shared.datasetId = await exporter.datasetOf(taskId);
      narrator.say(`dataset #${shared.datasetId} listed; the key is an encrypted handle only the market can grant`);
    });

    await narrator.step("A buyer pays for the dataset and decrypts its key", async () => {
      const id = shared.datasetId!;
      await narrator.tx(
        "buyer purchases a license",
        market.connect(buyer).purchase(id, parseEther("0.5"), { value: parseEther("0.5") }),
      );
      const d = await market.getDataset(id);
      const key = await fhevm.userDecryptEuint(FhevmType.euint256, d.key, await market.getAddress(), buyer);
      if (key !== DATASET_KEY) throw new Error(`decrypted key ${key} differs from the seller's ${DATASET_KEY}`);
      narrator.say(`buyer decrypted the dataset key 0x${key.toString(16).slice(0, 12)}... (matches the seller's)`);
      const sink = await ethers.getContractAt("LabelingRoyaltySink", await exporter.royaltySinkOf(taskId));
      await narrator.tx("royalty sink collects its share from the market", sink.collect());
      narrator.say(`seller credit ${formatEther(await market.creditOf(requester.address, ethers.ZeroAddress))} ETH`);
    });

    balances.push(
      {
        name: "LabelingBounties",
        values: { ETH: formatEther(await ethers.provider.getBalance(await bounties.getAddress())) },
      },
      { name: "DataMarket", values: { ETH: formatEther(await ethers.provider.getBalance(await market.getAddress())) } },
    );
  },
};
