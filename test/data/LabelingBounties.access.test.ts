import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";
import { ItemTree, commitLabel, createTask, deployBounties, saltOf, taskParams } from "./helpers/labeling";

const TASK_PARAMS = "(bytes32,uint32,uint16,uint8,uint16,uint64,uint64,uint96,uint96,bytes32)";

async function accessFixture() {
  const base = await deployBounties();
  const [exporter, stranger] = base.labellers.slice(10);
  await base.bounties.connect(base.admin).setExporter(exporter.address);
  return { ...base, exporter, stranger };
}

shouldEnforceAccessMatrix("LabelingBounties", async () => {
  const f = await loadFixture(accessFixture);
  const implementation = await (await ethers.deployContract("LabelingBounties")).getAddress();
  return {
    contract: f.bounties,
    callers: { admin: f.admin, exporter: f.exporter, requester: f.requester, stranger: f.stranger },
    roleHolders: {
      [DEFAULT_ADMIN_ROLE]: ["admin"],
      [PAUSER_ROLE]: ["admin"],
      [UPGRADER_ROLE]: ["admin"],
    },
    guards: {
      ...AXON_UPGRADEABLE_GUARDS,
      "renounceRole(bytes32,address)": custom("AccessControlBadConfirmation", ["admin"]),
      "initialize(address,uint48)": ANYONE,
      "setExporter(address)": role(DEFAULT_ADMIN_ROLE),
      "recordExport(uint256,address)": custom("LabelingBountiesNotExporter", ["exporter"]),
      [`createTask(${TASK_PARAMS})`]: ANYONE,
      "commit(uint256,uint256,uint256,bytes32,bytes32[],bytes32)": ANYONE,
      "reveal(uint256,uint256,uint256,uint8,bytes32)": ANYONE,
      "finalizeItem(uint256,uint256)": ANYONE,
      "finalizeGoldItem(uint256,uint256,uint8,bytes32,bytes32[])": ANYONE,
      "sweepForfeitedBonds()": ANYONE,
      "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
      "claim(uint256,uint256,uint256,address,uint8,bytes32)": ANYONE,
      "withdraw()": ANYONE,
    },
    args: {
      "grantRole(bytes32,address)": [PAUSER_ROLE, f.stranger.address],
      "revokeRole(bytes32,address)": [PAUSER_ROLE, f.admin.address],
      "renounceRole(bytes32,address)": [PAUSER_ROLE, f.admin.address],
      "upgradeToAndCall(address,bytes)": [implementation, "0x"],
      "setExporter(address)": [f.stranger.address],
      "setTreasury(address)": [f.stranger.address],
    },
  };
});

describe("LabelingBounties upgrades", function () {
  async function liveTaskFixture() {
    const base = await deployBounties();
    const tree = ItemTree.random(4, "upgrade");
    const p = await taskParams(tree);
    const taskId = await createTask(base.bounties, base.requester, p);
    const l = base.labellers[0];
    await commitLabel(base.bounties, tree, taskId, l, 1, 0, 2);
    await time.increaseTo(p.commitDeadline + 1);
    await base.bounties.connect(l).reveal(taskId, 1, 0, 2, saltOf(l.address, 1, 0));
    return { ...base, tree, p, taskId };
  }

  it("keeps every task, item, slot and credit across an upgrade and keeps working", async function () {
    const { bounties, requester, labellers, p, taskId } = await loadFixture(liveTaskFixture);
    const before = await bounties.getTask(taskId);
    const itemBefore = await bounties.itemState(taskId, 1);
    const V2 = await ethers.getContractFactory("LabelingBountiesV2Mock");
    await upgrades.validateUpgrade(bounties, V2, { kind: "uups" });
    const upgraded = await upgrades.upgradeProxy(bounties, V2, { kind: "uups" });
    expect(await upgraded.version()).to.equal(2n);
    expect(await upgraded.getTask(taskId)).to.deep.equal(before);
    expect(await upgraded.itemState(taskId, 1)).to.deep.equal(itemBefore);
    expect(await upgraded.slotState(taskId, 1, 0)).to.equal(2n);
    await time.increaseTo(p.revealDeadline + 1);
    await upgraded.finalizeItem(taskId, 1);
    const l = labellers[0];
    await upgraded.claim(taskId, 1, 0, l.address, 2, saltOf(l.address, 1, 0));
    expect(await upgraded.creditOf(l.address)).to.equal(p.rewardWei + p.bondWei);
    expect(await upgraded.creditOf(requester.address)).to.equal(2n * p.rewardWei);
  });

  it("validates the implementation as upgrade-safe", async function () {
    const Impl = await ethers.getContractFactory("LabelingBounties");
    await upgrades.validateImplementation(Impl, { kind: "uups" });
  });

  it("cannot be initialised twice, nor the implementation at all", async function () {
    const { bounties, admin } = await loadFixture(deployBounties);
    await expect(bounties.initialize(admin.address, 0)).to.be.revertedWithCustomError(
      bounties,
      "InvalidInitialization",
    );
    const impl = await ethers.deployContract("LabelingBounties");
    await expect(impl.initialize(admin.address, 0)).to.be.revertedWithCustomError(impl, "InvalidInitialization");
  });
});

async function exporterFixture() {
  const base = await deployBounties();
  const market = await ethers.deployContract("BountiesDataMarketMock");
  const exporter = await ethers.deployContract("LabelingBountiesExporter", [
    await base.bounties.getAddress(),
    await market.getAddress(),
  ]);
  const sink = await ethers.deployContract("LabelingRoyaltySink", [
    await base.bounties.getAddress(),
    await market.getAddress(),
    1n,
    1n,
  ]);
  return { ...base, exporter, sink };
}

// The exporter is permissionless at its own level: LabelingBounties.recordExport admits only the task's requester.
shouldEnforceAccessMatrix("LabelingBountiesExporter", async () => {
  const f = await loadFixture(exporterFixture);
  return {
    contract: f.exporter,
    callers: { requester: f.requester, stranger: f.labellers[0] },
    roleHolders: {},
    guards: {
      "exportToMarket(uint256,(bytes32,string,bytes32,string,uint96,address,address[],uint16[],(uint256,uint256)),bytes32,bytes)":
        ANYONE,
    },
  };
});

// Anyone may collect; withdraw pays the caller its own share.
shouldEnforceAccessMatrix("LabelingRoyaltySink", async () => {
  const f = await loadFixture(exporterFixture);
  return {
    contract: f.sink,
    callers: { stranger: f.labellers[0] },
    roleHolders: {},
    guards: { "collect()": ANYONE, "withdraw()": ANYONE },
  };
});
