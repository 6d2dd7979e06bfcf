import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { CONFIG, deployOracleFixture, OUTPUT, sendRequest, STATE_PENDING } from "./fixtures";
import {
  bit,
  COUNT_MASK,
  field,
  HOT_SLOT,
  legacySources,
  PAUSED,
  READY,
  setSlot,
  slot,
  SOURCES_SLOT,
  toLegacyLayout,
} from "./hotSlot";

// The hot slot (issue 13): the request count, the pause flag, `maxOutputBytes` and the hot-path cache's source flags
// share the one slot every request and fulfilment reads first. An oracle upgraded from the layout before it keeps
// those values in their old places (the count next to the registry address, the flags in `sources`, the pause flag in
// OpenZeppelin's Pausable slot) and reads as paused until `migrateHotSlot` copies them, exactly, into the hot slot.

/** Two requests, the first fulfilled, the second still pending. */
async function servedFixture() {
  const f = await deployOracleFixture();
  const first = await sendRequest(f, 1);
  await f.oracle.connect(f.nodeA).fulfil(first.id, first.request, OUTPUT, 0);
  const pending = await sendRequest(f, 1);
  return { ...f, pending };
}

describe("AIOracle hot slot", function () {
  it("packs the request count, the pause flag, the output limit and the cache flags in one slot", async function () {
    const f = await loadFixture(servedFixture);
    const hot = await slot(f.oracle, HOT_SLOT);
    expect(hot & COUNT_MASK).to.equal(2n);
    expect(await f.oracle.nextRequestId()).to.equal(3n);
    expect(hot & READY).to.equal(READY);
    expect(hot & PAUSED).to.equal(0n);
    expect(field(hot, 101n, 32n)).to.equal(await f.oracle.maxOutputBytes());
    expect(field(hot, 101n, 32n)).to.equal((await f.oracle.config()).maxOutputBytes);
    // Both sources listen (deployOracleFixture wires them), the service is enabled, its minimum stake is cached.
    expect([bit(hot, 66n), bit(hot, 67n), bit(hot, 84n)]).to.deep.equal([1n, 1n, 1n]);
    const service = await f.staking.serviceConfig(await f.oracle.ORACLE_SERVICE());
    expect(field(hot, 133n, 96n)).to.equal(service.minStakeWei);

    await f.oracle.pause();
    expect((await slot(f.oracle, HOT_SLOT)) & PAUSED).to.equal(PAUSED);
    expect(await f.oracle.paused()).to.equal(true);
    await expect(f.oracle.unpause()).to.emit(f.oracle, "Unpaused").withArgs(f.admin.address);
    expect((await slot(f.oracle, HOT_SLOT)) & PAUSED).to.equal(0n);

    const config = { ...CONFIG, maxOutputBytes: 20_000 };
    await f.oracle.setConfig(config);
    expect(await f.oracle.maxOutputBytes()).to.equal(20_000n);
    expect(field(await slot(f.oracle, HOT_SLOT), 101n, 32n)).to.equal(20_000n);
    await expect(f.oracle.connect(f.nodeA).fulfil(f.pending.id, f.pending.request, "0x" + "00".repeat(20_001), 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleOutputTooLarge")
      .withArgs(20_001, 20_000);
  });

  it("has nothing to migrate when initialized with it", async function () {
    const f = await loadFixture(servedFixture);
    await expect(f.oracle.connect(f.stranger).migrateHotSlot()).to.be.revertedWithCustomError(
      f.oracle,
      "AIOracleAlreadyMigrated",
    );
  });

  it("reads as paused after an upgrade from the layout before it, until anyone migrates it exactly", async function () {
    const f = await loadFixture(servedFixture);
    const hot = await toLegacyLayout(f.oracle);
    expect(await f.oracle.paused()).to.equal(true);
    expect(await f.oracle.nextRequestId()).to.equal(1n);
    await expect(sendRequest(f, 1)).to.be.revertedWithCustomError(f.oracle, "EnforcedPause");
    await expect(
      f.oracle.connect(f.nodeA).fulfil(f.pending.id, f.pending.request, OUTPUT, 0),
    ).to.be.revertedWithCustomError(f.oracle, "EnforcedPause");
    // Unpausing cannot skip the migration (a fresh count would reuse request ids).
    await expect(f.oracle.unpause()).to.be.revertedWithCustomError(f.oracle, "AIOracleNotMigrated");

    await expect(f.oracle.connect(f.stranger).migrateHotSlot())
      .to.emit(f.oracle, "HotSlotMigrated")
      .withArgs(2n, false);
    expect(await slot(f.oracle, HOT_SLOT)).to.equal(hot);
    expect(await f.oracle.paused()).to.equal(false);
    expect(await f.oracle.nextRequestId()).to.equal(3n);
    await expect(f.oracle.migrateHotSlot()).to.be.revertedWithCustomError(f.oracle, "AIOracleAlreadyMigrated");

    // The pending request settles, the next one continues the count, the cache is still trusted (no source call).
    expect((await f.oracle.requestState(f.pending.id)).state).to.equal(STATE_PENDING);
    await f.oracle.connect(f.nodeA).fulfil(f.pending.id, f.pending.request, OUTPUT, 0);
    const next = await sendRequest(f, 1);
    expect(next.id).to.equal(3n);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(2n);
  });

  it("keeps a paused oracle paused through the migration", async function () {
    const f = await loadFixture(servedFixture);
    await f.oracle.pause();
    const hot = await toLegacyLayout(f.oracle);
    await expect(f.oracle.migrateHotSlot()).to.emit(f.oracle, "HotSlotMigrated").withArgs(2n, true);
    expect(await slot(f.oracle, HOT_SLOT)).to.equal(hot);
    expect(await f.oracle.paused()).to.equal(true);
    await expect(f.oracle.unpause()).to.emit(f.oracle, "Unpaused");
    await f.oracle.connect(f.nodeA).fulfil(f.pending.id, f.pending.request, OUTPUT, 0);
  });

  it("caches a minimum stake above 96 bits as the largest it holds", async function () {
    const f = await loadFixture(servedFixture);
    const hot = await toLegacyLayout(f.oracle);
    // A 128-bit minimum in the old word (more than any stake the 80-bit node cache can hold).
    await setSlot(f.oracle, SOURCES_SLOT, legacySources(hot) | (((1n << 128n) - 1n) << 8n));
    await f.oracle.migrateHotSlot();
    expect(field(await slot(f.oracle, HOT_SLOT), 133n, 96n)).to.equal((1n << 96n) - 1n);
  });

  it("upgrades an oracle of the layout before it through the plugin's layout check, migrating in the same call", async function () {
    const [admin] = await ethers.getSigners();
    const before = await ethers.getContractFactory("AIOracleBeforeHotSlotMock");
    const old = await upgrades.deployProxy(before, [admin.address], { kind: "uups" });
    const minStake = ethers.parseEther("1");
    // `sources` of that layout: service enabled, its minimum stake, status epoch 3 (listening), terms epoch 2
    // (listening).
    const sources = 1n | (minStake << 8n) | (3n << 136n) | (1n << 152n) | (2n << 160n) | (1n << 176n);
    await old.getFunction("seed")(admin.address, 41, CONFIG, sources);
    await old.getFunction("pause")();

    const logic = await (await ethers.getContractFactory("AIOracleLogic")).deploy();
    const next = await ethers.getContractFactory("AIOracle", {
      libraries: { AIOracleLogic: await logic.getAddress() },
    });
    const options = { kind: "uups" as const, unsafeAllowLinkedLibraries: true };
    await upgrades.validateUpgrade(await old.getAddress(), next, options);
    await expect(
      upgrades.validateUpgrade(await old.getAddress(), await ethers.getContractFactory("AIOracleShiftedLayoutMock"), {
        kind: "uups",
      }),
    ).to.be.rejectedWith(/layout|storage/i);

    const oracle = await upgrades.upgradeProxy(await old.getAddress(), next, { ...options, call: "migrateHotSlot" });
    const migrated = await oracle.queryFilter(oracle.filters.HotSlotMigrated());
    expect(migrated.map((e) => [e.args.requestCount, e.args.paused])).to.deep.equal([[41n, true]]);
    expect(await oracle.getFunction("nextRequestId")()).to.equal(42n);
    expect(await oracle.getFunction("maxOutputBytes")()).to.equal(CONFIG.maxOutputBytes);
    expect(await oracle.getFunction("paused")()).to.equal(true);
    const hot = BigInt(await ethers.provider.getStorage(await oracle.getAddress(), HOT_SLOT));
    expect([bit(hot, 66n), bit(hot, 67n), field(hot, 68n, 16n), bit(hot, 84n), field(hot, 85n, 16n)]).to.deep.equal([
      1n,
      1n,
      3n,
      1n,
      2n,
    ]);
    expect(field(hot, 133n, 96n)).to.equal(minStake);
    await oracle.getFunction("unpause")();
    expect(await oracle.getFunction("paused")()).to.equal(false);
    await expect(oracle.getFunction("migrateHotSlot")()).to.be.revertedWithCustomError(
      oracle,
      "AIOracleAlreadyMigrated",
    );
  });
});
