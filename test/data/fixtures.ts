import { ethers, fhevm } from "hardhat";
import type { DataMarket, DataMarketActor, MockDatasetLister, WeirdERC20 } from "../../typechain-types";
import type { IDataMarket } from "../../typechain-types/contracts/data/DataMarket";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";

export const FEE_BPS = 250n;
export const PRICE = ethers.parseEther("1");
export const TOKEN_PRICE = 1_000_000n;
export const LISTER_ROLE = ethers.id("LISTER_ROLE");
export const ETH = ethers.ZeroAddress;
export const KEY = 0xa11ce5ec0de7n * (1n << 200n) + 0xdeadbeefn;
export const ROTATED_KEY = (1n << 255n) + 0x5eedn;
export const BPS = 10_000n;

/** Token modes of WeirdERC20. */
export const Mode = {
  Standard: 0,
  FeeOnTransfer: 1,
  NoReturnValue: 2,
  FalseReturn: 3,
  RevertOnTransfer: 4,
  Reenter: 5,
};

export function listingParams(
  overrides: Partial<IDataMarket.ListingParamsStruct> = {},
): IDataMarket.ListingParamsStruct {
  return {
    contentHash: ethers.id("dataset.content.v1"),
    metadataURI: "ipfs://bafy-metadata/dataset.json",
    licenseHash: ethers.id("CC-BY-NC-4.0"),
    licenseURI: "ipfs://bafy-license/license.txt",
    priceAmount: PRICE,
    paymentAsset: ETH,
    contributors: [],
    contributorBps: [],
    provenance: { generatorModelId: 0n, oracleRequestId: 0n },
    ...overrides,
  };
}

/** The market behind a UUPS proxy, a standard allow-listed token, and named accounts. */
export async function marketFixture() {
  const core = await deployCore();
  const [seller, buyer, buyer2, contributorA, contributorB, stranger, keeper] = core.others;
  const market = await deployProxy<DataMarket>("DataMarket", [
    core.admin.address,
    ADMIN_DELAY_SECONDS,
    await core.treasury.getAddress(),
    FEE_BPS,
  ]);
  const marketAddress = await market.getAddress();
  const token = (await ethers.deployContract("WeirdERC20")) as unknown as WeirdERC20;
  const tokenAddress = await token.getAddress();
  await market.setPaymentAssetAllowed(tokenAddress, true);
  await core.treasury.setTokenAllowed(tokenAddress, true);
  for (const s of [buyer, buyer2, stranger]) {
    await token.mint(s.address, TOKEN_PRICE * 100n);
    await token.connect(s).approve(marketAddress, ethers.MaxUint256);
  }
  const encryptKey = async (signer: { address: string }, key: bigint = KEY, contract: string = marketAddress) =>
    fhevm.createEncryptedInput(contract, signer.address).add256(key).encrypt();
  const list = async (params: IDataMarket.ListingParamsStruct, from = seller, key: bigint = KEY) => {
    const enc = await encryptKey(from, key);
    return market.connect(from).list(params, enc.handles[0], enc.inputProof);
  };
  return {
    ...core,
    market,
    marketAddress,
    token,
    tokenAddress,
    seller,
    buyer,
    buyer2,
    contributorA,
    contributorB,
    stranger,
    keeper,
    encryptKey,
    list,
  };
}

/** Dataset 1: ETH, two contributors (10% and 5%). Dataset 2: the token, no contributors. */
export async function listedFixture() {
  const f = await marketFixture();
  await f.list(
    listingParams({ contributors: [f.contributorA.address, f.contributorB.address], contributorBps: [1_000, 500] }),
  );
  await f.list(listingParams({ priceAmount: TOKEN_PRICE, paymentAsset: f.tokenAddress }));
  return f;
}

/** listedFixture plus one ETH purchase of dataset 1 by `buyer`. */
export async function purchasedFixture() {
  const f = await listedFixture();
  await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
  return f;
}

/** A LISTER_ROLE contract standing in for LabelingBounties. */
export async function listerFixture() {
  const f = await marketFixture();
  const lister = (await ethers.deployContract("MockDatasetLister", [f.marketAddress])) as unknown as MockDatasetLister;
  await f.market.grantRole(LISTER_ROLE, await lister.getAddress());
  return { ...f, lister, listerAddress: await lister.getAddress() };
}

export async function deployActor(): Promise<DataMarketActor> {
  return (await ethers.deployContract("DataMarketActor")) as unknown as DataMarketActor;
}

/** Expected split of one sale: floored shares, dust to the protocol. */
export function expectedSplit(paid: bigint, feeBps: bigint, contributorBps: bigint[]) {
  const royaltyBps = contributorBps.reduce((a, b) => a + b, 0n);
  const seller = (paid * (BPS - feeBps - royaltyBps)) / BPS;
  const royalties = contributorBps.map((b) => (paid * b) / BPS);
  const royalty = royalties.reduce((a, b) => a + b, 0n);
  return { seller, royalties, royalty, fee: paid - seller - royalty };
}
