import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { type Contract, ZeroAddress, getAddress } from "ethers";
import type { Browser, Page } from "playwright-core";
import { type Explorer, startExplorer } from "../../explorer/server/main";
import { NO_BROWSER_MESSAGE, findChromium, launchChromium, openView, viewRoutes } from "./browser";
import { type DemoChain, demoChain } from "./chain";

const { ethers } = hre;
/** AIOracleCodes request states. */
const STATE = { PENDING: 1n, FULFILLED: 3n, REFUNDED: 4n };

/** The exact values the page keeps beside what it formats (data-wei, data-amount, data-address). */
const attrs = (page: Page, selector: string, attr: string) =>
  page.$$eval(selector, (els, a) => els.map((e) => e.getAttribute(a as string) ?? ""), attr);
const texts = (page: Page, selector: string) =>
  page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? "").trim()));
const field = (page: Page, key: string) => page.textContent(`dd[data-field="${key}"]`).then((t) => (t ?? "").trim());
/** The first request id on the page, as a page-side expression. */
const FIRST_ID = `document.querySelector("[data-testid=request-row] [data-col=id]")?.textContent`;
const intText = (t: string) => BigInt(t.replace(/,/g, ""));

describe("Explorer web page (issue 18) in headless Chromium against the demo's chain", function () {
  this.timeout(900_000);
  const chromiumPath = findChromium();
  let chain: DemoChain;
  let explorer: Explorer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const pageErrors: string[] = [];

  before(async function () {
    if (!chromiumPath) {
      console.log(`      skipped: ${NO_BROWSER_MESSAGE}`);
      this.skip();
    }
    dir = mkdtempSync(path.join(os.tmpdir(), "axon-explorer-web-"));
    chain = await demoChain(hre);
    explorer = await startExplorer({
      provider: ethers.provider,
      manifest: chain.deployment.manifest,
      port: 0,
      dbPath: path.join(dir, "explorer-hardhat.sqlite"),
      autoIndex: false,
    });
    await explorer.indexer!.syncToHead();
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (err) => pageErrors.push(err.message));
  });

  after(async function () {
    await browser?.close();
    await explorer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    expect(pageErrors, "uncaught errors in the page").to.deep.equal([]);
  });

  const token = (address: string) =>
    ethers.getContractAt("ModelToken", address) as Promise<unknown> as Promise<Contract>;

  it("renders every view without an error message", async function () {
    const { oracle } = chain.deployment;
    const lastRequest = (await oracle.nextRequestId()) - 1n;
    for (const { view, hash } of viewRoutes({
      request: lastRequest.toString(),
      model: chain.ctx.shared.modelId!.toString(),
    })) {
      await openView(page, explorer.url, hash);
      expect(await page.$("[data-testid=error]"), `${view}: ${await page.textContent("main")}`).to.equal(null);
      expect((await page.textContent("main h1"))!.length, view).to.be.greaterThan(0);
    }
  });

  it("shows the overview's totals and contract balances as the chain has them", async function () {
    const { oracle } = chain.deployment;
    await openView(page, explorer.url, "#/");
    expect(intText((await page.textContent('[data-total="requests"]'))!)).to.equal((await oracle.nextRequestId()) - 1n);
    const rows = await page.$$("[data-testid=contract-row]");
    expect(rows.length).to.equal(Object.keys(chain.deployment.manifest.contracts).length);
    for (const row of rows) {
      const address = (await row.$eval('[data-col="address"]', (e) => e.textContent ?? "")).trim();
      const balance = await row.$eval('[data-col="balanceWei"] [data-wei]', (e) => e.getAttribute("data-wei"));
      expect(BigInt(balance!), address).to.equal(await ethers.provider.getBalance(address));
    }
    expect(await page.$$("[data-testid=chart-requests-per-minute] canvas")).to.have.length.greaterThan(0);
    expect(await page.$$("[data-testid=chart-latency] canvas")).to.have.length.greaterThan(0);
  });

  it("lists requests in the states the oracle reports", async function () {
    const { oracle } = chain.deployment;
    await openView(page, explorer.url, "#/requests");
    const ids = (await texts(page, '[data-testid=request-row] [data-col="id"]')).map((t) => BigInt(t.slice(1)));
    const states = await texts(page, '[data-testid=request-row] [data-col="state"]');
    expect(ids.length).to.equal(Math.min(50, Number((await oracle.nextRequestId()) - 1n)));
    const head = (await ethers.provider.getBlock("latest"))!.timestamp;
    for (const [i, id] of ids.entries()) {
      const [state, deadline] = await oracle.requestState(id);
      const expected =
        state === STATE.FULFILLED
          ? ["fulfilled", "failed"]
          : state === STATE.REFUNDED
            ? ["refunded"]
            : state === STATE.PENDING
              ? [Number(deadline) < head ? "expired" : "open"]
              : ["provisional", "challenged"];
      expect(expected, `request ${id}`).to.include(states[i]);
    }
  });

  it("pages through the requests with Next and Previous", async function () {
    await openView(page, explorer.url, "#/requests?limit=2");
    const first = await texts(page, '[data-testid=request-row] [data-col="id"]');
    expect(first).to.have.length(2);
    await page.click("[data-testid=next-page]");
    await page.waitForFunction(`${FIRST_ID} !== ${JSON.stringify(first[0])}`);
    await page.waitForSelector("main:not([aria-busy])");
    const second = await texts(page, '[data-testid=request-row] [data-col="id"]');
    expect(second).to.have.length.greaterThan(0);
    expect(BigInt(second[0].slice(1))).to.be.lessThan(BigInt(first[1].slice(1)) + 1n);
    expect(second).to.not.include(first[0]);
    await page.click("[data-testid=prev-page]");
    await page.waitForFunction(`${FIRST_ID} === ${JSON.stringify(first[0])}`);
    expect(await texts(page, '[data-testid=request-row] [data-col="id"]')).to.deep.equal(first);
  });

  it("clicks from a fulfilled request to its model to its token holders, each as the chain has it", async function () {
    const { oracle, registry, offering } = chain.deployment;
    await openView(page, explorer.url, "#/requests?state=fulfilled");
    const link = (await page.$('[data-testid=request-row] [data-col="id"] a'))!;
    const id = BigInt((await link.getAttribute("data-request"))!);
    await link.click();
    await page.waitForSelector(`main h1:has-text("Request #${id}")`);
    const [state] = await oracle.requestState(id);
    expect(state).to.equal(STATE.FULFILLED);
    // The fulfilment the page shows is the chain's: its transaction, block, and gas (a batch's share per request).
    const receipt = (await ethers.provider.getTransactionReceipt(await field(page, "fulfilTxHash")))!;
    const fulfilledInTx = receipt.logs
      .map((l) => (l.address === receipt.to ? oracle.interface.parseLog(l) : null))
      .filter((e) => e?.name === "RequestFulfilled");
    expect(fulfilledInTx.map((e) => e!.args.requestId)).to.include(id);
    expect(intText(await field(page, "fulfilGas"))).to.equal(receipt.gasUsed / BigInt(fulfilledInTx.length));
    expect(await field(page, "fulfilBlock")).to.match(new RegExp(`^block ${receipt.blockNumber} `));
    const eventNames = await texts(page, '[data-testid=event-row] [data-col="name"]');
    expect(eventNames).to.include("AIOracle.RequestCreated");
    expect(eventNames).to.include("AIOracle.RequestFulfilled");

    const modelLink = (await page.$('dd[data-field="model"] a'))!;
    const modelId = BigInt((await modelLink.getAttribute("data-model"))!);
    await modelLink.click();
    await page.waitForSelector(`main h1:has-text("Model #${modelId}")`);
    const model = await registry.modelOf(modelId);
    expect(await field(page, "weightsHash")).to.equal(model.weightsHash);
    expect(getAddress(await field(page, "owner"))).to.equal(model.owner);
    expect(BigInt((await page.getAttribute('dd[data-field="feeWei"] [data-wei]', "data-wei"))!)).to.equal(model.feeWei);
    expect(await page.$$("[data-testid=chart-revenue] canvas")).to.have.length.greaterThan(0);
    const tokenAddress = (await offering.offeringOf(modelId)).token;
    expect(await field(page, "token")).to.contain(tokenAddress);

    await page.click("[data-testid=holders-link]");
    await page.waitForURL(/\/holders$/);
    await page.waitForSelector("main:not([aria-busy]) [data-testid=holder-row]");
    const t = await token(tokenAddress);
    const holders = await texts(page, '[data-testid=holder-row] [data-col="address"]');
    const balances = await attrs(page, '[data-testid=holder-row] [data-col="balance"] [data-amount]', "data-amount");
    const claimable = await attrs(page, '[data-testid=holder-row] [data-col="claimableWei"] [data-wei]', "data-wei");
    expect(holders.length).to.be.greaterThan(0);
    let sum = 0n;
    for (const [i, holder] of holders.entries()) {
      expect(BigInt(balances[i]), holder).to.equal(await t.balanceOf(holder));
      expect(BigInt(claimable[i]), holder).to.equal(await t.claimableOf(ZeroAddress, holder));
      sum += BigInt(balances[i]);
    }
    expect(sum, "the holders' balances add up to the supply").to.equal(await t.totalSupply());
  });

  it("shows operators' stakes, datasets' prices and jobs' parties as the contracts hold them", async function () {
    const { staking, market, escrow, services } = chain.deployment;
    await openView(page, explorer.url, "#/operators");
    const rows = await page.$$("[data-testid=operator-row]");
    expect(rows.length).to.be.greaterThan(0);
    for (const row of rows) {
      const address = (await row.$eval('[data-col="address"]', (e) => e.textContent ?? "")).trim();
      const service = (await row.$eval('[data-col="service"]', (e) => e.textContent ?? "")).trim();
      const stake = await staking.stakeOf(address, services[service as keyof typeof services]);
      const shown = (col: string) =>
        row.$eval(`[data-col="${col}"] [data-wei]`, (e) => BigInt(e.getAttribute("data-wei")!).toString());
      expect(BigInt(await shown("stakeWei")), `${address} ${service}`).to.equal(stake.activeWei);
      expect(BigInt(await shown("lockedWei")), `${address} ${service}`).to.equal(stake.lockedWei);
    }

    await openView(page, explorer.url, "#/datasets");
    const datasetRows = await page.$$("[data-testid=dataset-row]");
    expect(datasetRows.length).to.be.greaterThan(0);
    for (const row of datasetRows) {
      const id = BigInt((await row.$eval('[data-col="id"]', (e) => e.textContent ?? "")).trim().slice(1));
      const dataset = await market.getDataset(id);
      expect(await row.$eval('[data-col="seller"] [data-address]', (e) => e.getAttribute("data-address"))).to.equal(
        dataset.seller,
      );
      expect(
        BigInt((await row.$eval('[data-col="priceWei"] [data-wei]', (e) => e.getAttribute("data-wei")))!),
      ).to.equal(dataset.priceAmount);
    }

    await openView(page, explorer.url, "#/jobs");
    const jobRows = await page.$$("[data-testid=job-row]");
    expect(jobRows.length).to.be.greaterThan(0);
    for (const row of jobRows) {
      const id = BigInt((await row.$eval('[data-col="id"]', (e) => e.textContent ?? "")).trim().slice(1));
      const job = await escrow.jobOf(id);
      expect(await row.$eval('[data-col="requester"] [data-address]', (e) => e.getAttribute("data-address"))).to.equal(
        job.requester,
      );
    }
  });

  it("answers bad input with a clear message, never a blank page", async function () {
    const cases: [string, RegExp][] = [
      ["#/requests/abc", /Bad input.*“abc” is not a valid request id/],
      ["#/requests/999999999", /Not found.*999999999/],
      ["#/models/999999999", /Not found.*999999999/],
      ["#/models/0x12", /Bad input.*not a valid model id/],
      ["#/requests?node=0x1234", /Bad input.*“0x1234” is not a valid node address/],
      ["#/requests?cursor=not-a-cursor", /Bad input.*cursor/],
      ["#/no-such-page", /Page not found/],
      ["#/requests/%E0%A4%A", /Bad input.*not a valid request id/],
      ["#/requests?limit=500", /Bad input.*limit/],
    ];
    for (const [hash, message] of cases) {
      await openView(page, explorer.url, hash);
      const error = await page.textContent("[data-testid=error]");
      expect(error, hash).to.match(message);
    }
  });

  it("says so when the network has no deployment manifest", async function () {
    const bare = await startExplorer({ manifest: null, network: "nowhere", port: 0 });
    try {
      await openView(page, bare.url, "#/requests");
      expect(await page.textContent("[data-testid=error]")).to.match(/No deployment manifest.*nowhere/);
    } finally {
      await bare.close();
    }
  });
});
