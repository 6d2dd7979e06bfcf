import { expect } from "chai";
import { type Hex, encodeAbiParameters, keccak256, parseEther, stringToHex, toHex, zeroAddress, zeroHash } from "viem";
import {
  AxonConfigError,
  AxonContractError,
  AxonError,
  DatasetStatus,
  AxonUnknownContractError,
  DataMarketNothingToWithdraw,
  BountiesClient,
  ComputeEscrowBondTooLow,
  DataMarketNotLicensed,
  ETH_ASSET,
  DataMarketUnknownDataset,
  JobStatus,
  LabelingBountiesInvalidParam,
  ModelOfferingNothingDue,
  ModelOfferingNotModelOwner,
  ModelRegistryNodeNotStaked,
  OfferingStatus,
  StakingBelowMinimum,
  serviceId,
} from "../src/index.js";
import { type TestChain, increaseTime, testChain } from "./chain";

const ADMIN = 0;
const NODE = 4;
const CREATOR = 5;
const BUYER = 6;
const PROVIDER = 7;
const LABELLER = 8;
const DAY = 86_400;
const E = (x: string) => parseEther(x);

async function now(c: TestChain): Promise<bigint> {
  return (await c.publicClient.getBlock()).timestamp;
}

describe("domain clients against anvil", function () {
  let c: TestChain;
  before(async function () {
    c = await testChain();
  });

  it("staking: stake, read, unbond, withdraw after the delay; a stake below the minimum is a typed error", async function () {
    const { staking } = c.axon(NODE);
    const cfg = await staking.serviceConfig("oracle");
    expect(cfg.enabled).to.equal(true);
    const low = await staking.stake("oracle", 1n).catch((e: unknown) => e);
    expect(low).to.be.instanceOf(StakingBelowMinimum);
    expect((low as StakingBelowMinimum).args).to.deep.equal({
      operator: c.account(NODE).address,
      service: serviceId("oracle"),
      activeWei: 1n,
      minStakeWei: E("1"),
    });
    await staking.stake("oracle", E("1.5"));
    expect(await staking.isActive("oracle")).to.equal(true);
    expect((await staking.stakeOf("oracle")).activeWei).to.equal(E("1.5"));
    await staking.requestUnbond("oracle", E("0.5"));
    const st = await staking.stakeOf(serviceId("oracle"));
    expect([st.activeWei, st.unbondingWei]).to.deep.equal([E("1"), E("0.5")]);
    await increaseTime(c, Number(st.unbondingReleaseAt - (await now(c))) + 1);
    const balance = await c.publicClient.getBalance({ address: c.account(NODE).address });
    const w = await staking.withdraw("oracle");
    const gas = w.receipt.gasUsed * w.receipt.effectiveGasPrice;
    expect(await c.publicClient.getBalance({ address: c.account(NODE).address })).to.equal(balance + E("0.5") - gas);
  });

  it("models: register, add/remove nodes, fees, terms; an unstaked node is a typed error", async function () {
    const { models } = c.axon(CREATOR);
    const { modelId } = await models.register({
      weightsHash: keccak256(toHex("m")),
      metadataURI: "ipfs://m",
      feeWei: E("0.002"),
    });
    expect(await models.count()).to.equal(modelId);
    await models.assertExists(modelId);
    const missing = await models.assertExists(modelId + 1n).catch((e: unknown) => e);
    expect((missing as Error).message).to.equal(`model ${modelId + 1n} does not exist (${modelId} registered)`);
    const unstaked = await models.addNode(modelId, c.account(BUYER).address).catch((e: unknown) => e);
    expect(unstaked).to.be.instanceOf(ModelRegistryNodeNotStaked);
    expect((unstaked as ModelRegistryNodeNotStaked).args).to.deep.equal({ modelId, node: c.account(BUYER).address });
    await models.addNode(modelId, c.account(NODE).address);
    expect(await models.nodes(modelId)).to.deep.equal([c.account(NODE).address]);
    await models.setFee(modelId, E("0.003"));
    const m = await models.get(modelId);
    expect([m.owner, m.feeWei, m.weightsHash]).to.deep.equal([
      c.account(CREATOR).address,
      E("0.003"),
      keccak256(toHex("m")),
    ]);
    await models.setVerification(modelId, { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0n });
    const terms = await models.terms(modelId, 1n);
    expect([terms.feeWei, terms.nodes]).to.deep.equal([E("0.003"), [c.account(NODE).address]]);
    await models.removeNode(modelId, c.account(NODE).address);
    expect(await models.nodes(modelId)).to.deep.equal([]);
  });

  it("imo: launch, quote, buy, finalize, claim vested, redeem; a stranger's launch is a typed error", async function () {
    const creator = c.axon(CREATOR);
    const buyer = c.axon(BUYER);
    const { modelId } = await creator.models.register({
      weightsHash: keccak256(toHex("imo")),
      metadataURI: "ipfs://imo",
      feeWei: 1n,
    });
    const params = {
      name: "Axon Digits",
      symbol: "AXD",
      totalSupply: E("1000000"),
      creatorAllocation: E("200000"),
      cliffSeconds: 0n,
      vestingSeconds: BigInt(30 * DAY),
      priceMode: 0,
      startPriceWei: E("0.00001"),
      slopeWei: 0n,
      hardCapTokens: E("100000"),
      softCapTokens: E("40000"),
      deadline: (await now(c)) + BigInt(7 * DAY),
      streamPeriodSeconds: 7 * DAY,
      redeemBps: 1_000,
    };
    const stranger = await buyer.imo.launch(modelId, params).catch((e: unknown) => e);
    expect(stranger).to.be.instanceOf(ModelOfferingNotModelOwner);
    expect((stranger as ModelOfferingNotModelOwner).args).to.deep.equal({
      modelId,
      caller: c.account(BUYER).address,
      owner: c.account(CREATOR).address,
    });
    const { token } = await creator.imo.launch(modelId, params);
    expect(await buyer.imo.status(modelId)).to.equal(OfferingStatus.Active);
    const cost = await buyer.imo.quote(modelId, E("100000"));
    expect(cost).to.equal(E("1"));
    const bought = await buyer.imo.buy(modelId, E("100000"));
    expect(bought.costWei).to.equal(cost);
    expect(await buyer.imo.purchaseOf(modelId)).to.deep.equal({ tokens: E("100000"), paidWei: cost });
    await buyer.imo.finalize(modelId); // hard cap reached
    expect(await buyer.imo.status(modelId)).to.equal(OfferingStatus.Succeeded);
    expect((await buyer.imo.offering(modelId)).token).to.equal(token);
    expect(await buyer.imo.balanceOf(token)).to.equal(E("100000"));
    await increaseTime(c, 30 * DAY);
    const vested = await creator.imo.claimVested(modelId);
    expect(vested.result).to.equal(E("200000"));
    // revenue paid to the token (as the oracle's pushCredit does) funds its redeem pool
    const paid = await c.wallet(ADMIN).sendTransaction({ to: token, value: E("1") });
    expect((await c.publicClient.waitForTransactionReceipt({ hash: paid })).status).to.equal("success");
    await increaseTime(c, 7 * DAY); // streamed over the token's period
    const preview = await buyer.imo.previewRedeem(token, E("1000"));
    const pool = await c.publicClient.readContract({
      address: token,
      abi: buyer.imo.tokenAbi,
      functionName: "redeemPoolOf",
      args: [ETH_ASSET],
    });
    expect(preview > 0n, `preview ${preview}, pool ${pool}`).to.equal(true);
    const claimable = await buyer.imo.claimable(token);
    await buyer.imo.redeem(token, E("1000"));
    expect((await buyer.imo.claimable(token)) >= claimable + preview).to.equal(true);
    const claimed = await buyer.imo.claimRevenue(token);
    expect(claimed.result >= claimable + preview).to.equal(true);
    expect(await buyer.imo.balanceOf(token)).to.equal(E("99000"));
    // the offering's proceeds go to the creator as a pull credit
    const w = await creator.imo.withdraw();
    expect(w.result > 0n).to.equal(true);
  });

  it("data: reads and buys go through the market's ABI; decryptKey refuses a chain without the relayer", async function () {
    const { data } = c.axon(BUYER);
    const unknown = await data.buy(42n, 1n).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(DataMarketUnknownDataset);
    expect((unknown as DataMarketUnknownDataset).args).to.deep.equal({ datasetId: 42n });
    expect(await data.hasAccess(42n)).to.equal(false);
    const direct = await data.claimAccess(42n).catch((e: unknown) => e);
    expect(direct).to.be.instanceOf(DataMarketNotLicensed);
    expect((direct as DataMarketNotLicensed).args).to.deep.equal({ datasetId: 42n, account: c.account(BUYER).address });
    const e = await data.decryptKey(1n).catch((err: unknown) => err);
    expect(e).to.be.instanceOf(AxonConfigError);
    expect((e as Error).message).to.match(
      /needs the Zama fhevm relayer, which serves Sepolia \(11155111\); chain 31337 has none/,
    );
  });

  it("bounties: create a task, commit, reveal, finalize, withdraw; bad params are a typed error", async function () {
    const requester = c.axon(ADMIN);
    const labeller = c.axon(LABELLER);
    const itemHash = keccak256(stringToHex("item 0"));
    const leaf = keccak256(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [0n, itemHash])));
    const t0 = await now(c);
    const params = {
      merkleRoot: leaf,
      itemCount: 1,
      labelsPerItem: 1,
      optionCount: 2,
      thresholdBps: 5001,
      commitDeadline: t0 + 3600n,
      revealDeadline: t0 + 7200n,
      rewardWei: E("0.01"),
      bondWei: E("0.01"),
      goldRoot: zeroHash,
    };
    const bad = await requester.bounties.createTask({ ...params, optionCount: 1 }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(LabelingBountiesInvalidParam);
    expect((bad as LabelingBountiesInvalidParam).args).to.deep.equal({ what: "optionCount" });
    const { taskId } = await requester.bounties.createTask(params);
    expect((await labeller.bounties.task(taskId)).escrowedWei).to.equal(E("0.01"));
    const salt = keccak256(toHex("salt"));
    await labeller.bounties.commit({ taskId, itemIndex: 0n, slot: 0n, itemHash, proof: [], label: 1, salt });
    expect(BountiesClient.commitment(taskId, 0n, c.account(LABELLER).address, 1, salt)).to.match(/^0x[0-9a-f]{64}$/);
    await increaseTime(c, 3601);
    await labeller.bounties.reveal(taskId, 0n, 0n, 1, salt);
    await increaseTime(c, 3600);
    await labeller.bounties.finalizeItem(taskId, 0n);
    await requester.bounties.claim(taskId, 0n, 0n, c.account(LABELLER).address, 1, salt); // anyone settles a slot
    const credit = await labeller.bounties.creditOf();
    expect(credit).to.equal(E("0.02")); // reward + bond back
    await labeller.bounties.withdraw();
    expect(await labeller.bounties.creditOf()).to.equal(0n);
  });

  it("compute: offer, post, claim, start, submit, accept, withdraw; a low bond is a typed error", async function () {
    const provider = c.axon(PROVIDER);
    const requester = c.axon(BUYER);
    await provider.staking.stake("compute", E("5"));
    const gpuModel = stringToHex("H100SXM", { size: 8 });
    await provider.compute.setOffer({ gpuModel, gpuCount: 8, memoryGiB: 80, unit: 0, pricePerGpuHour: E("0.001") });
    expect((await requester.compute.offerOf(c.account(PROVIDER).address)).gpuCount).to.equal(8);
    const price = await requester.compute.quote(c.account(PROVIDER).address, 7200);
    const request = {
      specHash: keccak256(toHex("spec")),
      specURI: "oci://spec",
      inputURI: "ipfs://input",
      gpuModel,
      gpuCount: 1,
      memoryGiB: 40,
      maxDurationSeconds: 7200,
      startDeadline: Number((await now(c)) + 3600n),
      provider: c.account(PROVIDER).address,
      mode: 0,
      redundancy: 0,
      bondWei: E("0.1"),
    };
    const low = await requester.compute.postJob({ ...request, bondWei: 1n }, price).catch((e: unknown) => e);
    expect(low).to.be.instanceOf(ComputeEscrowBondTooLow);
    expect((low as ComputeEscrowBondTooLow).args).to.deep.equal({ bondWei: 1n, minBondWei: E("0.1") });
    const { jobId } = await requester.compute.postJob(request, price);
    expect((await requester.compute.job(jobId)).status).to.equal(JobStatus.Open);
    await provider.compute.claim(jobId);
    await provider.compute.start(jobId);
    await provider.compute.submitResult(jobId, keccak256(toHex("result")), "ipfs://result");
    expect((await requester.compute.job(jobId)).status).to.equal(JobStatus.Submitted);
    await requester.compute.accept(jobId);
    const credit = await provider.compute.creditOf();
    expect(credit > 0n).to.equal(true);
    await provider.compute.withdraw();
    expect(await provider.compute.creditOf(undefined, zeroAddress)).to.equal(0n);
  });

  it("imo: a sale that misses its soft cap refunds its buyer", async function () {
    const creator = c.axon(CREATOR);
    const buyer = c.axon(BUYER);
    const { modelId } = await creator.models.register({
      weightsHash: keccak256(toHex("imo-fail")),
      metadataURI: "ipfs://f",
      feeWei: 1n,
    });
    const deadline = (await now(c)) + BigInt(DAY);
    await creator.imo.launch(modelId, {
      name: "Failed",
      symbol: "FLD",
      totalSupply: E("1000"),
      creatorAllocation: 0n,
      cliffSeconds: 0n,
      vestingSeconds: 0n,
      priceMode: 0,
      startPriceWei: E("0.001"),
      slopeWei: 0n,
      hardCapTokens: E("1000"),
      softCapTokens: E("500"),
      deadline,
      streamPeriodSeconds: 7 * DAY,
      redeemBps: 0,
    });
    const { costWei } = await buyer.imo.buy(modelId, E("10"));
    await increaseTime(c, DAY + 1);
    expect(await buyer.imo.status(modelId)).to.equal(OfferingStatus.Failed);
    const balance = await c.publicClient.getBalance({ address: c.account(BUYER).address });
    const refund = await buyer.imo.refund(modelId); // paid at once, the tokens burnt
    expect(refund.result).to.equal(costWei);
    const gas = refund.receipt.gasUsed * refund.receipt.effectiveGasPrice;
    expect(await c.publicClient.getBalance({ address: c.account(BUYER).address })).to.equal(balance + costWei - gas);
    const again = await buyer.imo.refund(modelId).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(ModelOfferingNothingDue);
    expect((again as ModelOfferingNothingDue).args).to.deep.equal({ account: c.account(BUYER).address });
  });

  it("compute: a requester cancels an open job and disputes a submitted result", async function () {
    const provider = c.axon(PROVIDER);
    const requester = c.axon(BUYER);
    const gpuModel = stringToHex("H100SXM", { size: 8 });
    const request = {
      specHash: keccak256(toHex("spec 2")),
      specURI: "oci://spec",
      inputURI: "ipfs://input",
      gpuModel,
      gpuCount: 1,
      memoryGiB: 40,
      maxDurationSeconds: 3600,
      startDeadline: Number((await now(c)) + 3600n),
      provider: c.account(PROVIDER).address,
      mode: 0,
      redundancy: 0,
      bondWei: E("0.1"),
    };
    const price = await requester.compute.quote(c.account(PROVIDER).address, 3600);
    const open = await requester.compute.postJob(request, price);
    await requester.compute.cancel(open.jobId);
    expect((await requester.compute.job(open.jobId)).status).to.not.equal(JobStatus.Open);
    expect(await requester.compute.creditOf()).to.equal(price);
    await requester.compute.withdraw();
    const { jobId } = await requester.compute.postJob(request, price);
    await provider.compute.claim(jobId);
    await provider.compute.start(jobId);
    await provider.compute.submitResult(jobId, keccak256(toHex("wrong")), "ipfs://wrong");
    await requester.compute.dispute(jobId, keccak256(toHex("the loss diverged")));
    expect((await requester.compute.job(jobId)).status).to.equal(JobStatus.Disputed);
  });

  it("data: withdraw with nothing owed is a typed error; list without an fhevm coprocessor is an unknown revert", async function () {
    const { data } = c.axon(BUYER);
    const none = await data.withdraw().catch((e: unknown) => e);
    expect(none).to.be.instanceOf(DataMarketNothingToWithdraw);
    expect((none as DataMarketNothingToWithdraw).args).to.deep.equal({
      account: c.account(BUYER).address,
      asset: zeroAddress,
    });
    const params = {
      contentHash: keccak256(toHex("content")),
      metadataURI: "ipfs://data",
      licenseHash: keccak256(toHex("license")),
      licenseURI: "ipfs://license",
      priceAmount: E("0.1"),
      paymentAsset: zeroAddress,
      contributors: [],
      contributorBps: [],
      provenance: { generatorModelId: 0n, oracleRequestId: 0n },
    };
    const listed = await data
      .list(params, { handle: keccak256(toHex("handle")), inputProof: "0x" })
      .catch((e: unknown) => e);
    expect(listed).to.be.instanceOf(AxonUnknownContractError);
    expect(listed).to.not.be.instanceOf(AxonContractError);
  });

  it("provenance: runs counted, a model's royalty forwarder deployed once; an unlisted dataset has no provenance", async function () {
    const { provenance, models } = c.axon(CREATOR);
    const { modelId } = await models.register({
      weightsHash: keccak256(toHex("provenance")),
      metadataURI: "ipfs://p",
      feeWei: 1n,
    });
    const runs = await provenance.runCount();
    const { runId } = await provenance.openRun(modelId, 200_000);
    expect(await provenance.runCount()).to.equal(runs + 1n);
    expect(runId).to.equal(runs + 1n);
    expect((await provenance.getRun(runId)).owner).to.equal(c.account(CREATOR).address);

    // The forwarder's address is deterministic: known before it is deployed, deployed there.
    const forwarder = await provenance.royaltyForwarderOf(modelId);
    expect(forwarder).to.not.equal(zeroAddress);
    expect(await c.publicClient.getCode({ address: forwarder })).to.equal(undefined);
    const first = await provenance.deployRoyaltyForwarder(modelId);
    expect(first.result).to.equal(forwarder);
    expect(await provenance.royaltyForwarderOf(modelId)).to.equal(forwarder);
    expect(await c.publicClient.getCode({ address: forwarder })).to.match(/^0x[0-9a-f]{2,}$/);
    const deployed = await c.publicClient.getContractEvents({
      address: provenance.address,
      abi: provenance.abi,
      eventName: "RoyaltyForwarderDeployed",
      args: { modelId },
      fromBlock: first.receipt.blockNumber,
    });
    expect(deployed.map((l) => l.args.forwarder)).to.deep.equal([forwarder]);
    // A second call returns the same forwarder and deploys nothing.
    const again = await provenance.deployRoyaltyForwarder(modelId);
    expect(again.result).to.equal(forwarder);
    expect(
      await c.publicClient.getContractEvents({
        address: provenance.address,
        abi: provenance.abi,
        eventName: "RoyaltyForwarderDeployed",
        args: { modelId },
        fromBlock: again.receipt.blockNumber,
      }),
    ).to.deep.equal([]);

    const p = await provenance.provenanceOf(4242n);
    expect([p.root, p.leafCount, p.runId]).to.deep.equal([zeroHash, 0, 0n]);
    const g = { requestId: 1n, inputHash: keccak256(toHex("in")), outputHash: keccak256(toHex("out")) };
    expect(await provenance.verifyLeaf(4242n, g, [])).to.equal(false);
    const unlisted = await provenance.verify(4242n).catch((e: unknown) => e);
    expect(unlisted).to.be.instanceOf(AxonError);
    expect((unlisted as Error).message).to.equal(
      `dataset 4242 was not listed through SyntheticProvenance at ${provenance.address}`,
    );
  });

  it("campaigns: counted on create; an unknown content hash has no item; data.get of an unknown dataset is empty", async function () {
    const { campaigns, data } = c.axon(CREATOR);
    const count = await campaigns.campaignCount();
    const { campaignId } = await campaigns.create({
      schemaHash: keccak256(toHex("schema")),
      payPerItemWei: E("0.001"),
      maxItems: 2,
      deadline: (await now(c)) + BigInt(DAY),
      validators: [c.account(ADMIN).address],
    });
    expect(await campaigns.campaignCount()).to.equal(count + 1n);
    expect(campaignId).to.equal(count + 1n);
    expect(await campaigns.itemOfContent(keccak256(toHex("never submitted")))).to.deep.equal({
      campaignId: 0n,
      itemId: 0n,
    });
    const { itemId } = await campaigns.submit(campaignId, keccak256(toHex("submitted")));
    expect(await campaigns.itemOfContent(keccak256(toHex("submitted")))).to.deep.equal({ campaignId, itemId });
    const d = await data.get(4242n);
    expect([d.seller, d.status]).to.deep.equal([zeroAddress, DatasetStatus.None]);
  });

  it("a client without a wallet reads but refuses writes with a clear error", async function () {
    const { createAxonClient } = await import("../src/index.js");
    const ro = createAxonClient({ publicClient: c.publicClient, manifest: c.manifest });
    expect(await ro.models.count()).to.be.a("bigint");
    const e = await ro.oracle.withdrawCredit().catch((err: unknown) => err);
    expect(e).to.be.instanceOf(AxonConfigError);
    expect((e as Error).message).to.equal(
      "withdrawCredit sends a transaction: pass a walletClient with an account to createAxonClient",
    );
    const nowhere = createAxonClient({ publicClient: c.publicClient, chainId: 31337 });
    expect(() => nowhere.oracle.address).to.throw(AxonConfigError, /no AIOracle address for chain 31337/);
    expect(() => createAxonClient({ publicClient: c.publicClient, manifest: { ...c.manifest, chainId: 5 } })).to.throw(
      AxonConfigError,
      /the manifest is for chain 5, but the client is on chain 31337/,
    );
    const over = createAxonClient({
      publicClient: c.publicClient,
      manifest: c.manifest,
      addresses: { AIOracle: zeroAddress as Hex },
    });
    expect(over.oracle.address).to.equal(zeroAddress);
  });
});
