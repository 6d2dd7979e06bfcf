import { expect } from "chai";
import { type Address, hashTypedData, parseEther, recoverTypedDataAddress, zeroAddress } from "viem";
import {
  EdgeAlreadyClaimed,
  EdgeAlreadyRegistered,
  EdgeAnswerWindowOpen,
  EdgeBadReportStatus,
  EdgeHeartbeatCount,
  EdgeInvalidProof,
  EdgeNoChallenge,
  EdgeNoCredit,
  EdgeNotStaked,
  EdgeNothingToClaim,
  HEARTBEAT_TYPES,
  ReportStatus,
  UptimeTree,
  edgeModelId,
  regionCode,
  regionName,
} from "../src/index.js";
import { type TestChain, increaseTime, testChain } from "./chain";

// Accounts past anvil's ten funded ones (the other suites use 0..9), funded here.
const NODE = 10;
const REPORTER = 11;
const SPONSOR = 12;
const DEVICE = 13;
const E = (x: string) => parseEther(x);

async function now(c: TestChain): Promise<bigint> {
  return (await c.publicClient.getBlock()).timestamp;
}

describe("edge client against anvil", function () {
  let c: TestChain;
  let node: Address;
  let reporter: Address;
  before(async function () {
    c = await testChain();
    for (const i of [NODE, REPORTER, SPONSOR, DEVICE])
      await c.rpc("anvil_setBalance", [c.account(i).address, `0x${E("100").toString(16)}`]);
    node = c.account(NODE).address;
    reporter = c.account(REPORTER).address;
  });

  it("regions: ISO codes (either case) to bytes2 and back; 'any' is zero; a malformed code is refused", function () {
    expect(regionCode("DE")).to.equal("0x4445");
    expect(regionName("0x4445")).to.equal("DE");
    expect(regionCode("any")).to.equal("0x0000");
    expect(regionName("0x0000")).to.equal("");
    expect(regionCode("de")).to.equal("0x4445");
    expect(() => regionCode("D1")).to.throw('region must be two ASCII letters A-Z (ISO 3166-1 alpha-2, e.g. "DE"');
    expect(edgeModelId(1n)).to.equal(`0x${"0".repeat(63)}1`);
  });

  it("register, status, update, deregister; an unstaked or registered node is a typed error", async function () {
    const edge = c.axon(NODE).edge;
    const reg = { region: "DE", hardwareClass: 1, models: [1n], metadataURI: "ipfs://edge" };
    const unstaked = await edge.register(c.account(DEVICE).address, reg).catch((e: unknown) => e);
    expect(unstaked).to.be.instanceOf(EdgeNotStaked);
    expect((unstaked as EdgeNotStaked).args).to.deep.equal({ operator: node });

    await c.axon(NODE).staking.stake("edge", E("0.1"));
    await edge.register(c.account(DEVICE).address, reg);
    const st = await edge.status();
    expect(st).to.deep.include({ node, registered: true, active: true, region: "DE", metadataURI: "ipfs://edge" });
    expect(st.models).to.deep.equal([edgeModelId(1n)]);
    expect([st.record.signer, st.record.hardwareClass, st.servedOwed, st.credit]).to.deep.equal([
      c.account(DEVICE).address,
      1,
      0n,
      0n,
    ]);
    const again = await edge.register(c.account(DEVICE).address, reg).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(EdgeAlreadyRegistered);
    expect((again as EdgeAlreadyRegistered).args).to.deep.equal({ node });

    await edge.update({ ...reg, region: "FR", models: [1n, 2n], metadataURI: "ipfs://edge2" });
    const up = await edge.status(node);
    expect([up.region, up.models.length, up.metadataURI]).to.deep.equal(["FR", 2, "ipfs://edge2"]);
  });

  it("heartbeats: the device key's EIP-712 signature is over the registry's own digest", async function () {
    const edge = c.axon(DEVICE).edge;
    const epoch = await edge.currentEpoch();
    const signature = await edge.signHeartbeat(node, epoch, 3);
    const domain = {
      name: "Axon EdgeNodeRegistry",
      version: "1",
      chainId: c.publicClient.chain.id,
      verifyingContract: edge.address,
    } as const;
    const typed = {
      domain,
      types: HEARTBEAT_TYPES,
      primaryType: "Heartbeat",
      message: { node, epoch, slot: 3 },
    } as const;
    expect(await recoverTypedDataAddress({ ...typed, signature })).to.equal(c.account(DEVICE).address);
    expect(
      await c.publicClient.readContract({
        address: edge.address,
        abi: edge.abi,
        functionName: "heartbeatDigest",
        args: [node, epoch, 3],
      }),
    ).to.equal(hashTypedData(typed));
  });

  it("pool funding, an epoch report, finalization and the uptime claim; wrong claims are typed errors", async function () {
    const sponsor = c.axon(SPONSOR).edge;
    const before = await sponsor.pool();
    await sponsor.fund(E("1"));
    const pool = await sponsor.pool();
    expect(pool.funded - before.funded).to.equal(E("1"));
    expect((await sponsor.wiring()).servedSource).to.equal(c.manifest.contracts.AIOracle.address);

    const rep = c.axon(REPORTER);
    await rep.staking.stake("edge", E("0.2"));
    const epoch = await rep.edge.currentEpoch();
    const tree = new UptimeTree(epoch, [
      { node, uptime: 5 },
      { node: reporter, uptime: 3 },
    ]);
    await increaseTime(c, Number((await rep.edge.epochStart(epoch + 1n)) - (await now(c))) + 1);
    await rep.edge.postReport(tree);
    const posted = await rep.edge.reportOf(epoch);
    expect([posted.status, posted.root, posted.reporter, posted.totalUptime]).to.deep.equal([
      ReportStatus.Posted,
      tree.root,
      reporter,
      8,
    ]);
    const early = await c
      .axon(NODE)
      .edge.claimUptime(tree)
      .catch((e: unknown) => e);
    expect(early).to.be.instanceOf(EdgeBadReportStatus);
    expect((early as EdgeBadReportStatus).args).to.deep.equal({ epoch, status: ReportStatus.Posted });

    const { challengeWindowSeconds, epochRewardWei } = await rep.edge.config();
    await increaseTime(c, challengeWindowSeconds + 1);
    await rep.edge.finalizeEpoch(epoch);
    const final = await rep.edge.reportOf(epoch);
    expect([final.status, final.budgetWei]).to.deep.equal([ReportStatus.Finalized, epochRewardWei]);

    const edge = c.axon(NODE).edge;
    const balance = await c.publicClient.getBalance({ address: node });
    const claim = await edge.claimUptime(tree);
    const gas = claim.receipt.gasUsed * claim.receipt.effectiveGasPrice;
    expect(await c.publicClient.getBalance({ address: node })).to.equal(balance + (epochRewardWei * 5n) / 8n - gas);
    expect(await edge.claimed(epoch)).to.equal(true);
    const twice = await edge.claimUptime(tree).catch((e: unknown) => e);
    expect(twice).to.be.instanceOf(EdgeAlreadyClaimed);
    expect((twice as EdgeAlreadyClaimed).args).to.deep.equal({ epoch, node });

    const forged = new UptimeTree(epoch, [{ node: reporter, uptime: 4 }]);
    const bad = await rep.edge.claimUptime(forged).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(EdgeInvalidProof);
    expect((bad as EdgeInvalidProof).args).to.deep.equal({ epoch, node: reporter, uptime: 4 });
    expect(() => forged.proofOf(node)).to.throw(`node ${node} is not in epoch ${epoch}'s report`);
  });

  it("served rewards, credit and deregistration: nothing owed is a typed error", async function () {
    const edge = c.axon(NODE).edge;
    const served = await edge.claimServed().catch((e: unknown) => e);
    expect(served).to.be.instanceOf(EdgeNothingToClaim);
    expect((served as EdgeNothingToClaim).args).to.deep.equal({ node });
    const credit = await edge.withdrawCredit().catch((e: unknown) => e);
    expect(credit).to.be.instanceOf(EdgeNoCredit);
    expect((credit as EdgeNoCredit).args).to.deep.equal({ account: node });
    await edge.deregister();
    const st = await edge.status();
    expect([st.registered, st.active]).to.deep.equal([true, false]);
    expect(st.record.deregisteredAt > 0n).to.equal(true);
  });
});

describe("edge uptime challenges against anvil", function () {
  // Accounts past the routing suite's (14..16), funded here.
  const [NODE2, DEVICE2, REPORTER2, CHALLENGER] = [17, 18, 19, 20];
  let c: TestChain;
  let node: Address;
  let reporter: Address;
  let challenger: Address;

  /** Moves past the end of `epoch` and posts its report [node: uptime, challenger: 1] as REPORTER2. */
  async function postEnded(epoch: bigint, uptime: number): Promise<UptimeTree> {
    const edge = c.axon(REPORTER2).edge;
    await increaseTime(c, Number((await edge.epochStart(epoch + 1n)) - (await now(c))) + 1);
    const tree = new UptimeTree(epoch, [
      { node, uptime },
      { node: challenger, uptime: 1 },
    ]);
    await edge.postReport(tree);
    return tree;
  }

  before(async function () {
    c = await testChain();
    for (const i of [NODE2, DEVICE2, REPORTER2, CHALLENGER])
      await c.rpc("anvil_setBalance", [c.account(i).address, `0x${E("100").toString(16)}`]);
    [node, reporter, challenger] = [NODE2, REPORTER2, CHALLENGER].map((i) => c.account(i).address);
    await c.axon(NODE2).staking.stake("edge", E("0.1"));
    await c.axon(REPORTER2).staking.stake("edge", E("0.3"));
    await c
      .axon(NODE2)
      .edge.register(c.account(DEVICE2).address, { region: "NL", hardwareClass: 2, models: [], metadataURI: "" });
  });

  it("a challenge answered with the device's heartbeats: the challenger's bond pays the reporter", async function () {
    const edge = c.axon(CHALLENGER).edge;
    expect((await edge.nodeOf(node)).signer).to.equal(c.account(DEVICE2).address);
    // A whole epoch after registration: every slot was possible.
    const epoch = (await edge.currentEpoch()) + 1n;
    const { epochSeconds, slotSeconds, challengeBondWei } = await edge.config();
    await increaseTime(c, Number((await edge.epochStart(epoch)) - (await now(c))) + 1);
    const tree = await postEnded(epoch, 2);
    expect(await edge.possibleUptime(node, epoch)).to.equal(epochSeconds / slotSeconds);

    const balance = await c.publicClient.getBalance({ address: challenger });
    const sent = await edge.challengeUptime(tree, node);
    const gas = sent.receipt.gasUsed * sent.receipt.effectiveGasPrice;
    expect(await c.publicClient.getBalance({ address: challenger })).to.equal(balance - challengeBondWei - gas);
    const open = await edge.challengeOf(epoch, node);
    expect([open.challenger, open.uptime]).to.deep.equal([challenger, 2]);
    expect(open.deadline > (await now(c))).to.equal(true);
    expect((await edge.reportOf(epoch)).openChallenges).to.equal(1);

    const device = c.axon(DEVICE2).edge;
    const signatures = [await device.signHeartbeat(node, epoch, 0), await device.signHeartbeat(node, epoch, 1)];
    const nodeEdge = c.axon(NODE2).edge;
    const short = await nodeEdge.answerChallenge(epoch, node, [0], signatures.slice(0, 1)).catch((e: unknown) => e);
    expect(short).to.be.instanceOf(EdgeHeartbeatCount);
    expect((short as EdgeHeartbeatCount).args).to.deep.equal({ given: 1n, claimed: 2 });
    const reporterCredit = await edge.creditOf(reporter);
    await nodeEdge.answerChallenge(epoch, node, [0, 1], signatures);
    expect((await edge.challengeOf(epoch, node)).challenger).to.equal(zeroAddress);
    const report = await edge.reportOf(epoch);
    expect([report.status, report.openChallenges]).to.deep.equal([ReportStatus.Posted, 0]);
    expect(await edge.creditOf(reporter)).to.equal(reporterCredit + challengeBondWei);
    const none = await edge.resolveChallenge(epoch, node).catch((e: unknown) => e);
    expect(none).to.be.instanceOf(EdgeNoChallenge);
    expect((none as EdgeNoChallenge).args).to.deep.equal({ epoch, node });
  });

  it("an unanswered challenge resolved after the answer window voids the report and slashes the reporter", async function () {
    const edge = c.axon(CHALLENGER).edge;
    const epoch = await edge.currentEpoch();
    const tree = await postEnded(epoch, 3);
    const { challengeBondWei, reporterBondWei, answerWindowSeconds } = await edge.config();
    await edge.challengeUptime(tree, node);
    const { deadline } = await edge.challengeOf(epoch, node);
    const early = await edge.resolveChallenge(epoch, node).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(EdgeAnswerWindowOpen);
    expect((early as EdgeAnswerWindowOpen).args).to.deep.equal({ epoch, node, deadline });

    const stake = await c.axon(REPORTER2).staking.stakeOf("edge");
    const credit = await edge.creditOf();
    await increaseTime(c, answerWindowSeconds + 1);
    await c.axon(NODE2).edge.resolveChallenge(epoch, node); // anyone may resolve
    expect((await edge.reportOf(epoch)).status).to.equal(ReportStatus.Voided);
    expect((await edge.challengeOf(epoch, node)).challenger).to.equal(zeroAddress);
    expect(await edge.creditOf()).to.equal(credit + challengeBondWei);
    const after = await c.axon(REPORTER2).staking.stakeOf("edge");
    expect(after.activeWei).to.equal(stake.activeWei - reporterBondWei);
    const late = await c
      .axon(NODE2)
      .edge.answerChallenge(epoch, node, [], [])
      .catch((e: unknown) => e);
    expect(late).to.be.instanceOf(EdgeBadReportStatus);
    expect((late as EdgeBadReportStatus).args).to.deep.equal({ epoch, status: ReportStatus.Voided });
    await edge.withdrawCredit();
    expect(await edge.creditOf()).to.equal(0n);
  });
});
