import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { ModelToken } from "../../typechain-types";

export const ETH = ethers.ZeroAddress;
export const SCALE = 10n ** 27n;
export const DAY = 24 * 3600;
export const STREAM_PERIOD = 7 * DAY;
export const REDEEM_BPS = 1_000;
export const MAX_SUPPLY = ethers.parseEther("1000000");

/** Deploys an EIP-1167 minimal proxy of `implementation` (what ModelOffering's Clones.clone does). */
export async function deployClone(deployer: Signer, implementation: string): Promise<string> {
  const initCode =
    "0x3d602d80600a3d3981f3363d3d373d3d3d363d73" +
    implementation.slice(2).toLowerCase() +
    "5af43d82803e903d91602b57fd5bf3";
  const tx = await deployer.sendTransaction({ data: initCode });
  const receipt = await tx.wait();
  return receipt!.contractAddress!;
}

/** A ModelToken clone whose "offering" is a plain signer, so tests can mint, burn and configure directly. */
export async function deployModelToken(
  opts: { streamPeriod?: number; redeemBps?: number; maxSupply?: bigint; offering?: Signer } = {},
) {
  const [deployer, defaultOffering] = await ethers.getSigners();
  const offering = opts.offering ?? defaultOffering;
  const implementation = await (await ethers.getContractFactory("ModelToken")).deploy();
  const cloneAddress = await deployClone(deployer, await implementation.getAddress());
  const token = (await ethers.getContractAt("ModelToken", cloneAddress)) as unknown as ModelToken;
  await token.initialize(
    "Axon Model 7",
    "AXM7",
    await offering.getAddress(),
    7n,
    opts.maxSupply ?? MAX_SUPPLY,
    opts.streamPeriod ?? STREAM_PERIOD,
    opts.redeemBps ?? REDEEM_BPS,
  );
  return { token, implementation, offering };
}

/** A live ModelToken with `balances` minted to the first signers after the offering one. */
export async function deployLiveModelToken(balances: bigint[], opts: Parameters<typeof deployModelToken>[0] = {}) {
  const base = await deployModelToken(opts);
  const signers = await ethers.getSigners();
  const holders = signers.slice(2, 2 + balances.length);
  for (let i = 0; i < balances.length; i++) {
    if (balances[i] > 0n) await base.token.connect(base.offering).mint(holders[i].address, balances[i]);
  }
  await base.token.connect(base.offering).activate();
  return { ...base, holders, signers };
}
