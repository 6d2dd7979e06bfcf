import { ethers, fhevm, upgrades } from "hardhat";
import type { DataMarket, Treasury } from "../../typechain-types";
import { ensureFhevmMock } from "../fhevmMock";
import type { GasRecorder } from "../lib";

const PRICE = ethers.parseEther("0.01");
const FEE_BPS = 250;
const GRANT_DELAY_SECONDS = 600;

async function deployProxy<T>(name: string, args: unknown[]): Promise<T> {
  const proxy = await upgrades.deployProxy(await ethers.getContractFactory(name), args, { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as T;
}

// DataMarket: list, purchase (with and without the FHE grant in the same transaction), the grant alone, withdraw,
// key rotation and reclaim; purchase measured after 1 and after 100 prior buyers and datasets (flatness).
export default async function (gas: GasRecorder): Promise<void> {
  await ensureFhevmMock();
  const [admin, seller, contributor] = await ethers.getSigners();
  const buyers = await Promise.all(
    Array.from({ length: 102 }, async () => {
      const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
      await ethers.provider.send("hardhat_setBalance", [wallet.address, ethers.toQuantity(ethers.parseEther("10"))]);
      return wallet;
    }),
  );
  const treasury = await deployProxy<Treasury>("Treasury", [admin.address, 0]);
  const market = await deployProxy<DataMarket>("DataMarket", [admin.address, 0, await treasury.getAddress(), FEE_BPS]);
  const marketAddress = await market.getAddress();

  const params = (contributors: string[]) => ({
    contentHash: ethers.id("bench.content"),
    metadataURI: "ipfs://bafybeibenchmetadata0000000000000000000000000000000000/dataset.json",
    licenseHash: ethers.id("bench.license"),
    licenseURI: "ipfs://bafybeibenchlicense00000000000000000000000000000000000/license.txt",
    priceAmount: PRICE,
    paymentAsset: ethers.ZeroAddress,
    contributors,
    contributorBps: contributors.map(() => 1_000),
    provenance: { generatorModelId: 0n, oracleRequestId: 0n },
  });
  const list = async (contributors: string[]) => {
    const enc = await fhevm
      .createEncryptedInput(marketAddress, seller.address)
      .add256(ethers.toBigInt(ethers.randomBytes(32)))
      .encrypt();
    return market.connect(seller).list(params(contributors), enc.handles[0], enc.inputProof);
  };

  await gas.record("list", await list([]));
  await gas.record("list_1_contributor", await list([contributor.address]));
  const id = 2n;
  const buy = (i: number, datasetId = id) => market.connect(buyers[i]).purchase(datasetId, PRICE, { value: PRICE });

  // First sale: every credit slot goes from zero to non-zero.
  await gas.record("purchase_first_sale", await buy(0));
  // Steady state with 1 prior buyer and 2 datasets.
  await gas.record("purchase_with_grant_1_prior", await buy(1));
  await (await market.setGrantDelay(GRANT_DELAY_SECONDS)).wait();
  const noGrant = await gas.record("purchase_without_grant_2_prior", await buy(2));
  await (await market.setGrantDelay(0)).wait();
  const withGrant = await gas.record("purchase_with_grant_3_prior", await buy(3));
  await gas.record("fhe_grant_in_purchase", withGrant - noGrant);

  // 100 prior buyers and 100 datasets.
  for (let i = 4; i < 100; i++) await (await buy(i)).wait();
  for (let i = 0; i < 98; i++) await (await list([contributor.address])).wait();
  await gas.record("purchase_with_grant_100_prior", await buy(100));
  await (await market.setGrantDelay(GRANT_DELAY_SECONDS)).wait();
  await gas.record("purchase_without_grant_101_prior", await buy(101));
  await ethers.provider.send("evm_increaseTime", [GRANT_DELAY_SECONDS]);
  await gas.record("claim_access", await market.claimAccess(id, buyers[101].address));
  await (await market.setGrantDelay(0)).wait();

  // ERC-20 purchase (standard token, balance-diff accounting), steady state after a first sale.
  const token = await ethers.deployContract("WeirdERC20");
  const tokenAddress = await token.getAddress();
  await (await market.setPaymentAssetAllowed(tokenAddress, true)).wait();
  const encToken = await fhevm
    .createEncryptedInput(marketAddress, seller.address)
    .add256(ethers.toBigInt(ethers.randomBytes(32)))
    .encrypt();
  const tokenParams = { ...params([contributor.address]), priceAmount: 1_000_000n, paymentAsset: tokenAddress };
  await (await market.connect(seller).list(tokenParams, encToken.handles[0], encToken.inputProof)).wait();
  const tokenId = await market.marketConfig().then((c) => c[3]);
  for (const b of buyers.slice(0, 2)) {
    await (await token.mint(b.address, 10n ** 12n)).wait();
    await (await token.connect(b).approve(marketAddress, ethers.MaxUint256)).wait();
  }
  await (await market.connect(buyers[0]).purchase(tokenId, 1_000_000n)).wait();
  await gas.record("purchase_token_with_grant", await market.connect(buyers[1]).purchase(tokenId, 1_000_000n));

  await gas.record("withdraw_eth", await market.connect(seller).withdraw(ethers.ZeroAddress));
  await gas.record("sweep_protocol_fees_eth", await market.sweepProtocolFees(ethers.ZeroAddress));

  const enc = await fhevm.createEncryptedInput(marketAddress, seller.address).add256(42n).encrypt();
  await gas.record("rotate_key", await market.connect(seller).rotateKey(id, enc.handles[0], enc.inputProof));
  await gas.record("reclaim_access", await market.connect(buyers[0]).reclaimAccess(id));
  await gas.record("set_price", await market.connect(seller).setPrice(id, PRICE * 2n));
  await gas.record("delist", await market.connect(seller).delist(id));
}
