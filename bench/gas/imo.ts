import { ethers, network } from "hardhat";
import type { GasRecorder } from "../lib";
import type { ModelToken } from "../../typechain-types";
import { deployClone } from "../../test/imo/fixtures";

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

  const token = await liveToken();
  await depositEth(token);
  await advance(3600);
  await gas.record("deposit.eth.receive", await depositEth(token));
  await advance(3600);
  // Steady transfer: both parties already hold and have corrections; a stream is running.
  await token.connect(a).transfer(b.address, 1n);
  await advance(60);
  await gas.record("transfer.steady", await token.connect(a).transfer(b.address, E("1")));
  await token.connect(a).delegate(a.address);
  await token.connect(b).delegate(b.address);
  await advance(60);
  await gas.record("transfer.steady.bothDelegated", await token.connect(a).transfer(b.address, E("1")));

  const erc20 = await (await ethers.getContractFactory("MintableTestToken")).deploy();
  await erc20.mint(a.address, E("1000"));
  await erc20.connect(a).approve(await token.getAddress(), ethers.MaxUint256);
  await token.connect(offering).setRevenueAsset(await erc20.getAddress(), true);
  await token.connect(a).depositRevenue(await erc20.getAddress(), E("1"));
  await advance(3600);
  await gas.record("deposit.token", await token.connect(a).depositRevenue(await erc20.getAddress(), E("1")));
  await advance(3600);
  await gas.record("claim.token", await token.connect(b).claim(await erc20.getAddress()));
  await gas.record("transfer.steady.ethAndOneToken", await token.connect(b).transfer(a.address, E("1")));
  await gas.record("redeem.ethAndOneToken", await token.connect(a).redeem(E("1")));
}
