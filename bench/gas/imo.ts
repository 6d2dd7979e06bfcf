import { ethers, network } from "hardhat";
import type { Signer } from "ethers";
import type { GasRecorder } from "../lib";
import type { ModelToken } from "../../typechain-types";
import { deployClone } from "../../test/imo/fixtures";
import { defaultParams, deployOffering, MODEL_ID } from "../../test/imo/offeringFixtures";

const E = ethers.parseEther;
const ETH = ethers.ZeroAddress;
const PERIOD = 7 * 24 * 3600;

async function advance(seconds: number) {
  await network.provider.send("evm_increaseTime", [seconds]);
  await network.provider.send("evm_mine");
}

/** A live ModelToken clone with three holders of 100 tokens each; the second signer plays the offering. */
async function liveToken(): Promise<ModelToken> {
  const [deployer, offering, a, b, c] = await ethers.getSigners();
  const impl = await (await ethers.getContractFactory("ModelToken")).deploy();
  const token = (await ethers.getContractAt(
    "ModelToken",
    await deployClone(deployer, await impl.getAddress()),
  )) as unknown as ModelToken;
  await token.initialize("Bench Model", "BM", offering.address, 1n, E("1000000"), PERIOD, 1_000);
  for (const h of [a, b, c]) await token.connect(offering).mint(h.address, E("100"));
  await token.connect(offering).activate();
  return token;
}

async function approveAndPull(token: ModelToken, from: Signer, to: Signer) {
  await token.connect(from).approve(await to.getAddress(), E("1"));
  await advance(60);
  return token.connect(to).transferFrom(await from.getAddress(), await to.getAddress(), E("1"));
}

async function depositEth(token: ModelToken, amount = E("1")) {
  const [deployer] = await ethers.getSigners();
  return deployer.sendTransaction({ to: await token.getAddress(), value: amount });
}

export default async function (gas: GasRecorder) {
  const [, offering, a, b] = await ethers.getSigners();

  // Claim after N deposits: the first claim of a holder who has held through all N deposits.
  for (const n of [1, 10, 50, 500]) {
    const token = await liveToken();
    for (let i = 0; i < n; i++) {
      await depositEth(token);
      await advance(3600);
    }
    await gas.record(`claim.eth.after${n}Deposits`, await token.connect(a).claim(ETH));
    await advance(3600);
    await gas.record(`claim.eth.after${n}Deposits.again`, await token.connect(a).claim(ETH));
  }

  // ETH only: deposit by plain transfer (what the oracle's gas-capped push does), then steady transfers.
  const token = await liveToken();
  await gas.record("deposit.eth.receive.first", await depositEth(token));
  await advance(3600);
  await gas.record("deposit.eth.receive", await depositEth(token));
  await advance(3600);
  await token.connect(a).transfer(b.address, 1n); // warm-up: both parties now have corrections
  await advance(60);
  await gas.record("transfer.steady", await token.connect(a).transfer(b.address, E("1")));
  await advance(60);
  await gas.record("transferFrom.steady", await approveAndPull(token, a, b));
  await gas.record("redeem.eth", await token.connect(a).redeem(E("1")));
  await token.connect(a).delegate(a.address);
  await token.connect(b).delegate(b.address);
  await advance(60);
  await gas.record("transfer.steady.bothDelegated", await token.connect(a).transfer(b.address, E("1")));

  // ETH and one listed ERC-20, both streaming.
  const token2 = await liveToken();
  const erc20 = await (await ethers.getContractFactory("MintableTestToken")).deploy();
  await erc20.mint(a.address, E("1000"));
  await erc20.connect(a).approve(await token2.getAddress(), ethers.MaxUint256);
  await token2.connect(offering).setRevenueAsset(await erc20.getAddress(), true);
  await depositEth(token2);
  await token2.connect(a).depositRevenue(await erc20.getAddress(), E("1"));
  await advance(3600);
  await gas.record("deposit.token", await token2.connect(a).depositRevenue(await erc20.getAddress(), E("1")));
  await token2.connect(a).transfer(b.address, 1n);
  await token2.connect(b).claim(await erc20.getAddress());
  await advance(3600);
  await gas.record("claim.token", await token2.connect(b).claim(await erc20.getAddress()));
  await gas.record("transfer.steady.ethAndOneToken", await token2.connect(b).transfer(a.address, E("1")));
  await gas.record("redeem.ethAndOneToken", await token2.connect(a).redeem(E("1")));

  // The offering: launch (clone + initialise), a first and a steady buy on the linear curve, finalize.
  const o = await deployOffering();
  await gas.record(
    "offering.launch",
    await o.offering
      .connect(o.creator)
      .launch(MODEL_ID, await defaultParams({ priceMode: 1, slopeWei: E("0.0000001") })),
  );
  await gas.record(
    "offering.buy.first",
    await o.offering.connect(o.alice).buy(MODEL_ID, E("1000"), E("10"), { value: E("10") }),
  );
  await gas.record(
    "offering.buy",
    await o.offering.connect(o.bob).buy(MODEL_ID, E("1000"), E("10"), { value: E("10") }),
  );
  await o.offering.connect(o.carol).buy(MODEL_ID, E("98000"), E("1000"), { value: E("1000") });
  await gas.record("offering.finalize", await o.offering.finalize(MODEL_ID));
  await advance(31 * 24 * 3600);
  await gas.record("offering.claimVested", await o.offering.claimVested(MODEL_ID));
  await gas.record("offering.withdraw", await o.offering.connect(o.creator).withdraw());
}
