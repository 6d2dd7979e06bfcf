// The data market's success paths need an fhevm coprocessor: these run under Hardhat's in-process network with the
// fhevm mock (@fhevm/hardhat-plugin), the SDK's viem clients over Hardhat's provider, and a KeyDecryptor backed by
// `fhevm.userDecryptEuint`. Run by `npm run test:sdk` (the "sdk" stage of scripts/test.mjs) after the anvil suites:
// npx hardhat test --no-compile sdk/test/hardhat/market.hardhat.ts
import "../resolve-ts.cjs";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers, fhevm } from "hardhat";
import {
  type Address,
  type Hex,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  custom,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
} from "viem";
import { hardhat } from "viem/chains";
import { deployAxon } from "../../../deploy/axon";
import {
  type AxonClient,
  type AxonManifest,
  CollectionCampaignsInvalidSignature,
  type EncryptedKey,
  ItemStatus,
  type KeyDecryptor,
  type ListingParams,
  ProvenanceTree,
  SyntheticProvenanceNotRunOwner,
  aIOracleAbi,
  createAxonClient,
  fulfilArgs,
} from "../../src/index.js";

const KEY = 0xa11ce5n * 2n ** 200n + 42n;
const GAS = 500_000;

/** The buyer's key decryption through the Hardhat fhevm mock (what the relayer does on Sepolia). */
const hardhatDecryptor: KeyDecryptor = {
  async decrypt({ handle, contractAddress, user }) {
    return fhevm.userDecryptEuint(FhevmType.euint256, handle, contractAddress, await ethers.getSigner(user));
  },
};

/** A 256-bit key encrypted for `contract` (the one importing it) and `sender` (who sends the listing). */
async function encryptKey(contract: Address, sender: Address, key = KEY): Promise<EncryptedKey> {
  const enc = await fhevm.createEncryptedInput(contract, sender).add256(key).encrypt();
  return { handle: bytesToHex(enc.handles[0]), inputProof: bytesToHex(enc.inputProof) };
}

function listing(overrides: Partial<ListingParams> = {}): ListingParams {
  return {
    contentHash: keccak256(toHex("sdk dataset")),
    metadataURI: "ipfs://sdk-dataset",
    licenseHash: keccak256(toHex("CC-BY-4.0")),
    licenseURI: "ipfs://license",
    priceAmount: parseEther("0.05"),
    paymentAsset: zeroAddress,
    contributors: [],
    contributorBps: [],
    provenance: { generatorModelId: 0n, oracleRequestId: 0n },
    ...overrides,
  };
}

describe("SDK data clients on the fhevm mock (Hardhat network)", function () {
  this.timeout(300_000);
  let accounts: Address[];
  let manifest: AxonManifest;
  let axon: (i: number) => AxonClient;
  let modelId: bigint;
  const [NODE, CREATOR, SELLER, BUYER, FUNDER, CONTRIBUTOR, VALIDATOR, STRANGER] = [1, 2, 3, 4, 5, 6, 7, 8];

  before(async function () {
    accounts = (await ethers.getSigners()).map((s) => s.address as Address);
    const d = await deployAxon(hre, { writeManifest: false });
    manifest = d.manifest as AxonManifest;
    const transport = custom(hre.network.provider);
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 });
    axon = (i) =>
      createAxonClient({
        publicClient,
        walletClient: createWalletClient({ chain: hardhat, transport, account: accounts[i] }),
        manifest,
        pollingIntervalMs: 20,
      });
    await axon(NODE).staking.stake("oracle", parseEther("2"));
    ({ modelId } = await axon(CREATOR).models.register({
      weightsHash: keccak256(toHex("generator")),
      metadataURI: "ipfs://generator",
      feeWei: parseEther("0.001"),
    }));
    await axon(CREATOR).models.addNode(modelId, accounts[NODE]);
    await d.market.grantRole(await d.market.LISTER_ROLE(), accounts[SELLER]);
    expect(manifest.contracts.DataMarket).to.not.equal(undefined);
  });

  it("data: list, buy, decrypt the key with a pluggable KeyDecryptor; a stranger cannot decrypt", async function () {
    const seller = axon(SELLER).data;
    const { datasetId } = await seller.list(listing(), await encryptKey(seller.address, accounts[SELLER]));
    const buyer = axon(BUYER).data;
    expect(await buyer.hasAccess(datasetId)).to.equal(false);
    await buyer.buy(datasetId);
    expect(await buyer.hasAccess(datasetId)).to.equal(true);
    expect(await buyer.decryptKey(datasetId, { decryptor: hardhatDecryptor })).to.equal(KEY);
    await expect(axon(STRANGER).data.decryptKey(datasetId, { decryptor: hardhatDecryptor })).to.be.rejected;
  });

  it("provenance: a run answered through the oracle, listed with its root; the buyer verifies every leaf", async function () {
    const { provenance } = axon(SELLER);
    const { runId } = await provenance.openRun(modelId, GAS);
    const inputs: Hex[] = ["0x01", "0x0202", "0x030303"];
    const { requestIds, feeWei } = await provenance.requestGenerations(runId, inputs);
    expect(requestIds).to.have.length(3);
    expect(feeWei).to.equal(await axon(SELLER).oracle.quote(modelId, GAS));
    for (const [i, id] of requestIds.entries()) {
      const created = await axon(NODE).oracle.getRequest(id);
      await axon(NODE).context.walletClient!.writeContract({
        address: axon(NODE).oracle.address,
        abi: aIOracleAbi,
        functionName: "fulfil",
        args: fulfilArgs(created, toHex(`synthetic item ${i}`)),
        account: accounts[NODE],
        chain: hardhat,
      });
    }
    const generations = await provenance.recordedGenerations(runId);
    expect(generations.map((g) => g.requestId)).to.deep.equal(requestIds);
    expect(generations[1].output).to.equal(toHex("synthetic item 1"));
    expect((await provenance.recordOf(requestIds[0])).status).to.equal("fulfilled");
    const run = await provenance.getRun(runId);
    expect([run.owner, run.requested, run.succeeded, run.modelId]).to.deep.equal([accounts[SELLER], 3, 3, modelId]);

    const tree = new ProvenanceTree(modelId, generations);
    const forwarder = await provenance.royaltyForwarderOf(modelId);
    const params = listing({
      contentHash: keccak256(toHex("synthetic set")),
      contributors: [forwarder],
      contributorBps: [1_000],
      provenance: { generatorModelId: modelId, oracleRequestId: 0n },
    });
    const stranger = await axon(STRANGER)
      .provenance.listDataset(runId, tree, params, await encryptKey(provenance.address, accounts[STRANGER]))
      .catch((e: unknown) => e);
    expect(stranger).to.be.instanceOf(SyntheticProvenanceNotRunOwner);
    expect((stranger as SyntheticProvenanceNotRunOwner).args).to.deep.equal({ runId, caller: accounts[STRANGER] });
    const { datasetId } = await provenance.listDataset(
      runId,
      tree,
      params,
      await encryptKey(provenance.address, accounts[SELLER]),
    );

    const buyer = axon(BUYER);
    const report = await buyer.provenance.verify(datasetId);
    expect(report).to.deep.include({
      runId,
      modelId,
      root: tree.root,
      leafCount: 3,
      rootMatches: true,
      verified: 3,
      ok: true,
    });
    const forged = generations.map((g, i) => (i === 2 ? { ...g, outputHash: keccak256(toHex("forged")) } : g));
    const bad = await buyer.provenance.verify(datasetId, { generations: forged });
    // One forged output changes the rebuilt root and every proof that hashes through it.
    expect([bad.rootMatches, bad.verified, bad.ok]).to.deep.equal([false, 0, false]);
    expect((await buyer.provenance.verify(datasetId, { sample: [1] })).leaves).to.deep.equal([
      { index: 1, requestId: requestIds[1], record: "fulfilled", verified: true },
    ]);
    await buyer.data.buy(datasetId);
    expect(await buyer.data.decryptKey(datasetId, { decryptor: hardhatDecryptor })).to.equal(KEY);
  });

  it("campaigns: create, submit with consent, review, close, list, withdraw; a forged consent is a typed error", async function () {
    const funder = axon(FUNDER).campaigns;
    const pay = parseEther("0.01");
    const deadline = BigInt(await time.latest()) + 86_400n;
    const { campaignId } = await funder.create({
      schemaHash: keccak256(toHex("schema")),
      payPerItemWei: pay,
      maxItems: 2,
      deadline,
      validators: [accounts[VALIDATOR]],
    });
    expect(await funder.isValidator(campaignId, accounts[VALIDATOR])).to.equal(true);
    const contributor = axon(CONTRIBUTOR).campaigns;
    const a = keccak256(toHex("item a"));
    const b = keccak256(toHex("item b"));
    const { itemId } = await contributor.submit(campaignId, a);
    // A relayer submits for the contributor with their signed consent; a consent for other content is refused.
    const consent = { contributor: accounts[CONTRIBUTOR], signature: await contributor.signSubmission(campaignId, b) };
    const forged = await funder.submit(campaignId, keccak256(toHex("item c")), consent).catch((e: unknown) => e);
    expect(forged).to.be.instanceOf(CollectionCampaignsInvalidSignature);
    expect((forged as CollectionCampaignsInvalidSignature).args).to.deep.equal({ contributor: accounts[CONTRIBUTOR] });
    const second = await funder.submit(campaignId, b, consent);
    expect(await funder.itemOfContent(b)).to.deep.equal({ campaignId, itemId: second.itemId });
    const validator = axon(VALIDATOR).campaigns;
    await validator.review(campaignId, itemId, true);
    await validator.review(campaignId, second.itemId, false);
    expect((await funder.item(campaignId, itemId)).status).to.equal(ItemStatus.Accepted);
    expect((await funder.item(campaignId, second.itemId)).status).to.equal(ItemStatus.Rejected);
    expect(await funder.acceptedLabelsOf(campaignId, accounts[CONTRIBUTOR])).to.equal(1n);
    expect(await contributor.creditOf()).to.equal(pay);
    await contributor.withdraw();

    await time.increaseTo(deadline + 1n);
    await funder.close(campaignId);
    const c = await funder.get(campaignId);
    expect([c.closed, c.accepted, c.submitted]).to.deep.equal([true, 1, 2]);
    expect(await funder.creditOf()).to.equal(pay);
    const sink = await funder.royaltySinkOf(campaignId);
    const { datasetId } = await funder.listDataset(
      campaignId,
      listing({ contentHash: keccak256(toHex("collected")), contributors: [sink], contributorBps: [2_000] }),
      await encryptKey(funder.address, accounts[FUNDER]),
    );
    expect(await funder.datasetOf(campaignId)).to.equal(datasetId);
    await axon(BUYER).data.buy(datasetId);
    expect(await axon(BUYER).data.decryptKey(datasetId, { decryptor: hardhatDecryptor })).to.equal(KEY);
  });
});
