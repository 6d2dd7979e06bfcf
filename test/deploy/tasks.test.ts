import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type AxonDeployment, deployAxon } from "../../deploy/axon";
import { fheCatchUp } from "../helpers/fhevm";
import { decodeRevert, describeError, knownContract } from "../../tasks/lib";
import { runTaskJson, tmpDeploymentsDir } from "./helpers";

/** Runs a task expected to fail and returns its error message. */
async function taskError(name: string, args: Record<string, unknown>): Promise<string> {
  try {
    await runTaskJson(name, args);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${name} did not fail`);
}

describe("tasks: full user flows on the Hardhat network", function () {
  let dir: string;
  let d: AxonDeployment;
  const savedDir = process.env.AXON_DEPLOYMENTS_DIR;

  before(async function () {
    dir = tmpDeploymentsDir();
    process.env.AXON_DEPLOYMENTS_DIR = dir;
    d = await deployAxon(hre);
  });

  after(function () {
    if (savedDir === undefined) delete process.env.AXON_DEPLOYMENTS_DIR;
    else process.env.AXON_DEPLOYMENTS_DIR = savedDir;
    rmSync(dir, { recursive: true, force: true });
  });

  it("bounty: create, commit, reveal, finalize and settle, export to the market", async function () {
    const s = await ethers.getSigners();
    const labellers = [s[5], s[6], s[7]];
    const items = path.join(dir, "items.json");
    writeFileSync(items, JSON.stringify(["digit-0.png", "digit-1.png"]));
    const created = await runTaskJson("bounty:create", {
      items,
      reward: "0.01",
      commitHours: "1",
      revealHours: "1",
    });
    const taskId = String(created.taskId);
    const commits = [];
    for (const [i, l] of labellers.entries())
      for (const item of [0, 1])
        commits.push(
          await runTaskJson("bounty:commit", {
            task: taskId,
            items,
            item: String(item),
            label: String(i === 2 && item === 0 ? 4 : 7),
            from: l.address,
          }),
        );
    expect(commits.map((c) => c.slot)).to.deep.equal([0, 0, 1, 1, 2, 2]);
    expect(commits.every((c) => c.bondWei === "10000000000000000")).to.equal(true);
    expect(
      await taskError("bounty:commit", {
        task: taskId,
        items,
        item: "0",
        slot: "1",
        label: "7",
        from: labellers[0].address,
      }),
    ).to.match(/already hold a slot of item 0/);
    expect(await taskError("bounty:reveal", { ...revealArgs(commits[0]), from: labellers[0].address })).to.match(
      /reveals open after the commit deadline/,
    );
    await time.increase(3601);
    for (const [n, c] of commits.entries())
      await runTaskJson("bounty:reveal", { ...revealArgs(c), from: labellers[Math.floor(n / 2)].address });
    await time.increase(3601);
    const finalized = await runTaskJson("bounty:finalize", { task: taskId });
    // The rejected label's bond (0.01 ETH, the default: one reward) is forfeited; agreeing labels get reward + bond.
    expect(finalized).to.include({
      finalizedNow: 2,
      settledNow: 6,
      acceptedLabels: "5",
      forfeitedBondsWei: "10000000000000000",
      finished: true,
    });
    expect(await d.bounties.creditOf(labellers[0].address)).to.equal(ethers.parseEther("0.04"));
    expect(await d.bounties.creditOf(labellers[2].address)).to.equal(ethers.parseEther("0.02"));

    await fheCatchUp();
    const exported = await runTaskJson("bounty:export", {
      task: taskId,
      content: ethers.id("labelled"),
      uri: "ipfs://labelled",
      price: "0.5",
    });
    expect(await d.exporter.datasetOf(taskId)).to.equal(BigInt(String(exported.datasetId)));
    expect(await taskError("bounty:export", { task: taskId, content: ethers.id("x"), uri: "u", price: "1" })).to.match(
      /already exported/,
    );
  });

  it("bounty: a reference item set with --gold and a --bond, opened by bounty:finalize --gold", async function () {
    const s = await ethers.getSigners();
    const labellers = [s[5], s[6], s[7]];
    const items = path.join(dir, "gold-items.json");
    const gold = path.join(dir, "gold.json");
    writeFileSync(items, JSON.stringify(["g-0.png", "g-1.png"]));
    writeFileSync(gold, JSON.stringify([{ item: 1, label: 3 }]));
    expect(
      await taskError("bounty:create", { items, reward: "0.01", bond: "0.005", commitHours: "1", revealHours: "1" }),
    ).to.match(/--bond must be at least the reward/);
    const created = await runTaskJson("bounty:create", {
      items,
      gold,
      reward: "0.01",
      bond: "0.02",
      commitHours: "1",
      revealHours: "1",
    });
    const taskId = String(created.taskId);
    expect(created.bondWei).to.equal("20000000000000000");
    // The salts were written back to the file; the root on chain commits to them.
    const entries = JSON.parse(readFileSync(gold, "utf8"));
    expect(entries).to.have.length(1);
    expect(ethers.isHexString(entries[0].salt, 32)).to.equal(true);
    expect((await d.bounties.getTask(taskId)).goldRoot).to.equal(created.goldRoot);
    const commits = [];
    // Labellers 0 and 1 give the reference answer 3 to item 1, labeller 2 gives 7.
    for (const [i, l] of labellers.entries())
      commits.push(
        await runTaskJson("bounty:commit", {
          task: taskId,
          items,
          item: "1",
          label: String(i === 2 ? 7 : 3),
          from: l.address,
        }),
      );
    await time.increase(3601);
    for (const [n, c] of commits.entries())
      await runTaskJson("bounty:reveal", { ...revealArgs(c), from: labellers[n].address });
    await time.increase(3601);
    const before = await d.bounties.forfeitedBonds();
    const finalized = await runTaskJson("bounty:finalize", { task: taskId, gold });
    expect(finalized).to.include({ finalizedNow: 2, settledNow: 3, acceptedLabels: "2", finished: true });
    const [status, majority] = await d.bounties.itemState(taskId, 1);
    expect([status, majority]).to.deep.equal([1n, 3n]);
    // The miss loses its bond and its reward to the Treasury; the agreeing labels get reward + bond.
    expect((await d.bounties.forfeitedBonds()) - before).to.equal(ethers.parseEther("0.03"));
    expect((await d.bounties.reputationOf(labellers[2].address)).goldMisses).to.equal(1n);
  });

  function revealArgs(c: Record<string, unknown>) {
    return {
      task: String(c.taskId),
      item: String(c.item),
      slot: String(c.slot),
      label: String(c.label),
      salt: String(c.salt),
    };
  }

  it("data: rotate a key; the buyer re-obtains and decrypts the new one", async function () {
    await fheCatchUp();
    const [, , , seller, buyer] = await ethers.getSigners();
    const listed = await runTaskJson("data:list", {
      content: ethers.id("rotating"),
      uri: "ipfs://r",
      price: "0.1",
      from: seller.address,
    });
    const id = String(listed.datasetId);
    await runTaskJson("data:buy", { dataset: id, from: buyer.address });
    const rotated = await runTaskJson("data:rotate-key", { dataset: id, from: seller.address });
    expect(rotated.keyVersion).to.equal("2");
    expect(await taskError("data:decrypt-key", { dataset: id, from: buyer.address })).to.match(/has no access/);
    const reclaimed = await runTaskJson("data:reclaim", { dataset: id, from: buyer.address });
    expect(reclaimed).to.include({ keyVersion: "2", hasAccess: true });
    expect(await taskError("data:reclaim", { dataset: id, from: buyer.address })).to.match(/already has access/);
    expect(await taskError("data:reclaim", { dataset: id, from: seller.address })).to.match(/holds no license/);
    const decrypted = await runTaskJson("data:decrypt-key", { dataset: id, from: buyer.address });
    expect(decrypted.key).to.equal(rotated.key);
    expect(await taskError("data:rotate-key", { dataset: id, from: buyer.address })).to.match(/only the seller/);
    const credit = await d.market.creditOf(seller.address, ethers.ZeroAddress);
    expect(credit).to.be.greaterThan(0n);
    const withdrawn = await runTaskJson("data:withdraw", { from: seller.address });
    expect(withdrawn.withdrawn).to.equal(String(credit));
    expect(await taskError("data:withdraw", { from: seller.address })).to.match(/has no data-market credit in ETH/);
  });

  it("models and IMO: update a model, sell out, finalize, claim revenue and redeem", async function () {
    const [, node, , , , , , , investor] = await ethers.getSigners();
    const model = await runTaskJson("model:register", { hash: ethers.id("imo-flow"), uri: "ipfs://a", fee: "0.001" });
    const id = String(model.modelId);
    await runTaskJson("operator:stake", { service: "oracle", amount: "2", from: node.address });
    const updated = await runTaskJson("model:update", { model: id, fee: "0.002", addNode: node.address });
    expect(updated).to.deep.include({ feeWei: ethers.parseEther("0.002").toString(), nodes: [node.address] });
    expect(await taskError("model:update", { model: id })).to.match(/nothing to update/);

    const launched = await runTaskJson("imo:launch", {
      model: id,
      name: "Flow",
      symbol: "FLW",
      supply: "1000",
      price: "0.001",
      hardCap: "100",
      softCap: "50",
      streamDays: "1",
      redeemBps: "1000",
    });
    await runTaskJson("imo:buy", { model: id, tokens: "100", from: investor.address });
    const fin = await runTaskJson("imo:finalize", { model: id });
    expect(fin.raisedWei).to.equal(ethers.parseEther("0.1").toString());
    const [admin] = await ethers.getSigners();
    await admin.sendTransaction({ to: String(launched.token), value: ethers.parseEther("1") });
    await time.increase(24 * 3600);
    const claimed = await runTaskJson("imo:claim", { model: id, from: investor.address });
    expect(BigInt(String(claimed.claimedWei))).to.be.greaterThan(0n);
    const redeemed = await runTaskJson("imo:redeem", { model: id, tokens: "10", from: investor.address });
    expect(BigInt(String(redeemed.creditedWei))).to.be.greaterThan(0n);
    expect(await taskError("imo:redeem", { model: id, tokens: "1000", from: investor.address })).to.match(
      /exceeds your balance/,
    );
  });

  it("models: registers a Proof-mode model with its verifier (vk hash read from it, or checked)", async function () {
    const groth16 = await (await ethers.getContractFactory("Mnist14Groth16Verifier")).deploy();
    const vk = ethers.id("mnist14 key");
    const adapter = await (await ethers.getContractFactory("Groth16ProofVerifier")).deploy(groth16, vk, 196, 41, 8);
    const verifier = await adapter.getAddress();
    const model = await runTaskJson("model:register", {
      hash: ethers.id("mnist14"),
      uri: "ipfs://zk",
      fee: "0.001",
      mode: "proof",
      verifier,
    });
    expect(model).to.deep.include({ mode: "proof", verifier });
    expect(await taskError("model:register", { hash: ethers.id("x"), uri: "u", fee: "0", mode: "proof" })).to.match(
      /--verifier is required with --mode proof/,
    );
    expect(
      await taskError("model:register", {
        hash: ethers.id("x"),
        uri: "u",
        fee: "0",
        mode: "proof",
        verifier,
        vkHash: ethers.id("another key"),
      }),
    ).to.match(/ModelRegistryVkHashMismatch/);
  });

  it("oracle: refuses an early refund, refunds after the deadline and withdraws the credit", async function () {
    const [, node] = await ethers.getSigners();
    const model = await runTaskJson("model:register", {
      hash: ethers.id("refund-flow"),
      uri: "ipfs://r",
      fee: "0.001",
      node: node.address,
    });
    const req = await runTaskJson("oracle:request", { model: String(model.modelId), input: "hello" });
    const id = String(req.requestId);
    // the deadline and nodes come from the compact Request's packed words (the runner's requestTerms)
    const pending = await runTaskJson("oracle:status", { request: id });
    expect(pending).to.deep.include({ state: "pending", deadline: req.deadline, nodes: [node.address] });
    expect(req.nodes).to.deep.equal([node.address]);
    expect(await taskError("oracle:refund", { request: id })).to.match(/can be refunded after its deadline/);
    await time.increase(3601);
    const refunded = await runTaskJson("oracle:refund", { request: id, withdraw: true });
    expect(refunded.refundedWei).to.equal(String(req.feeWei));
    expect((await runTaskJson("oracle:status", { request: id })).state).to.equal("refunded");
  });

  it("oracle: warms the commitment ring in chunks, leaving used slots, and refuses a range past the ring", async function () {
    const first = await runTaskJson("oracle:warm-ring", { start: "4000", count: "96", chunk: "40" });
    expect(first).to.deep.include({ start: 4000, count: 96, warmed: "96", alreadyUsed: "0" });
    expect(first.txs).to.have.length(3);
    const again = await runTaskJson("oracle:warm-ring", { start: "4064", count: "32" });
    expect(again).to.deep.include({ warmed: "0", alreadyUsed: "32" });
    expect(await taskError("oracle:warm-ring", { start: "4090", count: "7" })).to.match(/--count/);
  });

  it("compute: a disputed job is resolved by the arbiter; accept and post errors are readable", async function () {
    const s = await ethers.getSigners();
    const [admin, provider, requester] = [s[0], s[9], s[10]];
    await runTaskJson("operator:stake", { service: "compute", amount: "5", from: provider.address });
    await runTaskJson("compute:offer", {
      gpu: "A100",
      gpus: "4",
      memory: "80",
      price: "0.001",
      from: provider.address,
    });
    const posted = await runTaskJson("compute:post", {
      spec: "oci://job",
      payment: "0.3",
      gpu: "A100",
      from: requester.address,
    });
    const job = String(posted.jobId);
    expect(await taskError("compute:accept", { job, from: requester.address })).to.match(/not submitted/);
    await runTaskJson("compute:claim", { job, from: provider.address });
    await runTaskJson("compute:submit", { job, uri: "ipfs://bad", from: provider.address });
    const disputed = await runTaskJson("compute:dispute", { job, reason: "wrong output", from: requester.address });
    expect(disputed.status).to.equal("disputed");
    // Decoded from the revert data by the task itself, so it reads the same on any node.
    expect(await taskError("compute:resolve", { job, winner: "requester", from: provider.address })).to.equal(
      `the transaction reverted: AccessControlUnauthorizedAccount(${provider.address}, ${ethers.id("ARBITER_ROLE")})`,
    );
    const resolved = await runTaskJson("compute:resolve", { job, winner: "requester", from: admin.address });
    expect(resolved).to.include({ status: "refunded", providerWins: false });
    expect(await taskError("compute:post", { spec: "s", payment: "1", bond: "0.01" })).to.match(
      /--bond must be at least 0.1 ETH/,
    );
  });
});

describe("tasks: revert decoding", function () {
  const coder = ethers.AbiCoder.defaultAbiCoder();

  it("decodes Error(string) and Panic(uint256) without any contract", function () {
    const reason = "0x08c379a0" + coder.encode(["string"], ["too late"]).slice(2);
    expect(decodeRevert(reason)).to.equal("Error(too late)");
    expect(decodeRevert("0x4e487b71" + coder.encode(["uint256"], [0x11]).slice(2))).to.equal("Panic(0x11)");
  });

  it("decodes a custom error of a contract the process used, from nested revert data or a node's message", async function () {
    const escrow = knownContract(await ethers.getContractAt("ComputeEscrow", ethers.ZeroAddress));
    const data = escrow.interface.encodeErrorResult("AccessControlUnauthorizedAccount", [
      ethers.ZeroAddress,
      ethers.ZeroHash,
    ]);
    const expected = `AccessControlUnauthorizedAccount(${ethers.ZeroAddress}, ${ethers.ZeroHash})`;
    expect(describeError({ message: "call failed", error: { data } })).to.equal(expected);
    expect(describeError(new Error(`reverted with an unrecognized custom error (return data: ${data})`))).to.equal(
      expected,
    );
  });

  it("falls back to the error's message when the data is unknown or absent", function () {
    expect(describeError({ message: "x", data: "0xdeadbeef" })).to.equal("x");
    expect(describeError({ shortMessage: "short", message: "long" })).to.equal("short");
    expect(describeError("plain")).to.equal("plain");
    expect(decodeRevert("0x08c379a0ff")).to.equal(undefined);
  });
});
