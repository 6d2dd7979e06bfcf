import { ethers, fhevm, upgrades } from "hardhat";
import type {
  CollectionCampaigns,
  DataMarket,
  MockGenerationOracle,
  ModelRegistry,
  ModelRoyaltyForwarder,
  OperatorStaking,
  SyntheticProvenance,
  Treasury,
} from "../../typechain-types";
import { ProvenanceTree, type Generation } from "../../tasks/provenance";
import { ensureFhevmMock } from "../fhevmMock";
import type { GasRecorder } from "../lib";

const PRICE = ethers.parseEther("0.01");
const CALLBACK_GAS = 100_000;
const NONE = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };

async function deployProxy<T>(name: string, args: unknown[]): Promise<T> {
  const proxy = await upgrades.deployProxy(await ethers.getContractFactory(name), args, { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as T;
}

// Synthetic-data provenance (issue 17): runs, requests and recorded results (on a stand-in oracle, so the figures
// are the recorder's own, not the oracle's), listing with provenance (goal <= 300k), spot-checking one leaf (goal
// <= 40k) in a 64-leaf and a 1024-leaf tree, royalty forwarding; then a collection campaign's operations.
export default async function (gas: GasRecorder): Promise<void> {
  await ensureFhevmMock();
  const [admin, seller, funder, buyer, validator, contributor, relayer] = await ethers.getSigners();
  const treasury = await deployProxy<Treasury>("Treasury", [admin.address, 0]);
  const staking = await deployProxy<OperatorStaking>("OperatorStaking", [
    admin.address,
    0,
    await treasury.getAddress(),
  ]);
  const registry = await deployProxy<ModelRegistry>("ModelRegistry", [admin.address, 0, await staking.getAddress()]);
  await (await registry.registerModel(ethers.id("bench.weights"), "ipfs://bench-model", 0, NONE)).wait();
  const market = await deployProxy<DataMarket>("DataMarket", [admin.address, 0, await treasury.getAddress(), 250]);
  const oracle = (await ethers.deployContract("MockGenerationOracle")) as unknown as MockGenerationOracle;
  const recorder = (await ethers.deployContract("SyntheticProvenance", [
    await oracle.getAddress(),
    await registry.getAddress(),
    await market.getAddress(),
    await treasury.getAddress(),
  ])) as unknown as SyntheticProvenance;
  const recorderAddress = await recorder.getAddress();
  await (await market.grantRole(ethers.id("LISTER_ROLE"), recorderAddress)).wait();
  const fee = await oracle.feeWei();

  await gas.record("open_run", await recorder.connect(seller).openRun(1, CALLBACK_GAS));
  const input = (i: number) => ethers.toUtf8Bytes(`bench prompt ${i}`);
  const output = (i: number) => ethers.zeroPadValue(ethers.toBeHex(i + 1), 32);
  await gas.record(
    "request_1_generation",
    await recorder.connect(funder).requestGenerations(1, [input(0)], { value: fee }),
  );
  const batch = Array.from({ length: 8 }, (_, i) => input(i + 1));
  await gas.record(
    "request_8_generations",
    await recorder.connect(funder).requestGenerations(1, batch, { value: fee * 8n }),
  );
  // The whole callback transaction through the stand-in oracle (its own dispatch is a few thousand gas).
  await gas.record("record_result_32b_via_mock_oracle", await oracle.deliver(1, 0, output(0)));
  await gas.record("record_error_via_mock_oracle", await oracle.deliver(2, 4, "0x"));
  for (let id = 3; id <= 9; id++) await (await oracle.deliver(id, 0, output(id - 1))).wait();

  const gens: Generation[] = [1, 3, 4, 5, 6, 7, 8, 9].map((id) => ({
    requestId: BigInt(id),
    inputHash: ethers.keccak256(input(id - 1)),
    outputHash: ethers.keccak256(output(id - 1)),
  }));
  const forwarder = await recorder.royaltyForwarderOf(1);
  const params = {
    contentHash: ethers.id("bench.synthetic"),
    metadataURI: "ipfs://bafybeibenchmetadata0000000000000000000000000000000000/dataset.json",
    licenseHash: ethers.id("bench.license"),
    licenseURI: "ipfs://bafybeibenchlicense00000000000000000000000000000000000/license.txt",
    priceAmount: PRICE,
    paymentAsset: ethers.ZeroAddress,
    contributors: [forwarder],
    contributorBps: [1_000],
    provenance: { generatorModelId: 1n, oracleRequestId: 0n },
  };
  const list = async (root: string) => {
    const enc = await fhevm
      .createEncryptedInput(recorderAddress, seller.address)
      .add256(ethers.toBigInt(ethers.randomBytes(32)))
      .encrypt();
    return recorder.connect(seller).listDataset(1, root, gens.length, params, enc.handles[0], enc.inputProof);
  };
  // A tree whose other leaves are filler: verification only needs the sampled leaf recorded and proven.
  const filler = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      requestId: 10_000n + BigInt(i),
      inputHash: ethers.id(`filler in ${i}`),
      outputHash: ethers.id(`filler out ${i}`),
    }));
  const tree64 = new ProvenanceTree(1n, [...gens, ...filler(56)]);
  const tree1k = new ProvenanceTree(1n, [...gens, ...filler(1016)]);
  await gas.record("list_with_provenance_first_of_model", await list(tree64.root));
  await gas.record("list_with_provenance", await list(tree1k.root));

  const verify = async (datasetId: number, tree: ProvenanceTree, i: number) => {
    const g = gens[i];
    const args: [number, bigint, string, string, string[]] = [
      datasetId,
      g.requestId,
      g.inputHash,
      g.outputHash,
      tree.proof(i),
    ];
    if (!(await recorder.verifyLeaf(...args))) throw new Error("bench leaf does not verify");
    const data = recorder.interface.encodeFunctionData("verifyLeaf", args);
    return buyer.sendTransaction({ to: recorderAddress, data });
  };
  await gas.record("verify_leaf_64_leaves", await verify(1, tree64, 3));
  await gas.record("verify_leaf_1024_leaves", await verify(2, tree1k, 3));

  await (await market.connect(buyer).purchase(1, PRICE, { value: PRICE })).wait();
  const fwd = (await ethers.getContractAt("ModelRoyaltyForwarder", forwarder)) as unknown as ModelRoyaltyForwarder;
  await gas.record("forward_royalty", await fwd.forward());

  // Collection campaigns.
  const campaigns = (await ethers.deployContract("CollectionCampaigns", [
    await market.getAddress(),
  ])) as unknown as CollectionCampaigns;
  const pay = ethers.parseEther("0.001");
  const deadline = (await ethers.provider.getBlock("latest"))!.timestamp + 3600;
  await gas.record(
    "campaign_create",
    await campaigns
      .connect(funder)
      .createCampaign(ethers.id("bench.schema"), pay, 100, deadline, [validator.address], { value: pay * 100n }),
  );
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: "Axon CollectionCampaigns",
    version: "1",
    chainId,
    verifyingContract: await campaigns.getAddress(),
  };
  const types = {
    Submission: [
      { name: "campaignId", type: "uint256" },
      { name: "contentHash", type: "bytes32" },
      { name: "contributor", type: "address" },
    ],
  };
  const submit = async (i: number) => {
    const contentHash = ethers.id(`bench item ${i}`);
    const sig = await contributor.signTypedData(domain, types, {
      campaignId: 1,
      contentHash,
      contributor: contributor.address,
    });
    return campaigns.connect(relayer).submit(1, contentHash, contributor.address, sig);
  };
  await gas.record("campaign_submit_relayed_first", await submit(0));
  await gas.record("campaign_submit_relayed", await submit(1));
  await gas.record("campaign_review_accept_first", await campaigns.connect(validator).review(1, 1, true));
  await gas.record("campaign_review_accept", await campaigns.connect(validator).review(1, 2, true));
  await (await submit(2)).wait();
  await gas.record("campaign_review_reject", await campaigns.connect(validator).review(1, 3, false));
  await ethers.provider.send("evm_increaseTime", [3601]);
  await gas.record("campaign_close", await campaigns.close(1));
  await gas.record("campaign_withdraw", await campaigns.connect(contributor).withdraw());
}
