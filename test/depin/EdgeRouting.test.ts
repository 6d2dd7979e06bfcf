import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CALLBACK_GAS, OUTPUT, STATE_FULFILLED, STATE_REFUNDED } from "../oracle/fixtures";
import { ORACLE_SERVICE, MIN_ORACLE_STAKE } from "../helpers/constants";
import { ANY, DE, JP, US, routingFixture, type RoutingFixture } from "./routingFixture";

// Region routing (issue 16): `requestInRegion` assigns first the first node of the model's node set, walked from the
// request id's position exactly like a plain request, that is an active staked oracle operator AND an active edge
// device of the region; with none it falls back to the plain assignment. `RequestRouted` records the outcome.
describe("Region routing (AIOracle.requestInRegion, ModelRegistry.regionSeed)", function () {
  /** The plain assignment a request with this id would get (`requestTerms` seeded with the id). */
  async function plainNodes(f: RoutingFixture, modelId: number, requestId: bigint) {
    return [...(await f.registry.requestTerms(modelId, requestId)).nodes];
  }

  /** The node set of model 4 walked from `seed`'s position (the order both assignments follow). */
  async function walk(f: RoutingFixture, seed: bigint) {
    const set = [...(await f.registry.nodesOf(4))];
    const start = Number(seed % BigInt(set.length));
    return set.map((_, i) => set[(start + i) % set.length]);
  }

  describe("wiring", function () {
    it("setEdgeRegistry is admin-only, emits EdgeRegistrySet, and zero turns routing off", async function () {
      const f = await loadFixture(routingFixture);
      const edgeAddress = await f.edge.getAddress();
      expect(await f.registry.edgeRegistry()).to.equal(edgeAddress);
      await expect(f.registry.connect(f.stranger).setEdgeRegistry(f.stranger.address))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, ethers.ZeroHash);
      await f.place(f.nodeC, DE);
      const id = await f.oracle.nextRequestId();
      await expect(f.registry.setEdgeRegistry(ethers.ZeroAddress))
        .to.emit(f.registry, "EdgeRegistrySet")
        .withArgs(ethers.ZeroAddress);
      expect(await f.registry.regionSeed(4, DE, id)).to.deep.equal([id, false]);
      const { emitted, routed } = await f.route(4, DE);
      expect(routed).to.deep.equal({ region: DE, matched: false });
      expect(emitted.terms.nodes).to.deep.equal(await plainNodes(f, 4, id));
      await expect(f.registry.setEdgeRegistry(edgeAddress))
        .to.emit(f.registry, "EdgeRegistrySet")
        .withArgs(edgeAddress);
      expect((await f.route(4, DE)).emitted.terms.nodes).to.deep.equal([f.nodeC.address]);
    });
  });

  describe("requestInRegion", function () {
    it("assigns the region's node even where the plain assignment picks another, at the plain quote", async function () {
      const f = await loadFixture(routingFixture);
      await f.place(f.nodeA, US);
      await f.place(f.nodeD, DE);
      const id = await f.oracle.nextRequestId();
      // Whatever node the plain walk starts at, the first DE device in that walk is nodeD (the only one).
      expect(await f.registry.regionSeed(4, DE, id)).to.deep.equal([3n, true]);
      const before = await ethers.provider.getBalance(f.requester.address);
      const { tx, emitted, fee, routed } = await f.route(4, DE);
      await expect(tx).to.emit(f.oracle, "RequestRouted").withArgs(id, DE, true);
      expect(routed).to.deep.equal({ region: DE, matched: true });
      expect(emitted.id).to.equal(id);
      expect(emitted.terms.nodes).to.deep.equal([f.nodeD.address]);
      expect(emitted.totalWei).to.equal(fee);
      const receipt = (await tx.wait())!;
      expect(before - (await ethers.provider.getBalance(f.requester.address))).to.equal(
        fee + receipt.gasUsed * receipt.gasPrice,
      );
      // Only the routed node may answer during the grace; it is paid like any assigned node.
      await expect(f.oracle.connect(f.nodeA).fulfil(id, emitted.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotAssigned")
        .withArgs(id, f.nodeA.address);
      await expect(f.oracle.connect(f.nodeD).fulfil(id, emitted.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(id, f.nodeD.address, 0, true, true, 0, ethers.keccak256(OUTPUT));
      expect((await f.oracle.requestState(id))[0]).to.equal(STATE_FULFILLED);
      expect(await f.oracle.servedCount(f.nodeD.address)).to.equal(1n);
    });

    it("with several nodes in the region, takes the first one in the plain walk's order", async function () {
      const f = await loadFixture(routingFixture);
      await f.place(f.nodeB, DE);
      await f.place(f.nodeC, DE);
      for (let k = 0; k < 4; k++) {
        const id = await f.oracle.nextRequestId();
        const expected = (await walk(f, id)).find((n) => n === f.nodeB.address || n === f.nodeC.address)!;
        const { emitted, routed } = await f.route(4, DE);
        expect(routed).to.deep.equal({ region: DE, matched: true });
        expect(emitted.terms.nodes).to.deep.equal([expected]);
      }
    });

    it("falls back to the plain assignment when no active device of the region exists", async function () {
      const f = await loadFixture(routingFixture);
      await f.place(f.nodeA, DE);
      await f.place(f.nodeB, US);
      const id = await f.oracle.nextRequestId();
      const plain = await plainNodes(f, 4, id);
      expect(await f.registry.regionSeed(4, JP, id)).to.deep.equal([id, false]);
      const { tx, emitted } = await f.route(4, JP);
      await expect(tx).to.emit(f.oracle, "RequestRouted").withArgs(id, JP, false);
      expect(emitted.terms.nodes).to.deep.equal(plain);
      // A model whose nodes have no devices at all (model 1: nodeA only, which is DE) falls back the same way.
      expect((await f.route(1, US)).routed).to.deep.equal({ region: US, matched: false });
    });

    it("region zero (any) is a plain request: no RequestRouted, the plain assignment", async function () {
      const f = await loadFixture(routingFixture);
      await f.place(f.nodeC, DE);
      const id = await f.oracle.nextRequestId();
      const plain = await plainNodes(f, 4, id);
      const { tx, emitted, routed } = await f.route(4, ANY);
      await expect(tx).not.to.emit(f.oracle, "RequestRouted");
      expect(routed).to.equal(null);
      expect(emitted.terms.nodes).to.deep.equal(plain);
    });

    it("skips deregistered devices and nodes that are no longer active oracle operators", async function () {
      const f = await loadFixture(routingFixture);
      for (const n of f.nodes) await f.place(n, DE);
      await f.edge.connect(f.nodeA).deregister();
      await f.staking.connect(f.nodeB).requestUnbond(ORACLE_SERVICE, MIN_ORACLE_STAKE * 2n);
      await f.edge.connect(f.nodeC).update(US, 1, [], "");
      // Only nodeD is an active DE device and an active operator.
      for (let k = 0; k < 4; k++) {
        const { emitted, routed } = await f.route(4, DE);
        expect(routed).to.deep.equal({ region: DE, matched: true });
        expect(emitted.terms.nodes).to.deep.equal([f.nodeD.address]);
      }
      // nodeD unbonds too: no DE candidate is left, so the request falls back to an active node (nodeA or nodeC).
      await f.staking.connect(f.nodeD).requestUnbond(ORACLE_SERVICE, MIN_ORACLE_STAKE * 2n);
      const { emitted, routed } = await f.route(4, DE);
      expect(routed).to.deep.equal({ region: DE, matched: false });
      expect([f.nodeA.address, f.nodeC.address]).to.include(emitted.terms.nodes[0]);
    });

    it("Quorum: the region's node leads the assignment, the rest follow in walk order, and the quorum completes", async function () {
      const f = await loadFixture(routingFixture);
      // Model 2 is Quorum 2-of-3 served by nodeA, nodeB, nodeC.
      await f.place(f.nodeC, JP);
      const id = await f.oracle.nextRequestId();
      const { emitted, routed } = await f.route(2, JP);
      expect(routed).to.deep.equal({ region: JP, matched: true });
      expect(emitted.terms.nodes).to.deep.equal([f.nodeC.address, f.nodeA.address, f.nodeB.address]);
      for (const n of [f.nodeC, f.nodeA]) await f.oracle.connect(n).fulfil(id, emitted.request, OUTPUT, 0);
      expect((await f.oracle.requestState(id))[0]).to.equal(STATE_FULFILLED);
    });

    it("reads the registry directly when it does not push terms, with the same assignment", async function () {
      const f = await loadFixture(routingFixture);
      await f.place(f.nodeB, DE);
      await f.registry.setOracle(ethers.ZeroAddress);
      const { emitted, routed } = await f.route(4, DE);
      expect(routed).to.deep.equal({ region: DE, matched: true });
      expect(emitted.terms.nodes).to.deep.equal([f.nodeB.address]);
    });

    it("keeps every rule of a plain request: fee, limits, pause, refund after the deadline", async function () {
      const f = await loadFixture(routingFixture);
      await f.place(f.nodeB, DE);
      const fee = await f.oracle.quote(4, CALLBACK_GAS);
      const consumer = await f.consumer.getAddress();
      const call = (value: bigint, model = 4) =>
        f.oracle.connect(f.requester).requestInRegion(model, "0x01", consumer, CALLBACK_GAS, "0x", DE, { value });
      await expect(call(fee - 1n))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInsufficientFee")
        .withArgs(fee - 1n, fee);
      await expect(call(fee, 99)).to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel").withArgs(99);
      await expect(
        f.oracle
          .connect(f.requester)
          .requestInRegion(4, "0x01", ethers.ZeroAddress, CALLBACK_GAS, "0x", DE, { value: fee }),
      ).to.be.revertedWithCustomError(f.oracle, "AIOracleZeroCallback");
      // Excess is returned at once.
      await expect(call(fee + 12345n)).to.changeEtherBalance(f.requester, -fee);
      await f.oracle.pause();
      await expect(call(fee)).to.be.revertedWithCustomError(f.oracle, "EnforcedPause");
      await f.oracle.unpause();
      const { emitted } = await f.route(4, DE);
      await time.increaseTo(emitted.terms.deadline + 1n);
      await expect(f.oracle.connect(f.stranger).refund(emitted.id, emitted.request))
        .to.emit(f.oracle, "RequestRefunded")
        .withArgs(emitted.id, f.requester.address, emitted.totalWei);
      expect((await f.oracle.requestState(emitted.id))[0]).to.equal(STATE_REFUNDED);
    });
  });

  // A model of the routing rule over random regions, device and stake states and request ids: the first assigned
  // node is the first candidate in walk order that is an active operator and an active device of the region; with
  // none, the assignment is exactly the plain one.
  it("property: the assignment matches a model of the routing rule", async function () {
    const base = await loadFixture(routingFixture);
    const regions = [DE, US, JP];
    const nodeState = fc.record({
      region: fc.constantFrom(null, ...regions),
      deregistered: fc.boolean(),
      unbonded: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(nodeState, { minLength: 4, maxLength: 4 }),
        fc.constantFrom(...regions),
        fc.integer({ min: 0, max: 3 }),
        async (states, wanted, skip) => {
          const f = await loadFixture(routingFixture);
          for (let i = 0; i < 4; i++) {
            const s = states[i];
            const node = f.nodes[i];
            if (s.region !== null) {
              await f.place(node, s.region);
              if (s.deregistered) await f.edge.connect(node).deregister();
            }
            if (s.unbonded && i > 0) await f.staking.connect(node).requestUnbond(ORACLE_SERVICE, MIN_ORACLE_STAKE * 2n);
          }
          // Vary the request id (the walk's start) with plain requests first.
          for (let k = 0; k < skip; k++) await f.route(4, ANY);
          const id = await f.oracle.nextRequestId();
          const order = await walk(f, id);
          const index = (address: string) => f.nodes.findIndex((n) => n.address === address);
          const eligible = (address: string) => {
            const s = states[index(address)];
            return s.region === wanted && !s.deregistered && !(s.unbonded && index(address) > 0);
          };
          const expected = order.find(eligible);
          const plain = await plainNodes(f, 4, id);
          const { emitted, routed } = await f.route(4, wanted);
          expect(routed).to.deep.equal({ region: wanted, matched: expected !== undefined });
          expect(emitted.terms.nodes).to.deep.equal(expected === undefined ? plain : [expected]);
        },
      ),
      { numRuns: 20 },
    );
    expect(await base.registry.edgeRegistry()).to.equal(await base.edge.getAddress());
  });
});
