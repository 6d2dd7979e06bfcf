import { ethers, fhevm, upgrades } from "hardhat";
import type { Wallet } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { DataMarket, LabelingBounties, LabelingBountiesExporter, Treasury } from "../../typechain-types";
import { ensureFhevmMock } from "../fhevmMock";
import type { GasRecorder } from "../lib";
import {
  ItemTree,
  commitmentOf,
  deployBounties,
  fundingOf,
  saltOf,
  taskParams,
} from "../../test/data/helpers/labeling";

const ITEMS = 1024;
const LABELS_PER_ITEM = 16;
const LABELLERS = 48;

// Commit and reveal are measured at item 1 (empty task) and at item 500 after hundreds of labels by many labellers
// on other items, to show both are flat in the number of items and labellers.
export default async function bounties(gas: GasRecorder) {
  const { requester, bounties } = await deployBounties();
  const tree = ItemTree.random(ITEMS, "bench");
  const p = await taskParams(tree, { labelsPerItem: LABELS_PER_ITEM, commitDeadline: (await time.latest()) + 86_400 });
  p.revealDeadline = p.commitDeadline + 86_400;
  await gas.record("createTask", await bounties.connect(requester).createTask(p, { value: fundingOf(p) }));
  const taskId = await bounties.lastTaskId();

  const labellers = Array.from(
    { length: LABELLERS },
    (_, i) => new ethers.Wallet(ethers.id(`bench-labeller-${i}`), ethers.provider),
  );
  for (const w of labellers) await ethers.provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]);

  const commit = (w: Wallet, item: number, slot: number, label: number) =>
    bounties
      .connect(w)
      .commit(
        taskId,
        item,
        slot,
        tree.itemHashes[item],
        tree.proof(item),
        commitmentOf(taskId, item, w.address, label, saltOf(w.address, item, slot)),
        { value: p.bondWei },
      );
  const reveal = (w: Wallet, item: number, slot: number, label: number) =>
    bounties.connect(w).reveal(taskId, item, slot, label, saltOf(w.address, item, slot));

  await gas.record("commit.item1", await commit(labellers[0], 1, 0, 2));
  // Many labellers label many other items first.
  for (let i = 0; i < LABELLERS; i++) {
    for (let k = 0; k < 8; k++) await commit(labellers[i], 600 + ((i * 8 + k) % 400), Math.floor((i * 8 + k) / 400), 1);
  }
  for (let s = 0; s < 3; s++) await commit(labellers[s], 500, s, s === 2 ? 3 : 2);
  await gas.record("commit.item500", await commit(labellers[LABELLERS - 1], 500, 3, 2));

  await time.increaseTo(p.commitDeadline + 1);
  await gas.record("reveal.item1.firstOfItem", await reveal(labellers[0], 1, 0, 2));
  for (let i = 0; i < LABELLERS; i++) {
    for (let k = 0; k < 8; k++) {
      const n = i * 8 + k;
      await reveal(labellers[i], 600 + (n % 400), Math.floor(n / 400), 1);
    }
  }
  await gas.record("reveal.item500.firstOfItem", await reveal(labellers[0], 500, 0, 2));
  await reveal(labellers[1], 500, 1, 2);
  await reveal(labellers[2], 500, 2, 3);
  await gas.record("reveal.item500.later", await reveal(labellers[LABELLERS - 1], 500, 3, 2));

  await time.increaseTo(p.revealDeadline + 1);
  await gas.record("finalizeItem.revealed", await bounties.finalizeItem(taskId, 500));
  const claim = (w: Wallet, slot: number, label: number) =>
    bounties.claim(taskId, 500, slot, w.address, label, saltOf(w.address, 500, slot));
  await gas.record("claim.accepted", await claim(labellers[0], 0, 2));
  await gas.record("claim.rejected", await claim(labellers[2], 2, 3));
  await gas.record("finalizeItem.noReveals", await bounties.finalizeItem(taskId, 2));
  await gas.record("withdraw", await bounties.connect(labellers[0]).withdraw());

  await exportBench(gas, bounties, requester, labellers);
}

async function deployProxy<T>(name: string, args: unknown[]): Promise<T> {
  const proxy = await upgrades.deployProxy(await ethers.getContractFactory(name), args, { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as T;
}

// Export of a finished two-item task to the real DataMarket, then the royalty path: a sale, collect, withdraw.
async function exportBench(
  gas: GasRecorder,
  bounties: LabelingBounties,
  requester: HardhatEthersSigner,
  labellers: Wallet[],
) {
  await ensureFhevmMock();
  const [admin] = await ethers.getSigners();
  const treasury = await deployProxy<Treasury>("Treasury", [admin.address, 0]);
  const market = await deployProxy<DataMarket>("DataMarket", [admin.address, 0, await treasury.getAddress(), 250]);
  const exporter = (await (
    await ethers.getContractFactory("LabelingBountiesExporter")
  ).deploy(await bounties.getAddress(), await market.getAddress())) as unknown as LabelingBountiesExporter;
  await bounties.connect(admin).setExporter(await exporter.getAddress());
  await market.connect(admin).grantRole(await market.LISTER_ROLE(), await exporter.getAddress());

  const tree = ItemTree.random(2, "bench-export");
  const p = await taskParams(tree, { labelsPerItem: 2 });
  await bounties.connect(requester).createTask(p, { value: fundingOf(p) });
  const taskId = await bounties.lastTaskId();
  for (let item = 0; item < 2; item++) {
    for (let slot = 0; slot < 2; slot++) {
      const w = labellers[slot];
      const c = commitmentOf(taskId, item, w.address, 1, saltOf(w.address, item, slot));
      await bounties
        .connect(w)
        .commit(taskId, item, slot, tree.itemHashes[item], tree.proof(item), c, { value: p.bondWei });
    }
  }
  await time.increaseTo(p.commitDeadline + 1);
  for (let item = 0; item < 2; item++) {
    for (let slot = 0; slot < 2; slot++) {
      const w = labellers[slot];
      await bounties.connect(w).reveal(taskId, item, slot, 1, saltOf(w.address, item, slot));
    }
  }
  await time.increaseTo(p.revealDeadline + 1);
  for (let item = 0; item < 2; item++) {
    await bounties.finalizeItem(taskId, item);
    for (let slot = 0; slot < 2; slot++) {
      const w = labellers[slot];
      await bounties.claim(taskId, item, slot, w.address, 1, saltOf(w.address, item, slot));
    }
  }
  const sink = await exporter.royaltySinkOf(taskId);
  const enc = await fhevm
    .createEncryptedInput(await exporter.getAddress(), requester.address)
    .add256(0x5eedn)
    .encrypt();
  const listing = {
    contentHash: ethers.id("bench.labelled"),
    metadataURI: "ipfs://bafybeibenchlabelledset00000000000000000000000000000000/dataset.json",
    licenseHash: ethers.id("bench.license"),
    licenseURI: "ipfs://bafybeibenchlicense00000000000000000000000000000000000/license.txt",
    priceAmount: ethers.parseEther("0.01"),
    paymentAsset: ethers.ZeroAddress,
    contributors: [sink],
    contributorBps: [2_000],
    provenance: { generatorModelId: 0n, oracleRequestId: 0n },
  };
  await gas.record(
    "exportToMarket",
    await exporter.connect(requester).exportToMarket(taskId, listing, enc.handles[0], enc.inputProof),
  );
  const price = ethers.parseEther("0.01");
  await market.connect(labellers[5]).purchase(1n, price, { value: price });
  const royaltySink = await ethers.getContractAt("LabelingRoyaltySink", sink);
  await gas.record("royaltySink.collect", await royaltySink.collect());
  await gas.record("royaltySink.withdraw", await royaltySink.connect(labellers[0]).withdraw());
}
