import { expect } from "chai";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { getAddress, JsonRpcProvider, parseEther, type Result, ZeroAddress } from "ethers";
import { type AxonDeployment, deployAxon } from "../../deploy/axon";
import {
  DatasetDetail,
  DatasetPage,
  ErrorBody,
  Health,
  JobDetail,
  JobPage,
  LatencyStats,
  ModelDetail,
  ModelPage,
  OperatorPage,
  Overview,
  RequestDetail,
  RequestPage,
  type RequestRowT,
} from "../../explorer/server/api";
import { type Explorer, startExplorer } from "../../explorer/server/main";
import { type Anvil, hardhatCli, startAnvil } from "../deploy/helpers";
import { demoChain } from "./chain";

const { ethers } = hre;
const DAY = 24 * 3600;
/** AIOracleCodes states. */
const STATE = { PENDING: 1n, FULFILLED: 3n, REFUNDED: 4n };

const plain = (v: unknown): unknown => (Array.isArray(v) ? [...v].map(plain) : v);

async function getJson(explorer: Explorer, route: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(route, explorer.url));
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

async function ok<T>(explorer: Explorer, route: string, schema: { parse(v: unknown): T }): Promise<T> {
  const { status, body } = await getJson(explorer, route);
  expect(status, `${route}: ${JSON.stringify(body)}`).to.equal(200);
  return schema.parse(body);
}

async function fails(explorer: Explorer, route: string, status: number, code: string, message: RegExp) {
  const res = await getJson(explorer, route);
  expect(res.status, route).to.equal(status);
  const body = ErrorBody.parse(res.body);
  expect(body.error.code).to.equal(code);
  expect(body.error.message).to.match(message);
  expect(JSON.stringify(res.body)).to.not.match(/\bat .*\.ts:\d+/);
}

describe("Explorer API (issue 18) against the in-process chain", function () {
  let d: AxonDeployment;
  let dir: string;
  let explorer: Explorer;
  let modelId: bigint;
  let token: string;
  const requests = new Map<bigint, Result>();
  let signers: Awaited<ReturnType<typeof ethers.getSigners>>;

  const dbPath = () => path.join(dir, "explorer-hardhat.sqlite");
  const start = () =>
    startExplorer({
      provider: ethers.provider,
      manifest: d.manifest,
      port: 0,
      dbPath: dbPath(),
      autoIndex: false,
      indexer: { maxBlockRange: 50 },
    });

  async function request(from: number, input = "0x0102"): Promise<bigint> {
    const fee = await d.oracle.quote(modelId, 0);
    const tx = await d.oracle.connect(signers[from]).request(modelId, input, signers[from].address, 0, "0x", {
      value: fee,
    });
    const receipt = await tx.wait();
    const ev = receipt!.logs.map((l) => d.oracle.interface.parseLog(l)).find((e) => e?.name === "RequestCreated")!;
    requests.set(ev.args.requestId as bigint, ev.args.request as Result);
    return ev.args.requestId as bigint;
  }

  /** The request tuple as the oracle re-hashes it (a plain copy: ethers' decoded Results are frozen). */
  const tuple = (id: bigint) => plain(requests.get(id)!) as Parameters<typeof d.oracle.fulfil>[1];
  const fulfil = (id: bigint, errorCode = 0) =>
    d.oracle
      .connect(signers[1])
      .fulfil(id, tuple(id), "0x2a", errorCode)
      .then((t) => t.wait());

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "axon-explorer-"));
    signers = await ethers.getSigners();
    d = await deployAxon(hre, { writeManifest: false });
    const [, node, creator, inv1, inv2] = signers;
    await d.staking.connect(node).stake(d.services.oracle, { value: parseEther("2") });
    const none = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
    const reg = await (
      await d.registry.connect(creator).registerModel(ethers.id("weights"), "ipfs://m.json", parseEther("0.001"), none)
    ).wait();
    modelId = reg!.logs.map((l) => d.registry.interface.parseLog(l)).find((e) => e?.name === "ModelRegistered")!.args
      .modelId as bigint;
    await d.registry.connect(creator).addNode(modelId, node.address);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    await d.offering.connect(creator).launch(modelId, {
      name: "Explorer Digits",
      symbol: "EXD",
      totalSupply: parseEther("1000"),
      creatorAllocation: parseEther("200"),
      cliffSeconds: DAY,
      vestingSeconds: 10 * DAY,
      priceMode: 0,
      startPriceWei: parseEther("0.0001"),
      slopeWei: 0n,
      hardCapTokens: parseEther("100"),
      softCapTokens: parseEther("40"),
      deadline: now + 7 * DAY,
      streamPeriodSeconds: 3600,
      redeemBps: 0,
    });
    token = (await d.offering.offeringOf(modelId)).token;
    for (const [who, n] of [
      [inv1, 60],
      [inv2, 40],
    ] as const) {
      const amount = parseEther(String(n));
      const cost = await d.offering.quote(modelId, amount);
      await d.offering.connect(who).buy(modelId, amount, cost, { value: cost });
    }
    await d.offering.finalize(modelId);
    // Requests: 1..3 fulfilled (3 with an error result), 4 refunded after its deadline, 5 left open.
    for (let i = 0; i < 4; i++) await request(5 + i);
    await fulfil(1n);
    await fulfil(2n);
    await fulfil(3n, 1);
    await ethers.provider.send("evm_increaseTime", [2 * 3600]);
    await ethers.provider.send("evm_mine", []);
    await d.oracle.connect(signers[9]).refund(4n, tuple(4n));
    await request(9);
    // The model's credit reaches its token's holders (streamed over the hour).
    await d.oracle.pushCredit(token);
    await ethers.provider.send("evm_increaseTime", [1800]);
    await ethers.provider.send("evm_mine", []);

    explorer = await start();
    await explorer.indexer!.syncToHead();
  });

  after(async function () {
    await explorer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the chain says of every request, through the oracle's views. */
  async function checkRequestsAgainstChain(items: RequestRowT[]) {
    const head = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(items.length).to.equal(Number((await d.oracle.nextRequestId()) - 1n));
    for (const r of items) {
      const [state, deadline] = await d.oracle.requestState(BigInt(r.id));
      // a fulfilled request reads deadline 0 from requestState: the deadline is known only from RequestCreated
      if (state === STATE.PENDING) expect(r.deadline, `request ${r.id}`).to.equal(Number(deadline));
      const expected =
        state === STATE.FULFILLED
          ? ["fulfilled", "failed"]
          : state === STATE.REFUNDED
            ? ["refunded"]
            : state === STATE.PENDING
              ? [Number(deadline) < head ? "expired" : "open"]
              : ["?"];
      expect(expected, `request ${r.id}`).to.include(r.state);
      const req = requests.get(BigInt(r.id))!;
      expect(r.requester).to.equal(req.requester);
      expect(r.model).to.equal(String(req.modelId));
      expect(r.assignedNodes).to.deep.equal([...req.nodes]);
    }
  }

  it("reports its health: indexed up to the head", async function () {
    const h = await ok(explorer, "/api/health", Health);
    const head = await ethers.provider.getBlockNumber();
    expect(h).to.include({ network: "hardhat", chainId: 31337, headBlock: head, indexedBlock: head, lagBlocks: 0 });
  });

  it("lists every request with the state, node, fee, latency and gas the chain has", async function () {
    const page = await ok(explorer, "/api/requests", RequestPage);
    expect(page.nextCursor).to.equal(null);
    expect(page.items.map((r) => r.id)).to.deep.equal(["5", "4", "3", "2", "1"]);
    await checkRequestsAgainstChain(page.items);
    const byId = new Map(page.items.map((r) => [r.id, r]));
    expect(byId.get("1")!.state).to.equal("fulfilled");
    expect(byId.get("3")!.state).to.equal("failed");
    expect(byId.get("3")!.errorCode).to.equal(1);
    expect(byId.get("4")!.state).to.equal("refunded");
    expect(byId.get("5")!.state).to.equal("open");
    const one = byId.get("1")!;
    expect(one.node).to.equal(signers[1].address);
    expect(one.mode).to.equal("none");
    expect(one.callbackOk).to.equal(false); // an EOA callback has no code
    const receipt = await ethers.provider.getTransactionReceipt(one.fulfilTxHash!);
    expect(one.fulfilGas).to.equal(receipt!.gasUsed.toString());
    expect(one.fulfilBlock).to.equal(receipt!.blockNumber);
    expect(one.latencySec).to.equal(one.fulfilTime! - one.requestTime);
    expect(BigInt(one.feeWei)).to.equal(await d.oracle.quote(modelId, 0));
    // The refund returned the whole fee.
    expect(byId.get("4")!.refundWei).to.equal(byId.get("4")!.feeWei);
  });

  it("filters requests by state, model and node, and pages through them with the cursor", async function () {
    const fulfilled = await ok(explorer, "/api/requests?state=fulfilled", RequestPage);
    expect(fulfilled.items.map((r) => r.id)).to.deep.equal(["2", "1"]);
    const byNode = await ok(explorer, `/api/requests?node=${signers[1].address.toLowerCase()}`, RequestPage);
    expect(byNode.items.map((r) => r.id)).to.deep.equal(["3", "2", "1"]);
    const byModel = await ok(explorer, `/api/requests?model=${modelId}&limit=200`, RequestPage);
    expect(byModel.items).to.have.length(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: RequestRowT[]; nextCursor: string | null } = await ok(
        explorer,
        `/api/requests?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        RequestPage,
      );
      expect(page.items.length).to.be.at.most(2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(["5", "4", "3", "2", "1"]);
  });

  it("shows one request with its events in chain order", async function () {
    const r = await ok(explorer, "/api/requests/4", RequestDetail);
    // the assigned node missed the deadline: the oracle records it as late before refunding
    expect(r.events.map((e) => e.name)).to.deep.equal(["RequestCreated", "NodeLate", "RequestRefunded"]);
    expect(r.events[2].args.amountWei).to.equal(r.feeWei);
    const one = await ok(explorer, "/api/requests/1", RequestDetail);
    expect(one.events.map((e) => e.name)).to.deep.equal(["RequestCreated", "RequestFulfilled"]);
  });

  it("answers bad input with 400/404 and the error shape, never a stack trace", async function () {
    await fails(explorer, "/api/requests/abc", 400, "BAD_REQUEST", /request id "abc"/);
    await fails(explorer, "/api/requests/-1", 400, "BAD_REQUEST", /unsigned integer/);
    await fails(explorer, "/api/requests/999", 404, "NOT_FOUND", /no request 999/);
    await fails(explorer, "/api/requests/99999999999999999999999", 404, "NOT_FOUND", /no request/);
    await fails(explorer, "/api/requests?node=0x1234", 400, "BAD_REQUEST", /node: .*not an address/);
    await fails(explorer, "/api/requests?state=lost", 400, "BAD_REQUEST", /state/);
    await fails(explorer, "/api/requests?limit=0", 400, "BAD_REQUEST", /limit/);
    await fails(explorer, "/api/requests?limit=201", 400, "BAD_REQUEST", /limit/);
    await fails(explorer, "/api/requests?cursor=garbage", 400, "BAD_REQUEST", /cursor/);
    await fails(explorer, "/api/requests?colour=red", 400, "BAD_REQUEST", /unknown parameter.*colour/);
    await fails(explorer, "/api/models/7", 404, "NOT_FOUND", /no model 7/);
    await fails(explorer, "/api/models/x1", 400, "BAD_REQUEST", /model id/);
    await fails(explorer, "/api/nothing", 404, "NOT_FOUND", /no route/);
  });

  it("lists the model and shows its weights, fee, nodes, revenue curve and token holders as the chain has them", async function () {
    const list = await ok(explorer, "/api/models", ModelPage);
    expect(list.items.map((m) => m.id)).to.deep.equal([String(modelId)]);
    const m = await ok(explorer, `/api/models/${modelId}`, ModelDetail);
    const onChain = await d.registry.modelOf(modelId);
    expect(m.weightsHash).to.equal(await d.registry.weightsHashOf(modelId));
    expect(m.feeWei).to.equal(onChain.feeWei.toString());
    expect(m.owner).to.equal(await d.registry.ownerOf(modelId));
    expect(m.nodes).to.deep.equal([...(await d.registry.nodesOf(modelId))]);
    expect(m.token).to.equal(token);
    expect(m.revenueReceiver).to.equal(await d.registry.revenueReceiverOf(modelId));
    expect(m.name).to.equal("Explorer Digits");
    expect(m.requests).to.equal(5);
    // Revenue: the model share of the two successful requests, credited to the token.
    const share = requests.get(1n)!.receiverFee >> 160n;
    expect(m.revenueWei).to.equal((2n * share).toString());
    expect(m.revenue.map((p) => p.cumulativeWei)).to.deep.equal([share.toString(), (2n * share).toString()]);
    const t = await ethers.getContractAt("ModelToken", token);
    expect(m.holders.length).to.be.greaterThan(1);
    let supply = 0n;
    for (const h of m.holders) {
      expect(h.balance, h.address).to.equal((await t.balanceOf(h.address)).toString());
      expect(h.claimableWei, h.address).to.equal((await t.claimableOf(ZeroAddress, h.address)).toString());
      supply += BigInt(h.balance);
    }
    expect(supply).to.equal(await t.totalSupply());
    expect(m.holders.some((h) => BigInt(h.claimableWei) > 0n)).to.equal(true);
  });

  it("summarises the protocol: contracts' balances, totals and fees to the treasury", async function () {
    const o = await ok(explorer, "/api/overview", Overview);
    expect(o.contracts.map((c) => c.name)).to.deep.equal(Object.keys(d.manifest.contracts));
    let tvl = 0n;
    for (const c of o.contracts) {
      expect(c.balanceWei, c.name).to.equal((await ethers.provider.getBalance(c.address)).toString());
      tvl += BigInt(c.tvlWei);
    }
    expect(o.totals).to.include({ requests: 5, fulfilled: 2, models: 1, datasets: 0, jobs: 0, operators: 1 });
    expect(o.totals.tvlWei).to.equal(tvl.toString());
    expect(o.totals.pendingOracleFeesWei).to.equal((await d.oracle.protocolFeesWei()).toString());
    // The IMO's protocol fee went to the Treasury at finalize.
    const received = await d.treasury.queryFilter(d.treasury.filters.EthReceived());
    const sum = received.reduce((s, e) => s + e.args.amountWei, 0n);
    expect(o.totals.feesToTreasuryWei).to.equal(sum.toString());
  });

  it("lists operators with stake, lock and served results from the staking and oracle views", async function () {
    const ops = await ok(explorer, "/api/operators", OperatorPage);
    expect(ops.items).to.have.length(1);
    const op = ops.items[0];
    const s = await d.staking.stakeOf(signers[1].address, d.services.oracle);
    expect(op).to.include({ address: signers[1].address, service: "oracle", jailed: false });
    expect(op.stakeWei).to.equal(s.activeWei.toString());
    expect(op.lockedWei).to.equal(s.lockedWei.toString());
    expect(op.served).to.equal(Number(await d.oracle.servedCount(signers[1].address)));
    expect(op.served).to.equal(3);
  });

  it("computes latency buckets, percentiles and requests per minute", async function () {
    const s = await ok(explorer, "/api/stats/latency", LatencyStats);
    expect(s.count).to.equal(3);
    expect(s.buckets.reduce((n, b) => n + b.count, 0)).to.equal(3);
    expect(s.perMinute.reduce((n, b) => n + b.count, 0)).to.equal(5);
    expect(s.p50).to.be.a("number");
    await ok(explorer, "/api/datasets", DatasetPage);
    await ok(explorer, "/api/jobs", JobPage);
  });

  it("resumes after a restart from its stored block, without rescanning", async function () {
    const before = explorer.indexer!.indexedBlock();
    await explorer.close();
    const id = await request(6);
    explorer = await start();
    expect(explorer.indexer!.indexedBlock()).to.equal(before);
    const res = await explorer.indexer!.syncOnce();
    expect(res.scannedFrom).to.equal(before + 1);
    expect(res.scannedTo).to.equal(await ethers.provider.getBlockNumber());
    const r = await ok(explorer, `/api/requests/${id}`, RequestDetail);
    expect(r.requester).to.equal(signers[6].address);
    const count = (
      explorer.db!.db.prepare("SELECT COUNT(*) AS n FROM events WHERE name = 'RequestCreated'").get() as {
        n: number;
      }
    ).n;
    expect(count).to.equal(6);
  });

  it("detects a reorg and re-indexes the new branch", async function () {
    const snapshot = await ethers.provider.send("evm_snapshot", []);
    const orphan = await request(7, "0xdead");
    await fulfil(orphan);
    await explorer.indexer!.syncToHead();
    expect((await ok(explorer, `/api/requests/${orphan}`, RequestDetail)).state).to.equal("fulfilled");
    await ethers.provider.send("evm_revert", [snapshot]);
    // The other branch: the same id goes to another requester, stays open, and the chain grows past the old tip.
    await ethers.provider.send("evm_mine", []);
    const again = await request(8, "0xbeef");
    expect(again).to.equal(orphan);
    await ethers.provider.send("evm_mine", []);
    await ethers.provider.send("evm_mine", []);
    const res = await explorer.indexer!.syncOnce();
    expect(res.reorgedTo).to.not.equal(null);
    await explorer.indexer!.syncToHead();
    const r = await ok(explorer, `/api/requests/${again}`, RequestDetail);
    expect(r.requester).to.equal(signers[8].address);
    expect(r.state).to.equal("open");
    expect(r.events.map((e) => e.name)).to.deep.equal(["RequestCreated"]);
    expect((await ok(explorer, "/api/health", Health)).reorgs).to.equal(1);
    const page = await ok(explorer, "/api/requests?limit=200", RequestPage);
    await checkRequestsAgainstChain(page.items);
    expect(getAddress(page.items[0].requester)).to.equal(signers[8].address);
  });

  it("follows the chain in the background, `confirmations` blocks behind the head", async function () {
    const live = await startExplorer({
      provider: ethers.provider,
      manifest: d.manifest,
      port: 0,
      dbPath: path.join(dir, "live.sqlite"),
      indexer: { confirmations: 2, pollIntervalMs: 20 },
    });
    const until = async (what: string, cond: (h: { indexedBlock: number; headBlock: number }) => boolean) => {
      for (let i = 0; i < 500; i++) {
        const h = await ok(live, "/api/health", Health);
        if (cond(h)) return h;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    try {
      let head = await ethers.provider.getBlockNumber();
      const h = await until("the confirmed head", (x) => x.indexedBlock === head - 2);
      expect(h.lagBlocks).to.equal(2);
      const id = await request(5, "0x0a");
      await fails(live, `/api/requests/${id}`, 404, "NOT_FOUND", new RegExp(`no request ${id}`));
      await ethers.provider.send("evm_mine", []);
      await ethers.provider.send("evm_mine", []);
      head = await ethers.provider.getBlockNumber();
      await until("two confirmations", (x) => x.indexedBlock === head - 2);
      expect((await ok(live, `/api/requests/${id}`, RequestDetail)).requester).to.equal(signers[5].address);
    } finally {
      await live.close();
    }
  });

  it("answers 503 NO_MANIFEST on every route for a network without a manifest, and still serves the page", async function () {
    const bare = await startExplorer({ manifest: null, network: "nowhere", port: 0 });
    try {
      for (const route of ["/api/health", "/api/requests", "/api/models/1"])
        await fails(bare, route, 503, "NO_MANIFEST", /no deployment manifest for network "nowhere"/);
      const res = await fetch(new URL("/vendor/uplot/uPlot.iife.min.js", bare.url));
      expect(res.status).to.equal(200);
      expect((await fetch(new URL("/vendor/uplot/../../package.json", bare.url))).status).to.equal(404);
    } finally {
      await bare.close();
    }
  });

  it("npm run explorer -- --network <name> without a manifest exits 2 with a clear message", function () {
    const res = spawnSync(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", "explorer/server/main.ts", "--network", "nowhere"],
      { cwd: path.join(__dirname, "..", ".."), env: { ...process.env, AXON_DEPLOYMENTS_DIR: dir }, encoding: "utf8" },
    );
    expect(res.status).to.equal(2);
    expect(res.stderr).to.match(/no deployment manifest for network "nowhere".*nowhere\.json does not exist/);
    expect(res.stderr).to.not.match(/\n\s+at /);
  });
});

describe("Explorer API over the demo's chain (datasets, jobs, slashes, edge nodes)", function () {
  let explorer: Explorer;
  let d: AxonDeployment;
  let dir: string;
  /** ComputeEscrow's JobStatus → the states the explorer derives from the job's events. */
  const JOB_STATES: Record<number, string[]> = {
    1: ["posted"],
    2: ["claimed"],
    3: ["started"],
    4: ["submitted"],
    5: ["disputed"],
    6: ["paid", "resolved-provider"],
    7: ["refunded", "cancelled", "resolved-requester"],
  };

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "axon-explorer-demo-"));
    ({ deployment: d } = await demoChain(hre));
    explorer = await startExplorer({
      provider: ethers.provider,
      manifest: d.manifest,
      port: 0,
      dbPath: path.join(dir, "explorer.sqlite"),
      autoIndex: false,
    });
    await explorer.indexer!.syncToHead();
  });

  after(async function () {
    await explorer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists every dataset with the seller, price, status, royalties and sales the market has", async function () {
    const page = await ok(explorer, "/api/datasets?limit=200", DatasetPage);
    const listed = await d.market.queryFilter(d.market.filters.DatasetListed());
    expect(page.items.map((x) => x.id)).to.deep.equal(listed.map((e) => String(e.args.datasetId)).reverse());
    expect(page.items.length).to.be.greaterThan(0);
    for (const item of page.items) {
      const onChain = await d.market.getDataset(BigInt(item.id));
      expect(item.seller, item.id).to.equal(onChain.seller);
      expect(item.priceWei, item.id).to.equal(onChain.priceAmount.toString());
      expect(item.paymentAsset, item.id).to.equal(onChain.paymentAsset);
      expect(item.listed, item.id).to.equal(onChain.status === 1n);
      expect(item.royalties.length, item.id).to.equal(Number(onChain.contributorCount));
      for (const [i, r] of item.royalties.entries()) {
        const [account, bps] = await d.market.contributorOf(BigInt(item.id), i);
        expect(r).to.deep.equal({ to: account, bps: Number(bps) });
      }
      const sales = await d.market.queryFilter(d.market.filters.DatasetPurchased(BigInt(item.id)));
      expect(item.sales, item.id).to.equal(sales.length);
      expect(item.revenueWei).to.equal(sales.reduce((s, e) => s + e.args.paidAmount, 0n).toString());
    }
    expect(page.items.some((x) => x.sales > 0)).to.equal(true);
    expect(page.items.some((x) => x.provenance !== null)).to.equal(true);
    for (const item of page.items) {
      const detail = await ok(explorer, `/api/datasets/${item.id}`, DatasetDetail);
      expect(detail.events[0].name).to.equal("DatasetListed");
      expect(detail.events.filter((e) => e.name === "DatasetPurchased")).to.have.length(item.sales);
    }
    await fails(explorer, "/api/datasets/999", 404, "NOT_FOUND", /no dataset 999/);
    await fails(explorer, "/api/datasets/0x1", 400, "BAD_REQUEST", /dataset id/);
  });

  it("lists every compute job with the requester, provider, state, escrow and slashes the escrow has", async function () {
    const page = await ok(explorer, "/api/jobs?limit=200", JobPage);
    expect(page.items.length).to.equal(Number((await d.escrow.nextJobId()) - 1n));
    expect(page.items.length).to.be.greaterThan(0);
    for (const job of page.items) {
      const onChain = await d.escrow.jobOf(BigInt(job.id));
      expect(job.requester, job.id).to.equal(onChain.requester);
      expect(JOB_STATES[Number(onChain.status)], `job ${job.id}`).to.include(job.state);
      if (onChain.provider !== ZeroAddress) expect(job.provider, job.id).to.equal(onChain.provider);
      const slashes = await d.escrow.queryFilter(d.escrow.filters.ProviderSlashed(BigInt(job.id)));
      expect(job.slashedWei, job.id).to.equal(slashes.reduce((s, e) => s + e.args.slashedWei, 0n).toString());
      const disputes = await d.escrow.queryFilter(d.escrow.filters.JobDisputed(BigInt(job.id)));
      expect(job.disputed, job.id).to.equal(disputes.length > 0);
      // The lifecycle: every escrow event about the job, in chain order.
      const all = (await d.escrow.queryFilter("*" as never)).filter(
        (e) => "args" in e && e.args && (e.args as unknown as { jobId?: bigint }).jobId === BigInt(job.id),
      );
      const detail = await ok(explorer, `/api/jobs/${job.id}`, JobDetail);
      expect(detail.events.map((e) => e.name)).to.deep.equal(all.map((e) => (e as { eventName?: string }).eventName));
      expect(detail.events[0].name).to.equal("JobPosted");
    }
    await fails(explorer, "/api/jobs/999", 404, "NOT_FOUND", /no job 999/);
  });

  it("lists every staked operator of every service with the staking contract's figures", async function () {
    const page = await ok(explorer, "/api/operators?limit=200", OperatorPage);
    const staked = await d.staking.queryFilter(d.staking.filters.Staked());
    const pairs = new Set(staked.map((e) => `${e.args.operator}/${e.args.service}`));
    expect(page.items.length).to.equal(pairs.size);
    expect([...new Set(page.items.map((o) => o.service))]).to.include.members(["oracle", "compute", "edge"]);
    const services: Record<string, string> = d.services;
    for (const op of page.items) {
      const s = await d.staking.stakeOf(op.address, services[op.service]);
      expect(op.stakeWei, op.address).to.equal(s.activeWei.toString());
      expect(op.lockedWei, op.address).to.equal(s.lockedWei.toString());
      expect(op.unbondingWei, op.address).to.equal(s.unbondingWei.toString());
      const slashed = await d.staking.queryFilter(d.staking.filters.Slashed(op.address, services[op.service]));
      expect(op.slashedWei, op.address).to.equal(slashed.reduce((t, e) => t + e.args.amountWei, 0n).toString());
      if (op.service === "oracle") expect(op.served).to.equal(Number(await d.oracle.servedCount(op.address)));
    }
  });

  it("counts what the contracts count, and every request matches the oracle", async function () {
    const o = await ok(explorer, "/api/overview", Overview);
    expect(o.totals.models).to.equal(Number(await d.registry.modelCount()));
    expect(o.totals.jobs).to.equal(Number((await d.escrow.nextJobId()) - 1n));
    expect(o.totals.requests).to.equal(Number((await d.oracle.nextRequestId()) - 1n));
    const page = await ok(explorer, "/api/requests?limit=200", RequestPage);
    for (const r of page.items) {
      const [state] = await d.oracle.requestState(BigInt(r.id));
      const expected: Record<string, bigint> = { fulfilled: 3n, failed: 3n, refunded: 4n, open: 1n, expired: 1n };
      expect(state, `request ${r.id} is ${r.state}`).to.equal(expected[r.state]);
    }
    for (const m of (await ok(explorer, "/api/models", ModelPage)).items) {
      const detail = await ok(explorer, `/api/models/${m.id}`, ModelDetail);
      expect(detail.weightsHash).to.equal(await d.registry.weightsHashOf(BigInt(m.id)));
      if (!detail.token) continue;
      const t = await ethers.getContractAt("ModelToken", detail.token);
      for (const h of detail.holders) expect(h.balance).to.equal((await t.balanceOf(h.address)).toString());
    }
  });
});

describe("npm run explorer -- --network anvil: the CLI over a JSON-RPC node", function () {
  let anvil: Anvil;
  let dir: string;
  let env: Record<string, string>;
  const ROOT = path.join(__dirname, "..", "..");

  /** Starts the CLI as `npm run explorer` does and resolves with its URL once it listens. */
  function cli(): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", "explorer/server/main.ts", "--network", "anvil"].concat([
        "--port",
        "0",
        "--db",
        path.join(dir, "explorer-anvil.sqlite"),
        "--poll-ms",
        "50",
      ]),
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the explorer CLI did not start:\n${out}`)), 60_000);
      const read = (d: Buffer) => {
        out += d;
        const m = out.match(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1] });
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("exit", (code) => reject(new Error(`the explorer CLI exited with ${code}:\n${out}`)));
    });
  }

  const stop = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      child.removeAllListeners("exit");
      child.once("exit", (code) => resolve(code));
      child.kill("SIGTERM");
    });

  async function health(url: string) {
    return Health.parse(await (await fetch(new URL("/api/health", url))).json());
  }

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "axon-explorer-cli-"));
    anvil = await startAnvil();
    env = { ANVIL_RPC_URL: anvil.url, AXON_DEPLOYMENTS_DIR: dir };
    const res = await hardhatCli(["run", "deploy/index.ts", "--network", "anvil"], env);
    expect(res.code, res.stderr).to.equal(0);
  });

  after(async function () {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("indexes the deployment, follows new activity, stops on SIGTERM and resumes from its store", async function () {
    const manifest = JSON.parse(readFileSync(path.join(dir, "anvil.json"), "utf8")) as AxonDeployment["manifest"];
    const provider = new JsonRpcProvider(anvil.url);
    const operator = await provider.getSigner(3);
    const staking = await ethers.getContractAt("OperatorStaking", manifest.contracts.OperatorStaking.address, operator);
    const service = ethers.id("axon.service.oracle");
    let { child, url } = await cli();
    try {
      const receipt = await (await staking.stake(service, { value: parseEther("1.5") })).wait();
      const head = receipt!.blockNumber;
      for (let i = 0; (await health(url)).indexedBlock < head; i++) {
        if (i > 200) throw new Error("the CLI did not index the stake");
        await new Promise((r) => setTimeout(r, 50));
      }
      const ops = OperatorPage.parse(await (await fetch(new URL("/api/operators", url))).json());
      expect(ops.items).to.have.length(1);
      expect(ops.items[0]).to.include({ address: await operator.getAddress(), service: "oracle" });
      expect(ops.items[0].stakeWei).to.equal(
        (await staking.stakeOf(await operator.getAddress(), service)).activeWei.toString(),
      );
      expect(await stop(child)).to.equal(0);
      // Restarted, it answers from its store at once: the indexed block is where it stopped, not the deployment's.
      ({ child, url } = await cli());
      expect((await health(url)).indexedBlock).to.be.at.least(head);
    } finally {
      await stop(child);
      provider.destroy();
    }
  });
});
