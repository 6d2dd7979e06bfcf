import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ADMIN_DELAY_SECONDS,
  DEFAULT_ADMIN_ROLE,
  ORACLE_SERVICE,
  PAUSER_ROLE,
  UPGRADER_ROLE,
} from "../helpers/constants";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { shouldBehaveLikeAxonUpgradeable } from "../common/AxonUpgradeable.behavior";
import {
  deployRegistryFixture,
  MODEL_FEE_WEI,
  NONE_VERIFICATION,
  OPTIMISTIC_VERIFICATION,
  QUORUM_VERIFICATION,
  REVENUE_MANAGER_ROLE,
  WEIGHTS_HASH,
  MODE_NONE,
  MODE_QUORUM,
} from "../oracle/fixtures";

const URI = "ipfs://bafy-model-card";

/** The registry with model 1 (None) owned by modelOwner and served by nodeA and nodeB. */
async function registeredFixture() {
  const f = await deployRegistryFixture();
  await f.registry.connect(f.modelOwner).registerModel(WEIGHTS_HASH, URI, MODEL_FEE_WEI, NONE_VERIFICATION);
  await f.registry.connect(f.modelOwner).addNode(1, f.nodeA.address);
  await f.registry.connect(f.modelOwner).addNode(1, f.nodeB.address);
  return f;
}

function tuple(v: typeof NONE_VERIFICATION) {
  return [v.mode, v.quorumK, v.quorumN, v.challengeWindowSeconds, v.bondWei];
}

describe("ModelRegistry", function () {
  describe("registerModel", function () {
    it("assigns sequential ids from 1, stores the record and emits ModelRegistered", async function () {
      const { registry, modelOwner, stranger } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(modelOwner).registerModel(WEIGHTS_HASH, URI, MODEL_FEE_WEI, NONE_VERIFICATION))
        .to.emit(registry, "ModelRegistered")
        .withArgs(1n, modelOwner.address, WEIGHTS_HASH, URI, MODEL_FEE_WEI, tuple(NONE_VERIFICATION));
      await registry.connect(stranger).registerModel(WEIGHTS_HASH, "u2", 0n, QUORUM_VERIFICATION);
      expect(await registry.modelCount()).to.equal(2n);
      const m = await registry.modelOf(1);
      expect(m.owner).to.equal(modelOwner.address);
      expect(m.active).to.equal(true);
      expect(m.revenueLocked).to.equal(false);
      expect(m.revenueReceiver).to.equal(modelOwner.address);
      expect(m.feeWei).to.equal(MODEL_FEE_WEI);
      expect(m.weightsHash).to.equal(WEIGHTS_HASH);
      expect(m.metadataHash).to.equal(ethers.id(URI));
      expect(await registry.ownerOf(2)).to.equal(stranger.address);
      expect(await registry.weightsHashOf(1)).to.equal(WEIGHTS_HASH);
      expect(await registry.revenueReceiverOf(1)).to.equal(modelOwner.address);
      expect(await registry.metadataURIOf(1)).to.equal(URI);
      expect((await registry.modelOf(2)).verification.mode).to.equal(MODE_QUORUM);
    });

    it("refuses a zero weights hash", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      await expect(registry.registerModel(ethers.ZeroHash, URI, 0n, NONE_VERIFICATION)).to.be.revertedWithCustomError(
        registry,
        "ModelRegistryZeroWeightsHash",
      );
    });

    const invalid: [string, Omit<typeof NONE_VERIFICATION, "bondWei"> & { bondWei: bigint | number }][] = [
      ["None with a quorum", { ...NONE_VERIFICATION, quorumK: 1 }],
      ["None with a bond", { ...NONE_VERIFICATION, bondWei: 1 }],
      ["Quorum with k = 0", { ...QUORUM_VERIFICATION, quorumK: 0 }],
      ["Quorum with k > n", { ...QUORUM_VERIFICATION, quorumK: 4 }],
      ["Quorum with n > 16", { ...QUORUM_VERIFICATION, quorumN: 17 }],
      ["Quorum with a window", { ...QUORUM_VERIFICATION, challengeWindowSeconds: 5 }],
      ["Optimistic without bond", { ...OPTIMISTIC_VERIFICATION, bondWei: 0n }],
      ["Optimistic without window", { ...OPTIMISTIC_VERIFICATION, challengeWindowSeconds: 0 }],
      ["Optimistic with a window over 30 days", { ...OPTIMISTIC_VERIFICATION, challengeWindowSeconds: 30 * 86400 + 1 }],
      ["Optimistic with quorumN", { ...OPTIMISTIC_VERIFICATION, quorumN: 1 }],
      ["an unknown mode", { ...NONE_VERIFICATION, mode: 4 }],
    ];
    for (const [name, v] of invalid) {
      it(`refuses ${name}`, async function () {
        const { registry } = await loadFixture(deployRegistryFixture);
        await expect(registry.registerModel(WEIGHTS_HASH, URI, 0n, v))
          .to.be.revertedWithCustomError(registry, "ModelRegistryInvalidVerification")
          .withArgs(v.mode, v.quorumK, v.quorumN, v.challengeWindowSeconds, v.bondWei);
      });
    }

    it("refuses registration while paused", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      await registry.pause();
      await expect(registry.registerModel(WEIGHTS_HASH, URI, 0n, NONE_VERIFICATION)).to.be.revertedWithCustomError(
        registry,
        "EnforcedPause",
      );
    });

    it("reverts views of an unknown model", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      for (const call of [
        registry.modelOf(7),
        registry.ownerOf(7),
        registry.weightsHashOf(7),
        registry.revenueReceiverOf(7),
        registry.isRevenueLocked(7),
        registry.metadataURIOf(7),
      ]) {
        await expect(call).to.be.revertedWithCustomError(registry, "ModelRegistryUnknownModel").withArgs(7n);
      }
    });
  });

  describe("owner updates", function () {
    it("sets fee, metadata, weights and verification with events", async function () {
      const { registry, modelOwner } = await loadFixture(registeredFixture);
      const r = registry.connect(modelOwner);
      await expect(r.setFee(1, 5n)).to.emit(registry, "FeeSet").withArgs(1n, 5n);
      await expect(r.setMetadataURI(1, "ar://v2")).to.emit(registry, "MetadataURISet").withArgs(1n, "ar://v2");
      const w2 = ethers.id("v2");
      await expect(r.setWeightsHash(1, w2)).to.emit(registry, "WeightsHashSet").withArgs(1n, w2);
      await expect(r.setVerification(1, QUORUM_VERIFICATION))
        .to.emit(registry, "VerificationSet")
        .withArgs(1n, tuple(QUORUM_VERIFICATION));
      const m = await registry.modelOf(1);
      expect([m.feeWei, m.metadataHash, m.weightsHash, m.verification.quorumK]).to.deep.equal([
        5n,
        ethers.id("ar://v2"),
        w2,
        2n,
      ]);
      expect(await registry.metadataURIOf(1)).to.equal("ar://v2");
      await expect(r.setWeightsHash(1, ethers.ZeroHash)).to.be.revertedWithCustomError(
        registry,
        "ModelRegistryZeroWeightsHash",
      );
      await expect(r.setVerification(1, { ...QUORUM_VERIFICATION, quorumK: 0 })).to.be.revertedWithCustomError(
        registry,
        "ModelRegistryInvalidVerification",
      );
    });

    it("refuses every owner update from another account", async function () {
      const { registry, stranger } = await loadFixture(registeredFixture);
      const r = registry.connect(stranger);
      for (const call of [
        r.setFee(1, 1n),
        r.setMetadataURI(1, "x"),
        r.setWeightsHash(1, WEIGHTS_HASH),
        r.setVerification(1, NONE_VERIFICATION),
        r.setRevenueReceiver(1, stranger.address),
        r.transferModelOwnership(1, stranger.address),
        r.addNode(1, stranger.address),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(registry, "ModelRegistryNotOwner")
          .withArgs(1n, stranger.address);
      }
    });

    it("transfers ownership with an event and refuses the zero address", async function () {
      const { registry, modelOwner, stranger } = await loadFixture(registeredFixture);
      await expect(registry.connect(modelOwner).transferModelOwnership(1, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "ModelRegistryZeroAddress")
        .withArgs("newOwner");
      await expect(registry.connect(modelOwner).transferModelOwnership(1, stranger.address))
        .to.emit(registry, "ModelOwnershipTransferred")
        .withArgs(1n, modelOwner.address, stranger.address);
      expect(await registry.ownerOf(1)).to.equal(stranger.address);
    });

    it("lets the owner or a pauser pause the model, and nobody else", async function () {
      const { registry, modelOwner, admin, stranger } = await loadFixture(registeredFixture);
      await expect(registry.connect(modelOwner).setModelActive(1, false))
        .to.emit(registry, "ModelActiveSet")
        .withArgs(1n, false, modelOwner.address);
      await expect(registry.requestTerms(1, 0)).to.be.revertedWithCustomError(registry, "ModelRegistryModelInactive");
      await expect(registry.connect(admin).setModelActive(1, true))
        .to.emit(registry, "ModelActiveSet")
        .withArgs(1n, true, admin.address);
      await expect(registry.connect(stranger).setModelActive(1, false))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotOwnerOrPauser")
        .withArgs(1n, stranger.address);
    });
  });

  describe("revenue receiver", function () {
    it("lets the owner change it until the revenue manager locks it", async function () {
      const { registry, modelOwner, stranger, revenueManager } = await loadFixture(registeredFixture);
      await expect(registry.connect(modelOwner).setRevenueReceiver(1, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "ModelRegistryZeroAddress")
        .withArgs("receiver");
      await expect(registry.connect(modelOwner).setRevenueReceiver(1, stranger.address))
        .to.emit(registry, "RevenueReceiverSet")
        .withArgs(1n, stranger.address);
      const token = ethers.Wallet.createRandom().address;
      await expect(registry.connect(revenueManager).lockRevenueReceiver(1, token))
        .to.emit(registry, "RevenueReceiverLocked")
        .withArgs(1n, token, revenueManager.address);
      expect(await registry.revenueReceiverOf(1)).to.equal(token);
      expect(await registry.isRevenueLocked(1)).to.equal(true);
      await expect(registry.connect(modelOwner).setRevenueReceiver(1, modelOwner.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryRevenueReceiverLocked")
        .withArgs(1n, token);
      await expect(registry.connect(revenueManager).lockRevenueReceiver(1, stranger.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryRevenueReceiverLocked")
        .withArgs(1n, token);
    });

    it("refuses a lock from anyone without the role, a zero receiver, or an unknown model", async function () {
      const { registry, modelOwner, revenueManager } = await loadFixture(registeredFixture);
      await expect(registry.connect(modelOwner).lockRevenueReceiver(1, modelOwner.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(modelOwner.address, REVENUE_MANAGER_ROLE);
      await expect(registry.connect(revenueManager).lockRevenueReceiver(1, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "ModelRegistryZeroAddress")
        .withArgs("receiver");
      await expect(registry.connect(revenueManager).lockRevenueReceiver(9, modelOwner.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryUnknownModel")
        .withArgs(9n);
    });
  });

  describe("node set", function () {
    it("adds staked nodes with events and reports them as serving", async function () {
      const { registry, nodeA, nodeB, nodeC, modelOwner } = await loadFixture(registeredFixture);
      expect(await registry.nodesOf(1)).to.deep.equal([nodeA.address, nodeB.address]);
      await expect(registry.connect(modelOwner).addNode(1, nodeC.address))
        .to.emit(registry, "NodeAdded")
        .withArgs(1n, nodeC.address);
      expect(await registry.isServing(1, nodeC.address)).to.equal(true);
      await expect(registry.connect(modelOwner).addNode(1, nodeC.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNodeAlreadyServing")
        .withArgs(1n, nodeC.address);
    });

    it("refuses a node that is not an active staked oracle operator", async function () {
      const { registry, modelOwner, stranger } = await loadFixture(registeredFixture);
      await expect(registry.connect(modelOwner).addNode(1, stranger.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNodeNotStaked")
        .withArgs(1n, stranger.address);
    });

    it("removes by swap-and-pop, by the owner or the node itself, and nobody else", async function () {
      const { registry, nodeA, nodeB, nodeC, modelOwner, stranger } = await loadFixture(registeredFixture);
      await registry.connect(modelOwner).addNode(1, nodeC.address);
      await expect(registry.connect(stranger).removeNode(1, nodeA.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotOwnerOrNode")
        .withArgs(1n, stranger.address);
      await expect(registry.connect(modelOwner).removeNode(1, nodeA.address))
        .to.emit(registry, "NodeRemoved")
        .withArgs(1n, nodeA.address, modelOwner.address);
      expect(await registry.nodesOf(1)).to.deep.equal([nodeC.address, nodeB.address]);
      await expect(registry.connect(nodeB).removeNode(1, nodeB.address))
        .to.emit(registry, "NodeRemoved")
        .withArgs(1n, nodeB.address, nodeB.address);
      expect(await registry.nodesOf(1)).to.deep.equal([nodeC.address]);
      expect(await registry.isServing(1, nodeA.address)).to.equal(false);
      await expect(registry.connect(modelOwner).removeNode(1, nodeA.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNodeNotServing")
        .withArgs(1n, nodeA.address);
    });

    it("lets anyone prune a node that is jailed or unstaked, never an active one", async function () {
      const { registry, staking, nodeA, nodeB, stranger } = await loadFixture(registeredFixture);
      await expect(registry.connect(stranger).pruneNode(1, nodeA.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNodeStillActive")
        .withArgs(1n, nodeA.address);
      await staking.jail(nodeA.address, ORACLE_SERVICE, 2n ** 40n);
      expect(await registry.isServing(1, nodeA.address)).to.equal(false);
      await expect(registry.connect(stranger).pruneNode(1, nodeA.address))
        .to.emit(registry, "NodeRemoved")
        .withArgs(1n, nodeA.address, stranger.address);
      expect(await registry.nodesOf(1)).to.deep.equal([nodeB.address]);
    });

    it("caps the node set at MAX_NODES", async function () {
      const { registry, staking, modelOwner } = await loadFixture(registeredFixture);
      const max = Number(await registry.MAX_NODES());
      const [funder] = await ethers.getSigners();
      for (let i = 2; i < max; i++) {
        const w = ethers.Wallet.createRandom().connect(ethers.provider);
        await funder.sendTransaction({ to: w.address, value: ethers.parseEther("3") });
        await staking.connect(w).stake(ORACLE_SERVICE, { value: ethers.parseEther("2") });
        await registry.connect(modelOwner).addNode(1, w.address);
      }
      const extra = ethers.Wallet.createRandom().connect(ethers.provider);
      await funder.sendTransaction({ to: extra.address, value: ethers.parseEther("3") });
      await staking.connect(extra).stake(ORACLE_SERVICE, { value: ethers.parseEther("2") });
      await expect(registry.connect(modelOwner).addNode(1, extra.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryTooManyNodes")
        .withArgs(1n, BigInt(max));
    });
  });

  describe("requestTerms", function () {
    it("assigns nodes deterministically by seed, consecutive and wrapping", async function () {
      const { registry, modelOwner, nodeA, nodeB, nodeC } = await loadFixture(registeredFixture);
      let t = await registry.requestTerms(1, 0);
      expect([t.revenueReceiver, t.feeWei, t.verification.mode]).to.deep.equal([
        modelOwner.address,
        MODEL_FEE_WEI,
        BigInt(MODE_NONE),
      ]);
      expect(t.nodes).to.deep.equal([nodeA.address]);
      expect((await registry.requestTerms(1, 5)).nodes).to.deep.equal([nodeB.address]);
      await registry.connect(modelOwner).registerModel(WEIGHTS_HASH, URI, 1n, QUORUM_VERIFICATION);
      await expect(registry.requestTerms(2, 0))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotEnoughNodes")
        .withArgs(2n, 0n, 3n);
      for (const n of [nodeA, nodeB, nodeC]) await registry.connect(modelOwner).addNode(2, n.address);
      t = await registry.requestTerms(2, 2);
      expect(t.nodes).to.deep.equal([nodeC.address, nodeA.address, nodeB.address]);
      await expect(registry.requestTerms(9, 0))
        .to.be.revertedWithCustomError(registry, "ModelRegistryUnknownModel")
        .withArgs(9n);
    });
  });

  shouldEnforceAccessMatrix("ModelRegistry", async () => {
    const f = await loadFixture(registeredFixture);
    const v2 = await (await ethers.getContractFactory("ModelRegistryV2Mock")).deploy();
    const owner = custom("ModelRegistryNotOwner", ["modelOwner"]);
    return {
      contract: f.registry,
      callers: { admin: f.admin, modelOwner: f.modelOwner, revenueManager: f.revenueManager, stranger: f.stranger },
      roleHolders: {
        [DEFAULT_ADMIN_ROLE]: ["admin"],
        [PAUSER_ROLE]: ["admin"],
        [UPGRADER_ROLE]: ["admin"],
        [REVENUE_MANAGER_ROLE]: ["revenueManager"],
      },
      guards: {
        ...AXON_UPGRADEABLE_GUARDS,
        "renounceRole(bytes32,address)": ANYONE,
        "initialize(address,uint48,address)": custom("InvalidInitialization", []),
        "registerModel(bytes32,string,uint96,(uint8,uint8,uint8,uint32,uint128))": ANYONE,
        "registerProofModel(bytes32,string,uint96,address,bytes32)": ANYONE,
        "setFee(uint256,uint96)": owner,
        "setMetadataURI(uint256,string)": owner,
        "setWeightsHash(uint256,bytes32)": owner,
        "setVerification(uint256,(uint8,uint8,uint8,uint32,uint128))": owner,
        "setRevenueReceiver(uint256,address)": owner,
        "transferModelOwnership(uint256,address)": owner,
        "addNode(uint256,address)": owner,
        "lockRevenueReceiver(uint256,address)": role(REVENUE_MANAGER_ROLE),
        "setModelActive(uint256,bool)": custom("ModelRegistryNotOwnerOrPauser", ["modelOwner", "admin"]),
        "removeNode(uint256,address)": custom("ModelRegistryNotOwnerOrNode", ["modelOwner"]),
        "pruneNode(uint256,address)": ANYONE,
        "setOracle(address)": role(DEFAULT_ADMIN_ROLE),
        "setEdgeRegistry(address)": role(DEFAULT_ADMIN_ROLE),
        "pushModel(uint256)": ANYONE,
      },
      args: {
        "grantRole(bytes32,address)": [PAUSER_ROLE, f.stranger.address],
        "revokeRole(bytes32,address)": [PAUSER_ROLE, f.stranger.address],
        "upgradeToAndCall(address,bytes)": [await v2.getAddress(), "0x"],
        "setFee(uint256,uint96)": [1n, 1n],
        "setMetadataURI(uint256,string)": [1n, "x"],
        "setWeightsHash(uint256,bytes32)": [1n, WEIGHTS_HASH],
        "setVerification(uint256,(uint8,uint8,uint8,uint32,uint128))": [1n, NONE_VERIFICATION],
        "setRevenueReceiver(uint256,address)": [1n, f.stranger.address],
        "transferModelOwnership(uint256,address)": [1n, f.stranger.address],
        "addNode(uint256,address)": [1n, f.nodeC.address],
        "lockRevenueReceiver(uint256,address)": [1n, f.stranger.address],
        "setModelActive(uint256,bool)": [1n, false],
        "removeNode(uint256,address)": [1n, f.nodeA.address],
      },
    };
  });

  shouldBehaveLikeAxonUpgradeable("ModelRegistry", async () => {
    const f = await loadFixture(registeredFixture);
    await f.registry.connect(f.revenueManager).lockRevenueReceiver(1, f.stranger.address);
    return {
      contract: f.registry,
      admin: f.admin,
      stranger: f.stranger,
      v2Name: "ModelRegistryV2Mock",
      initArgs: [f.admin.address, ADMIN_DELAY_SECONDS, await f.staking.getAddress()],
      snapshot: async (c) => {
        const r = c as typeof f.registry;
        return {
          model: (await r.modelOf(1)).toString(),
          nodes: [...(await r.nodesOf(1))],
          uri: await r.metadataURIOf(1),
          count: await r.modelCount(),
          staking: await r.staking(),
        };
      },
    };
  });
});
