import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ModelOffering, ModelRegistry, ModelToken } from "../../typechain-types";
import { ADMIN_DELAY_SECONDS, MIN_ORACLE_STAKE, ORACLE_SERVICE } from "../helpers/constants";
import { deployCore, deployProxy } from "../helpers/core";
import { deployOracle, termsOf } from "../oracle/fixtures";
import { defaultParams, E } from "./offeringFixtures";

const ETH = ethers.ZeroAddress;
const MODEL_FEE = E("0.01");
const CALLBACK_GAS = 100_000;

/**
 * End to end with the real AIOracle and ModelRegistry: a model is registered and served by a staked node, sold in its
 * IMO (alice 60%, bob 40%), then requests on it are fulfilled; the model fee is credited to the locked revenue
 * receiver (the ModelToken), anyone pushes the credit into the token, and holders claim in proportion.
 */
describe("IMO end to end with AIOracle", function () {
  async function imoServedByOracle() {
    const core = await deployCore();
    const { admin, staking, treasury } = core;
    const [creator, node, alice, bob, requester] = core.others;
    const registry = await deployProxy<ModelRegistry>("ModelRegistry", [
      admin.address,
      ADMIN_DELAY_SECONDS,
      await staking.getAddress(),
    ]);
    await staking.connect(node).stake(ORACLE_SERVICE, { value: MIN_ORACLE_STAKE });
    await registry.connect(creator).registerModel(ethers.id("digits-weights"), "ipfs://digits", MODEL_FEE, {
      mode: 0,
      quorumK: 0,
      quorumN: 0,
      challengeWindowSeconds: 0,
      bondWei: 0n,
    });
    const modelId = await registry.modelCount();
    await registry.connect(creator).addNode(modelId, node.address);

    const oracle = await deployOracle(
      admin.address,
      await registry.getAddress(),
      await treasury.getAddress(),
      { nodeFeeWei: E("0.001"), protocolFeeBps: 100, minGasPriceWei: 1n, maxGasPriceWei: 10n ** 11n },
      {
        maxInputBytes: 16_384,
        maxOutputBytes: 16_384,
        maxCallbackGasLimit: 500_000,
        requestTimeoutSeconds: 3600,
        gracePeriodSeconds: 60,
        challengeResolutionSeconds: 3600,
        dissentSlashWei: 0n,
      },
    );

    const implementation = await (await ethers.getContractFactory("ModelToken")).deploy();
    const offering = await deployProxy<ModelOffering>("ModelOffering", [
      admin.address,
      ADMIN_DELAY_SECONDS,
      await registry.getAddress(),
      await treasury.getAddress(),
      await implementation.getAddress(),
      250,
    ]);
    await registry.connect(admin).grantRole(await registry.REVENUE_MANAGER_ROLE(), await offering.getAddress());
    await offering.connect(creator).launch(modelId, await defaultParams());
    await offering.connect(alice).buy(modelId, E("60000"), E("60"), { value: E("60") });
    await offering.connect(bob).buy(modelId, E("40000"), E("40"), { value: E("40") });
    await offering.finalize(modelId);
    const token = (await ethers.getContractAt(
      "ModelToken",
      (await offering.offeringOf(modelId)).token,
    )) as unknown as ModelToken;
    return { ...core, registry, oracle, offering, token, modelId, creator, node, alice, bob, requester };
  }

  /** A request on the model, fulfilled by its node; returns the request as emitted. */
  async function requestAndFulfil(f: Awaited<ReturnType<typeof imoServedByOracle>>, input: string) {
    const { oracle, modelId, node, requester } = f;
    const fee = await oracle.quote(modelId, CALLBACK_GAS);
    const tx = await oracle
      .connect(requester)
      .request(modelId, input, requester.address, CALLBACK_GAS, "0x", { value: fee });
    const receipt = await tx.wait();
    const created = receipt!.logs.map((l) => oracle.interface.parseLog(l)).find((e) => e?.name === "RequestCreated")!;
    const requestId = created.args.requestId;
    // Event results are read-only proxies; the node passes back a plain copy.
    const req = { ...created.args.request.toObject(), nodes: [...created.args.request.nodes] };
    await oracle.connect(node).fulfil(requestId, req, "0x07", 0);
    return req;
  }

  it("credits each fulfilled request's model fee to the token, which streams it to holders pro rata", async function () {
    const f = await loadFixture(imoServedByOracle);
    const { oracle, registry, token, modelId, alice, bob, requester } = f;
    expect(await registry.revenueReceiverOf(modelId)).to.equal(await token.getAddress());
    const requests = 5n;
    for (let i = 0n; i < requests; i++) {
      const req = await requestAndFulfil(f, ethers.hexlify(ethers.toUtf8Bytes(`digit ${i}`)));
      expect(termsOf(req).revenueReceiver).to.equal(await token.getAddress());
    }
    const revenue = requests * MODEL_FEE;
    expect(await oracle.creditOf(await token.getAddress())).to.equal(revenue);

    // Anyone may push the credit in; it arrives through receive() as ETH revenue.
    await expect(oracle.connect(requester).pushCredit(await token.getAddress()))
      .to.emit(token, "RevenueDeposited")
      .withArgs(ETH, await oracle.getAddress(), revenue, revenue / 10n);
    expect(await oracle.creditOf(await token.getAddress())).to.equal(0n);

    await time.increase(Number(await token.streamPeriodSeconds()));
    const toHolders = revenue - revenue / 10n;
    const aliceDue = await token.claimableOf(ETH, alice.address);
    const bobDue = await token.claimableOf(ETH, bob.address);
    expect(aliceDue).to.be.closeTo((toHolders * 6n) / 10n, 2n);
    expect(bobDue).to.be.closeTo((toHolders * 4n) / 10n, 2n);
    await expect(token.connect(alice).claim(ETH)).to.changeEtherBalance(alice, aliceDue);
    await expect(token.connect(bob).claim(ETH)).to.changeEtherBalance(bob, bobDue);
  });
});
