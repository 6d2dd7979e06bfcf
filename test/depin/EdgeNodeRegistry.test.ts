import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { UptimeTree } from "../../tasks/edgeTree";
import { CONFIG, DE, EDGE_SERVICE, EPOCH, SLOT, SLOTS, US, edgeFixture, toEpoch, type EdgeFixture } from "./fixture";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";

const MODEL = ethers.id("model:mnist");
const Status = { None: 0n, Posted: 1n, Finalized: 2n, Voided: 3n };

async function registeredFixture() {
  const f = await edgeFixture();
  await f.registry.connect(f.nodeA).register(f.keyA.address, DE, 1, [MODEL], "https://a.example/edge.json");
  await f.registry.connect(f.nodeB).register(f.keyB.address, US, 2, [MODEL], "https://b.example/edge.json");
  await f.registry.connect(f.sponsor).fund(ethers.parseEther("5"), { value: ethers.parseEther("5") });
  return f;
}

/** Registered nodes, epoch 1 ended, reported with A = 6 slots and B = 3 slots. */
async function reportedFixture() {
  const f = await registeredFixture();
  await toEpoch(f.registry, 2, 10);
  const tree = new UptimeTree(1n, [
    { node: f.nodeA.address, uptime: SLOTS },
    { node: f.nodeB.address, uptime: 3 },
  ]);
  await f.registry.connect(f.reporter).postReport(1, tree.root, tree.total);
  return { ...f, tree };
}

async function finalizedFixture() {
  const f = await reportedFixture();
  await time.increase(CONFIG.challengeWindowSeconds + 1);
  await f.registry.finalizeEpoch(1);
  return f;
}

async function heartbeats(f: EdgeFixture, key: EdgeFixture["keyA"], node: string, epoch: number, slots: number[]) {
  return Promise.all(slots.map((s) => f.sign(key, node, epoch, s)));
}

describe("EdgeNodeRegistry", function () {
  describe("initialization and configuration", function () {
    it("rejects a zero staking address and bad epoch timing", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("EdgeNodeRegistry");
      const deploy = (staking: string, cfg: typeof CONFIG) =>
        upgrades.deployProxy(
          factory,
          [admin.address, ADMIN_DELAY_SECONDS, staking, EDGE_SERVICE, ethers.ZeroAddress, cfg],
          {
            kind: "uups",
          },
        );
      await expect(deploy(ethers.ZeroAddress, CONFIG))
        .to.be.revertedWithCustomError(factory, "EdgeZeroAddress")
        .withArgs("staking");
      await expect(deploy(admin.address, { ...CONFIG, slotSeconds: 700 }))
        .to.be.revertedWithCustomError(factory, "EdgeBadConfig")
        .withArgs("slot timing");
      await expect(deploy(admin.address, { ...CONFIG, slotSeconds: 0 })).to.be.revertedWithCustomError(
        factory,
        "EdgeBadConfig",
      );
      await expect(deploy(admin.address, { ...CONFIG, epochSeconds: 0 })).to.be.revertedWithCustomError(
        factory,
        "EdgeBadConfig",
      );
      await expect(deploy(admin.address, { ...CONFIG, slotSeconds: 1 }))
        .to.be.revertedWithCustomError(factory, "EdgeBadConfig")
        .withArgs("over 256 slots");
      await expect(deploy(admin.address, { ...CONFIG, challengeWindowSeconds: 0 }))
        .to.be.revertedWithCustomError(factory, "EdgeBadConfig")
        .withArgs("zero window");
      await expect(deploy(admin.address, { ...CONFIG, answerWindowSeconds: 0 }))
        .to.be.revertedWithCustomError(factory, "EdgeBadConfig")
        .withArgs("zero window");
    });

    it("exposes its wiring and a slashing horizon below the edge service's unbonding delay", async function () {
      const { registry, staking, served } = await loadFixture(edgeFixture);
      expect(await registry.wiring()).to.deep.equal([
        await staking.getAddress(),
        EDGE_SERVICE,
        ethers.ZeroAddress,
        await served.getAddress(),
      ]);
      expect(await registry.HEARTBEAT_TYPEHASH()).to.equal(
        ethers.id("Heartbeat(address node,uint64 epoch,uint32 slot)"),
      );
      expect(await registry.slashingHorizonSeconds()).to.equal(
        CONFIG.challengeWindowSeconds + CONFIG.answerWindowSeconds,
      );
      expect(await staking.requiredUnbondingDelay(EDGE_SERVICE)).to.equal(await registry.slashingHorizonSeconds());
      expect((await registry.config()).epochRewardWei).to.equal(CONFIG.epochRewardWei);
      expect(await registry.currentEpoch()).to.equal(0n);
    });

    it("lets the admin change rates and windows but never the epoch timing", async function () {
      const { registry, stranger } = await loadFixture(edgeFixture);
      const next = { ...CONFIG, epochRewardWei: 7n };
      await expect(registry.setConfig(next)).to.emit(registry, "ConfigSet");
      expect((await registry.config()).epochRewardWei).to.equal(7n);
      await expect(registry.setConfig({ ...CONFIG, epochSeconds: 7200 }))
        .to.be.revertedWithCustomError(registry, "EdgeBadConfig")
        .withArgs("timing is fixed");
      await expect(registry.setConfig({ ...CONFIG, slotSeconds: 300 }))
        .to.be.revertedWithCustomError(registry, "EdgeBadConfig")
        .withArgs("timing is fixed");
      await expect(registry.connect(stranger).setConfig(next)).to.be.revertedWithCustomError(
        registry,
        "AccessControlUnauthorizedAccount",
      );
      await expect(registry.setServedSource(stranger.address))
        .to.emit(registry, "ServedSourceSet")
        .withArgs(stranger.address);
    });
  });

  describe("registry", function () {
    it("registers a staked operator's device with its capabilities", async function () {
      const { registry, nodeA, keyA } = await loadFixture(edgeFixture);
      await expect(registry.connect(nodeA).register(keyA.address, DE, 1, [MODEL], "ipfs://a"))
        .to.emit(registry, "NodeRegistered")
        .withArgs(nodeA.address, keyA.address, DE, 1, [MODEL], "ipfs://a");
      const node = await registry.nodeOf(nodeA.address);
      expect(node.signer).to.equal(keyA.address);
      expect(node.region).to.equal(DE);
      expect(node.hardwareClass).to.equal(1n);
      expect(node.active).to.equal(true);
      expect(await registry.modelsOf(nodeA.address)).to.deep.equal([MODEL]);
      expect(await registry.metadataOf(nodeA.address)).to.equal("ipfs://a");
    });

    it("rejects unstaked operators, zero keys, too many models and double registration", async function () {
      const { registry, nodeA, keyA, stranger } = await loadFixture(edgeFixture);
      await expect(registry.connect(stranger).register(keyA.address, DE, 1, [], ""))
        .to.be.revertedWithCustomError(registry, "EdgeNotStaked")
        .withArgs(stranger.address);
      await expect(registry.connect(nodeA).register(ethers.ZeroAddress, DE, 1, [], ""))
        .to.be.revertedWithCustomError(registry, "EdgeZeroAddress")
        .withArgs("signer");
      const many = Array.from({ length: 33 }, (_, i) => ethers.id(`m${i}`));
      await expect(registry.connect(nodeA).register(keyA.address, DE, 1, many, ""))
        .to.be.revertedWithCustomError(registry, "EdgeTooManyModels")
        .withArgs(33, 32);
      await registry.connect(nodeA).register(keyA.address, DE, 1, [], "");
      await expect(registry.connect(nodeA).register(keyA.address, DE, 1, [], ""))
        .to.be.revertedWithCustomError(registry, "EdgeAlreadyRegistered")
        .withArgs(nodeA.address);
    });

    it("updates capabilities of a registered node only", async function () {
      const { registry, nodeA, stranger } = await loadFixture(registeredFixture);
      await expect(registry.connect(nodeA).update(US, 3, [], "ipfs://new"))
        .to.emit(registry, "NodeUpdated")
        .withArgs(nodeA.address, US, 3, [], "ipfs://new");
      expect((await registry.nodeOf(nodeA.address)).region).to.equal(US);
      await expect(registry.connect(stranger).update(US, 3, [], ""))
        .to.be.revertedWithCustomError(registry, "EdgeNotRegistered")
        .withArgs(stranger.address);
      const many = Array.from({ length: 33 }, (_, i) => ethers.id(`m${i}`));
      await expect(registry.connect(nodeA).update(US, 3, many, ""))
        .to.be.revertedWithCustomError(registry, "EdgeTooManyModels")
        .withArgs(33, 32);
    });

    it("deregisters, and re-registers only once the last registration's reports are settled", async function () {
      const { registry, nodeA, keyA, served } = await loadFixture(registeredFixture);
      await served.setServed(nodeA.address, 4);
      await expect(registry.connect(nodeA).deregister())
        .to.emit(registry, "NodeDeregistered")
        .withArgs(nodeA.address, 4);
      await expect(registry.connect(nodeA).deregister())
        .to.be.revertedWithCustomError(registry, "EdgeNotRegistered")
        .withArgs(nodeA.address);
      const exit = (await registry.nodeOf(nodeA.address)).deregisteredAt;
      const availableAt =
        exit + BigInt(CONFIG.epochSeconds + CONFIG.reportDeadlineSeconds + CONFIG.challengeWindowSeconds);
      await expect(registry.connect(nodeA).register(keyA.address, DE, 1, [], ""))
        .to.be.revertedWithCustomError(registry, "EdgeReregisterTooSoon")
        .withArgs(nodeA.address, availableAt);
      await time.increaseTo(availableAt);
      // Work served while away does not count; work from the first registration stays owed.
      await served.setServed(nodeA.address, 10);
      await expect(registry.connect(nodeA).register(keyA.address, DE, 1, [], "")).to.emit(registry, "NodeRegistered");
      expect(await registry.servedOwed(nodeA.address)).to.equal(4n);
      await served.setServed(nodeA.address, 12);
      expect(await registry.servedOwed(nodeA.address)).to.equal(6n);
    });

    it("stops registration while paused", async function () {
      const { registry, nodeA, keyA } = await loadFixture(edgeFixture);
      await registry.pause();
      await expect(registry.connect(nodeA).register(keyA.address, DE, 1, [], "")).to.be.revertedWithCustomError(
        registry,
        "EnforcedPause",
      );
    });
  });

  describe("possible uptime", function () {
    it("counts every slot a registration overlaps, and none outside it", async function () {
      const { registry, nodeA, nodeB, keyA } = await loadFixture(edgeFixture);
      expect(await registry.possibleUptime(nodeA.address, 0)).to.equal(0n);
      await toEpoch(registry, 1, SLOT * 2 + 5);
      await registry.connect(nodeA).register(keyA.address, DE, 1, [], "");
      expect(await registry.possibleUptime(nodeA.address, 0)).to.equal(0n);
      expect(await registry.possibleUptime(nodeA.address, 1)).to.equal(BigInt(SLOTS - 2));
      expect(await registry.possibleUptime(nodeA.address, 5)).to.equal(BigInt(SLOTS));
      await toEpoch(registry, 2, SLOT + 1);
      await registry.connect(nodeA).deregister();
      expect(await registry.possibleUptime(nodeA.address, 2)).to.equal(2n);
      expect(await registry.possibleUptime(nodeA.address, 3)).to.equal(0n);
      expect(await registry.possibleUptime(nodeB.address, 2)).to.equal(0n);
    });
  });

  describe("pool", function () {
    it("takes ETH with a matching value only", async function () {
      const { registry, sponsor } = await loadFixture(edgeFixture);
      await expect(registry.connect(sponsor).fund(5, { value: 5 }))
        .to.emit(registry, "PoolFunded")
        .withArgs(sponsor.address, 5, 5);
      await expect(registry.connect(sponsor).fund(5, { value: 4 }))
        .to.be.revertedWithCustomError(registry, "EdgeFundingMismatch")
        .withArgs(5, 4);
      await expect(registry.connect(sponsor).fund(0)).to.be.revertedWithCustomError(registry, "EdgeZeroAmount");
      expect((await registry.pool()).funded).to.equal(5n);
    });
  });

  describe("reports", function () {
    it("posts one root per ended epoch and locks the reporter's bond", async function () {
      const { registry, staking, reporter } = await loadFixture(registeredFixture);
      const root = ethers.id("root");
      await expect(registry.connect(reporter).postReport(0, root, 1))
        .to.be.revertedWithCustomError(registry, "EdgeEpochNotEnded")
        .withArgs(0, 0);
      await toEpoch(registry, 1, 1);
      await expect(registry.connect(reporter).postReport(0, root, 9))
        .to.emit(registry, "ReportPosted")
        .withArgs(0, reporter.address, root, 9)
        .and.to.emit(staking, "StakeLocked")
        .withArgs(reporter.address, EDGE_SERVICE, await registry.getAddress(), CONFIG.reporterBondWei);
      await expect(registry.connect(reporter).postReport(0, root, 9))
        .to.be.revertedWithCustomError(registry, "EdgeReportExists")
        .withArgs(0, Status.Posted);
      const report = await registry.reportOf(0);
      expect(report.reporter).to.equal(reporter.address);
      expect(report.status).to.equal(Status.Posted);
    });

    it("rejects late reports, empty totals and unstaked reporters", async function () {
      const { registry, reporter, stranger } = await loadFixture(registeredFixture);
      await toEpoch(registry, 1, 1);
      await expect(registry.connect(reporter).postReport(0, ethers.id("r"), 0)).to.be.revertedWithCustomError(
        registry,
        "EdgeZeroAmount",
      );
      await expect(registry.connect(stranger).postReport(0, ethers.id("r"), 1))
        .to.be.revertedWithCustomError(registry, "EdgeNotStaked")
        .withArgs(stranger.address);
      const deadline = (await registry.epochStart(1)) + BigInt(CONFIG.reportDeadlineSeconds);
      await time.increaseTo(deadline + 1n);
      await expect(registry.connect(reporter).postReport(0, ethers.id("r"), 1))
        .to.be.revertedWithCustomError(registry, "EdgeReportDeadlinePassed")
        .withArgs(0, deadline);
    });

    it("costs no bond when the bond is configured to zero", async function () {
      const { registry, reporter, staking } = await loadFixture(registeredFixture);
      await registry.setConfig({ ...CONFIG, reporterBondWei: 0 });
      await toEpoch(registry, 1, 1);
      await expect(registry.connect(reporter).postReport(0, ethers.id("r"), 1)).not.to.emit(staking, "StakeLocked");
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await expect(registry.finalizeEpoch(0)).not.to.emit(staking, "StakeUnlocked");
    });
  });

  describe("challenges", function () {
    it("voids a count above the slots the node was registered for at once and slashes the reporter", async function () {
      const f = await loadFixture(registeredFixture);
      const { registry, staking, reporter, challenger, nodeA } = f;
      // nodeA deregisters two slots into epoch 1; the reporter credits it with the whole epoch.
      await toEpoch(registry, 1, SLOT + 10);
      await registry.connect(nodeA).deregister();
      await toEpoch(registry, 2, 10);
      const tree = new UptimeTree(1n, [{ node: nodeA.address, uptime: SLOTS }]);
      await registry.connect(reporter).postReport(1, tree.root, tree.total);
      const { proof } = tree.proofOf(nodeA.address);
      const half = CONFIG.reporterBondWei / 2n;
      await expect(registry.connect(challenger).challengeUptime(1, nodeA.address, SLOTS, proof, { value: 3 }))
        .to.emit(registry, "ReportVoided")
        .withArgs(1, nodeA.address, challenger.address, CONFIG.reporterBondWei)
        .and.to.emit(staking, "Slashed");
      expect(await staking.creditOf(challenger.address)).to.equal(half);
      expect(await registry.creditOf(challenger.address)).to.equal(3n);
      expect((await staking.stakeOf(reporter.address, EDGE_SERVICE)).lockedWei).to.equal(0n);
      // Evidence slashes once: the voided report takes no further challenge.
      await expect(registry.connect(challenger).challengeUptime(1, nodeA.address, SLOTS, proof))
        .to.be.revertedWithCustomError(registry, "EdgeBadReportStatus")
        .withArgs(1, Status.Voided);
      await expect(registry.finalizeEpoch(1))
        .to.be.revertedWithCustomError(registry, "EdgeBadReportStatus")
        .withArgs(1, Status.Voided);
    });

    it("lets the reporter answer with distinct signed heartbeats; the challenger's bond pays the reporter", async function () {
      const f = await loadFixture(reportedFixture);
      const { registry, tree, challenger, reporter, nodeB, keyB } = f;
      const { uptime, proof } = tree.proofOf(nodeB.address);
      await expect(
        registry
          .connect(challenger)
          .challengeUptime(1, nodeB.address, uptime, proof, { value: CONFIG.challengeBondWei }),
      ).to.emit(registry, "UptimeChallenged");
      const c = await registry.challengeOf(1, nodeB.address);
      expect(c.challenger).to.equal(challenger.address);
      expect(c.uptime).to.equal(BigInt(uptime));
      const slots = [0, 2, 5];
      const sigs = await heartbeats(f, keyB, nodeB.address, 1, slots);
      await expect(registry.connect(reporter).answerChallenge(1, nodeB.address, slots, sigs))
        .to.emit(registry, "ChallengeAnswered")
        .withArgs(1, nodeB.address, reporter.address);
      expect(await registry.creditOf(reporter.address)).to.equal(CONFIG.challengeBondWei);
      const withdrawal = registry.connect(reporter).withdrawCredit();
      await expect(withdrawal).to.emit(registry, "CreditWithdrawn").withArgs(reporter.address, CONFIG.challengeBondWei);
      await expect(withdrawal).to.changeEtherBalance(reporter, CONFIG.challengeBondWei);
      await expect(registry.connect(reporter).withdrawCredit())
        .to.be.revertedWithCustomError(registry, "EdgeNoCredit")
        .withArgs(reporter.address);
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await expect(registry.finalizeEpoch(1)).to.emit(registry, "EpochFinalized");
    });

    it("rejects forged, replayed, out-of-range and other-epoch heartbeats", async function () {
      const f = await loadFixture(reportedFixture);
      const { registry, tree, challenger, reporter, nodeB, keyA, keyB } = f;
      const { uptime, proof } = tree.proofOf(nodeB.address);
      await registry
        .connect(challenger)
        .challengeUptime(1, nodeB.address, uptime, proof, { value: CONFIG.challengeBondWei });
      const answer = (slots: number[], sigs: string[]) =>
        registry.connect(reporter).answerChallenge(1, nodeB.address, slots, sigs);
      // Forged: signed by another key.
      const forged = await heartbeats(f, keyA, nodeB.address, 1, [0, 1, 2]);
      await expect(answer([0, 1, 2], forged))
        .to.be.revertedWithCustomError(registry, "EdgeHeartbeatSigner")
        .withArgs(0, keyA.address, keyB.address);
      // Garbage signature bytes recover nothing.
      await expect(answer([0, 1, 2], ["0x1234", "0x1234", "0x1234"]))
        .to.be.revertedWithCustomError(registry, "EdgeHeartbeatSigner")
        .withArgs(0, ethers.ZeroAddress, keyB.address);
      // Replayed: the same slot twice.
      const s0 = await f.sign(keyB, nodeB.address, 1, 0);
      const s1 = await f.sign(keyB, nodeB.address, 1, 1);
      await expect(answer([0, 0, 1], [s0, s0, s1]))
        .to.be.revertedWithCustomError(registry, "EdgeHeartbeatSlot")
        .withArgs(1, 0);
      // Replayed from another epoch: signed for epoch 0, recovers a different address.
      const old = await heartbeats(f, keyB, nodeB.address, 0, [0, 1, 2]);
      await expect(answer([0, 1, 2], old)).to.be.revertedWithCustomError(registry, "EdgeHeartbeatSigner");
      // Out of the epoch's slots.
      const beyond = await heartbeats(f, keyB, nodeB.address, 1, [0, 1, SLOTS]);
      await expect(answer([0, 1, SLOTS], beyond))
        .to.be.revertedWithCustomError(registry, "EdgeHeartbeatSlot")
        .withArgs(2, SLOTS);
      // Too few heartbeats.
      await expect(answer([0, 1], [s0, s1]))
        .to.be.revertedWithCustomError(registry, "EdgeHeartbeatCount")
        .withArgs(2, uptime);
    });

    it("slashes the reporter once when a challenge goes unanswered", async function () {
      const f = await loadFixture(reportedFixture);
      const { registry, staking, tree, challenger, reporter, nodeA, nodeB, keyB } = f;
      const a = tree.proofOf(nodeA.address);
      const b = tree.proofOf(nodeB.address);
      await registry
        .connect(challenger)
        .challengeUptime(1, nodeA.address, a.uptime, a.proof, { value: CONFIG.challengeBondWei });
      await registry
        .connect(challenger)
        .challengeUptime(1, nodeB.address, b.uptime, b.proof, { value: CONFIG.challengeBondWei });
      expect((await registry.reportOf(1)).openChallenges).to.equal(2n);
      await expect(registry.resolveChallenge(1, nodeA.address)).to.be.revertedWithCustomError(
        registry,
        "EdgeAnswerWindowOpen",
      );
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await expect(registry.finalizeEpoch(1))
        .to.be.revertedWithCustomError(registry, "EdgeChallengesOpen")
        .withArgs(1, 2);
      const deadline = (await registry.challengeOf(1, nodeB.address)).deadline;
      if (BigInt(await time.latest()) <= deadline) await time.increaseTo(deadline + 1n);
      const sigs = await heartbeats(f, keyB, nodeB.address, 1, [0, 1, 2]);
      await expect(registry.connect(reporter).answerChallenge(1, nodeB.address, [0, 1, 2], sigs))
        .to.be.revertedWithCustomError(registry, "EdgeAnswerWindowClosed")
        .withArgs(1, nodeB.address, deadline);
      const before = (await staking.stakeOf(reporter.address, EDGE_SERVICE)).activeWei;
      await expect(registry.resolveChallenge(1, nodeA.address))
        .to.emit(registry, "ReportVoided")
        .withArgs(1, nodeA.address, challenger.address, CONFIG.reporterBondWei);
      expect((await staking.stakeOf(reporter.address, EDGE_SERVICE)).activeWei).to.equal(
        before - CONFIG.reporterBondWei,
      );
      // The second challenge on the voided report only refunds its bond: no second slash.
      await expect(registry.resolveChallenge(1, nodeB.address)).not.to.emit(registry, "ReportVoided");
      expect(await registry.creditOf(challenger.address)).to.equal(2n * CONFIG.challengeBondWei);
      await expect(registry.resolveChallenge(1, nodeB.address))
        .to.be.revertedWithCustomError(registry, "EdgeNoChallenge")
        .withArgs(1, nodeB.address);
      await expect(registry.connect(reporter).answerChallenge(1, nodeB.address, [], []))
        .to.be.revertedWithCustomError(registry, "EdgeBadReportStatus")
        .withArgs(1, Status.Voided);
    });

    it("voids without a slash when reports carry no bond", async function () {
      const { registry, staking, reporter, challenger, nodeA } = await loadFixture(registeredFixture);
      await registry.setConfig({ ...CONFIG, reporterBondWei: 0 });
      await toEpoch(registry, 1, 1);
      const tree = new UptimeTree(0n, [
        { node: challenger.address, uptime: 2 },
        { node: nodeA.address, uptime: 1 },
      ]);
      await registry.connect(reporter).postReport(0, tree.root, tree.total);
      const { uptime, proof } = tree.proofOf(challenger.address);
      await expect(registry.connect(challenger).challengeUptime(0, challenger.address, uptime, proof))
        .to.emit(registry, "ReportVoided")
        .withArgs(0, challenger.address, challenger.address, 0)
        .and.not.to.emit(staking, "Slashed");
    });

    it("slashes nothing from a reporter whose stake is already gone", async function () {
      const { registry, staking, reporter, challenger, admin } = await loadFixture(registeredFixture);
      await toEpoch(registry, 1, 1);
      const tree = new UptimeTree(0n, [
        { node: challenger.address, uptime: 2 },
        { node: reporter.address, uptime: 1 },
      ]);
      await registry.connect(reporter).postReport(0, tree.root, tree.total);
      // Another module of the service takes the whole stake first.
      await staking.setModule(EDGE_SERVICE, admin.address, true);
      const all = (await staking.stakeOf(reporter.address, EDGE_SERVICE)).activeWei;
      await staking.slash(reporter.address, EDGE_SERVICE, all, ethers.ZeroAddress, 0, ethers.id("other"));
      const { uptime, proof } = tree.proofOf(challenger.address);
      await expect(registry.connect(challenger).challengeUptime(0, challenger.address, uptime, proof))
        .to.emit(registry, "ReportVoided")
        .withArgs(0, challenger.address, challenger.address, 0);
    });

    it("rejects wrong proofs, wrong bonds, duplicates, late challenges and answers without a challenge", async function () {
      const f = await loadFixture(reportedFixture);
      const { registry, tree, challenger, reporter, nodeB } = f;
      const { uptime, proof } = tree.proofOf(nodeB.address);
      await expect(registry.connect(challenger).challengeUptime(1, nodeB.address, uptime + 1, proof))
        .to.be.revertedWithCustomError(registry, "EdgeInvalidProof")
        .withArgs(1, nodeB.address, uptime + 1);
      await expect(registry.connect(challenger).challengeUptime(1, nodeB.address, uptime, proof, { value: 1 }))
        .to.be.revertedWithCustomError(registry, "EdgeBadChallengeBond")
        .withArgs(1, CONFIG.challengeBondWei);
      await expect(registry.connect(reporter).answerChallenge(1, nodeB.address, [], []))
        .to.be.revertedWithCustomError(registry, "EdgeNoChallenge")
        .withArgs(1, nodeB.address);
      await registry
        .connect(challenger)
        .challengeUptime(1, nodeB.address, uptime, proof, { value: CONFIG.challengeBondWei });
      await expect(
        registry
          .connect(challenger)
          .challengeUptime(1, nodeB.address, uptime, proof, { value: CONFIG.challengeBondWei }),
      )
        .to.be.revertedWithCustomError(registry, "EdgeChallengeExists")
        .withArgs(1, nodeB.address);
      const closesAt = (await registry.reportOf(1)).postedAt + BigInt(CONFIG.challengeWindowSeconds);
      await time.increaseTo(closesAt + 1n);
      await expect(registry.connect(challenger).challengeUptime(1, nodeB.address, uptime, proof))
        .to.be.revertedWithCustomError(registry, "EdgeChallengeWindowClosed")
        .withArgs(1, closesAt);
      await expect(registry.connect(challenger).challengeUptime(2, nodeB.address, uptime, proof))
        .to.be.revertedWithCustomError(registry, "EdgeBadReportStatus")
        .withArgs(2, Status.None);
    });
  });

  describe("finalization and uptime claims", function () {
    it("waits for the challenge window, then allocates the epoch budget and unlocks the bond", async function () {
      const { registry, staking, reporter } = await loadFixture(reportedFixture);
      const closesAt = (await registry.reportOf(1)).postedAt + BigInt(CONFIG.challengeWindowSeconds);
      await expect(registry.finalizeEpoch(1))
        .to.be.revertedWithCustomError(registry, "EdgeChallengeWindowOpen")
        .withArgs(1, closesAt);
      await time.increaseTo(closesAt + 1n);
      await expect(registry.finalizeEpoch(1))
        .to.emit(registry, "EpochFinalized")
        .withArgs(1, CONFIG.epochRewardWei)
        .and.to.emit(staking, "StakeUnlocked");
      expect((await registry.pool()).allocated).to.equal(CONFIG.epochRewardWei);
      await expect(registry.finalizeEpoch(1))
        .to.be.revertedWithCustomError(registry, "EdgeBadReportStatus")
        .withArgs(1, Status.Finalized);
      expect((await staking.stakeOf(reporter.address, EDGE_SERVICE)).lockedWei).to.equal(0n);
    });

    it("pays each node budget × uptime / total once", async function () {
      const { registry, tree, nodeA, nodeB } = await loadFixture(finalizedFixture);
      const a = tree.proofOf(nodeA.address);
      const b = tree.proofOf(nodeB.address);
      const payA = (CONFIG.epochRewardWei * BigInt(a.uptime)) / BigInt(tree.total);
      const payB = (CONFIG.epochRewardWei * BigInt(b.uptime)) / BigInt(tree.total);
      const claim = registry.connect(nodeA).claimUptime(1, a.uptime, a.proof);
      await expect(claim).to.emit(registry, "UptimeClaimed").withArgs(1, nodeA.address, a.uptime, payA);
      await expect(claim).to.changeEtherBalance(nodeA, payA);
      await expect(registry.connect(nodeA).claimUptime(1, a.uptime, a.proof))
        .to.be.revertedWithCustomError(registry, "EdgeAlreadyClaimed")
        .withArgs(1, nodeA.address);
      await expect(registry.connect(nodeB).claimUptime(1, b.uptime, b.proof)).to.changeEtherBalance(nodeB, payB);
      expect(await registry.claimed(1, nodeB.address)).to.equal(true);
      expect((await registry.pool()).paid).to.equal(payA + payB);
      expect((await registry.reportOf(1)).paidWei).to.equal(payA + payB);
    });

    it("rejects a claim with another node's count or of an unfinalized epoch", async function () {
      const { registry, tree, nodeA, nodeB } = await loadFixture(finalizedFixture);
      const a = tree.proofOf(nodeA.address);
      await expect(registry.connect(nodeB).claimUptime(1, a.uptime, a.proof))
        .to.be.revertedWithCustomError(registry, "EdgeInvalidProof")
        .withArgs(1, nodeB.address, a.uptime);
      await expect(registry.connect(nodeA).claimUptime(2, a.uptime, a.proof))
        .to.be.revertedWithCustomError(registry, "EdgeBadReportStatus")
        .withArgs(2, Status.None);
    });

    it("pays a node deregistered mid-epoch for the uptime it had", async function () {
      const f = await loadFixture(registeredFixture);
      const { registry, reporter, nodeA, nodeB } = f;
      await toEpoch(registry, 1, SLOT * 2 + 1);
      await registry.connect(nodeB).deregister();
      expect(await registry.possibleUptime(nodeB.address, 1)).to.equal(3n);
      await toEpoch(registry, 2, 1);
      const tree = new UptimeTree(1n, [
        { node: nodeA.address, uptime: SLOTS },
        { node: nodeB.address, uptime: 3 },
      ]);
      await registry.connect(reporter).postReport(1, tree.root, tree.total);
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await registry.finalizeEpoch(1);
      const b = tree.proofOf(nodeB.address);
      await expect(registry.connect(nodeB).claimUptime(1, b.uptime, b.proof)).to.changeEtherBalance(
        nodeB,
        (CONFIG.epochRewardWei * 3n) / BigInt(tree.total),
      );
    });

    it("finalizes an unfunded epoch with a zero budget and says so on claim", async function () {
      const f = await loadFixture(edgeFixture);
      const { registry, reporter, nodeA, keyA } = f;
      await registry.connect(nodeA).register(keyA.address, DE, 1, [], "");
      await toEpoch(registry, 1, 1);
      const tree = new UptimeTree(0n, [{ node: nodeA.address, uptime: 2 }]);
      await registry.connect(reporter).postReport(0, tree.root, tree.total);
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await expect(registry.finalizeEpoch(0)).to.emit(registry, "EpochFinalized").withArgs(0, 0);
      const a = tree.proofOf(nodeA.address);
      await expect(registry.connect(nodeA).claimUptime(0, a.uptime, a.proof))
        .to.be.revertedWithCustomError(registry, "EdgeEpochUnfunded")
        .withArgs(0);
    });

    it("never pays past the budget when a report understates its total", async function () {
      const f = await loadFixture(registeredFixture);
      const { registry, reporter, nodeA, nodeB } = f;
      await toEpoch(registry, 1, 1);
      const tree = new UptimeTree(0n, [
        { node: nodeA.address, uptime: 4 },
        { node: nodeB.address, uptime: 4 },
        { node: reporter.address, uptime: 0 },
      ]);
      await registry.connect(reporter).postReport(0, tree.root, 4);
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await registry.finalizeEpoch(0);
      const a = tree.proofOf(nodeA.address);
      const b = tree.proofOf(nodeB.address);
      await expect(registry.connect(nodeA).claimUptime(0, a.uptime, a.proof)).to.changeEtherBalance(
        nodeA,
        CONFIG.epochRewardWei,
      );
      await expect(registry.connect(nodeB).claimUptime(0, b.uptime, b.proof))
        .to.be.revertedWithCustomError(registry, "EdgeNothingToClaim")
        .withArgs(nodeB.address);
      expect((await registry.pool()).paid).to.equal(CONFIG.epochRewardWei);
    });

    it("pays nothing twice to a re-entering claimer", async function () {
      const f = await loadFixture(registeredFixture);
      const { registry, staking, reporter, keyA } = f;
      const attacker = await (
        await ethers.getContractFactory("ReentrantEdgeClaimer")
      ).deploy(await registry.getAddress());
      await attacker.stake(await staking.getAddress(), EDGE_SERVICE, { value: ethers.parseEther("1") });
      await attacker.register(keyA.address);
      await toEpoch(registry, 1, 1);
      const tree = new UptimeTree(0n, [
        { node: await attacker.getAddress(), uptime: 1 },
        { node: reporter.address, uptime: 1 },
      ]);
      await registry.connect(reporter).postReport(0, tree.root, tree.total);
      await time.increase(CONFIG.challengeWindowSeconds + 1);
      await registry.finalizeEpoch(0);
      const p = tree.proofOf(await attacker.getAddress());
      await expect(attacker.claim(0, p.uptime, p.proof)).to.be.revertedWithCustomError(
        registry,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("served rewards", function () {
    it("pays served requests from the oracle's count, once, as far as the pool allows", async function () {
      const { registry, served, nodeA } = await loadFixture(registeredFixture);
      await expect(registry.connect(nodeA).claimServed())
        .to.be.revertedWithCustomError(registry, "EdgeNothingToClaim")
        .withArgs(nodeA.address);
      await served.setServed(nodeA.address, 30);
      const amount = 30n * CONFIG.servedRewardWei;
      const claim = registry.connect(nodeA).claimServed();
      await expect(claim).to.emit(registry, "ServedClaimed").withArgs(nodeA.address, 30, amount);
      await expect(claim).to.changeEtherBalance(nodeA, amount);
      await expect(registry.connect(nodeA).claimServed()).to.be.revertedWithCustomError(registry, "EdgeNothingToClaim");
      expect(await registry.servedOwed(nodeA.address)).to.equal(0n);
    });

    it("pays part when the pool is short and reports an empty pool", async function () {
      const { registry, served, nodeA, sponsor } = await loadFixture(edgeFixture);
      await registry.connect(nodeA).register(nodeA.address, DE, 1, [], "");
      await served.setServed(nodeA.address, 10);
      await expect(registry.connect(nodeA).claimServed())
        .to.be.revertedWithCustomError(registry, "EdgePoolEmpty")
        .withArgs(0, 10n * CONFIG.servedRewardWei);
      await registry.connect(sponsor).fund(CONFIG.servedRewardWei * 4n, { value: CONFIG.servedRewardWei * 4n });
      await expect(registry.connect(nodeA).claimServed())
        .to.emit(registry, "ServedClaimed")
        .withArgs(nodeA.address, 4, CONFIG.servedRewardWei * 4n);
      expect(await registry.servedOwed(nodeA.address)).to.equal(6n);
    });

    it("keeps served work owed across deregistration, paid from the exit balance first", async function () {
      const { registry, served, nodeA } = await loadFixture(registeredFixture);
      await served.setServed(nodeA.address, 5);
      await registry.connect(nodeA).deregister();
      await served.setServed(nodeA.address, 50);
      expect(await registry.servedOwed(nodeA.address)).to.equal(5n);
      await expect(registry.connect(nodeA).claimServed())
        .to.emit(registry, "ServedClaimed")
        .withArgs(nodeA.address, 5, 5n * CONFIG.servedRewardWei);
    });

    it("says when no served source or rate is set", async function () {
      const { registry, served, nodeA } = await loadFixture(registeredFixture);
      await served.setServed(nodeA.address, 5);
      await registry.setConfig({ ...CONFIG, servedRewardWei: 0 });
      await expect(registry.connect(nodeA).claimServed()).to.be.revertedWithCustomError(registry, "EdgeNothingToClaim");
      await registry.setServedSource(ethers.ZeroAddress);
      await expect(registry.connect(nodeA).claimServed()).to.be.revertedWithCustomError(registry, "EdgeNoServedSource");
      expect(await registry.servedOwed(nodeA.address)).to.equal(0n);
    });

    it("treats a count below the checkpoint (a replaced source) as nothing served", async function () {
      const { registry, served, nodeA } = await loadFixture(registeredFixture);
      await served.setServed(nodeA.address, 9);
      await registry.connect(nodeA).claimServed();
      await served.setServed(nodeA.address, 2);
      expect(await registry.servedOwed(nodeA.address)).to.equal(0n);
    });
  });

  describe("ERC-20 pool", function () {
    it("funds by transfer (counting what arrived) and pays claims in the token", async function () {
      const f = await loadFixture(edgeFixture);
      const { admin, staking, served, nodeA, sponsor } = f;
      const token = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(100);
      const registry = await (async () => {
        const factory = await ethers.getContractFactory("EdgeNodeRegistry");
        const proxy = await upgrades.deployProxy(
          factory,
          [
            admin.address,
            ADMIN_DELAY_SECONDS,
            await staking.getAddress(),
            EDGE_SERVICE,
            await token.getAddress(),
            CONFIG,
          ],
          { kind: "uups" },
        );
        return proxy as unknown as typeof f.registry;
      })();
      await registry.setServedSource(await served.getAddress());
      await token.mint(sponsor.address, 10_000n);
      await token.connect(sponsor).approve(await registry.getAddress(), 10_000n);
      await expect(registry.connect(sponsor).fund(10_000n, { value: 1 }))
        .to.be.revertedWithCustomError(registry, "EdgeFundingMismatch")
        .withArgs(10_000n, 1);
      await expect(registry.connect(sponsor).fund(0n)).to.be.revertedWithCustomError(registry, "EdgeZeroAmount");
      await expect(registry.connect(sponsor).fund(10_000n))
        .to.emit(registry, "PoolFunded")
        .withArgs(sponsor.address, 9_900n, 9_900n);
      await registry.setConfig({ ...CONFIG, servedRewardWei: 100n });
      await registry.connect(nodeA).register(nodeA.address, DE, 1, [], "");
      await served.setServed(nodeA.address, 3);
      await registry.connect(nodeA).claimServed();
      expect(await token.balanceOf(nodeA.address)).to.equal(297n);
    });
  });
});
