import { expect } from "chai";
import { type Hex, keccak256, parseEther, toHex } from "viem";
import {
  AIOracleInsufficientFee,
  AIOracleNothingToWithdraw,
  AIOracleRequestNotExpired,
  AxonAbortedError,
  AxonTimeoutError,
  ModelRegistryUnknownModel,
  RequestState,
  aIOracleAbi,
  decodeClassification,
  fulfilArgs,
  requestFeeWei,
  termsOf,
} from "../src/index.js";
import { type TestChain, image, increaseTime, testChain } from "./chain";

const NODE = 1;
const OWNER = 2;
const USER = 3;
const GAS = 200_000;

/** 21 canonical bytes: label `label`, 9000 bps on it, the rest spread. */
function canonical(label: number): Hex {
  const b = new Uint8Array(21);
  b[0] = label;
  for (let i = 0; i < 10; i++) {
    const bps = i === label ? 9010 : 110;
    b[1 + 2 * i] = bps >> 8;
    b[2 + 2 * i] = bps & 0xff;
  }
  return toHex(b);
}

describe("oracle client against anvil", function () {
  let c: TestChain;
  let modelId: bigint;
  let consumer: Hex;

  before(async function () {
    c = await testChain();
    await c.axon(NODE).staking.stake("oracle", parseEther("1"));
    const owner = c.axon(OWNER);
    ({ modelId } = await owner.models.register({
      weightsHash: keccak256(toHex("sdk-oracle-model")),
      metadataURI: "ipfs://sdk-oracle",
      feeWei: parseEther("0.001"),
    }));
    await owner.models.addNode(modelId, c.account(NODE).address);
    consumer = await c.deploy("contracts/examples/DigitClassifierConsumer.sol/DigitClassifierConsumer.json", [
      c.manifest.contracts.AIOracle.address,
      modelId,
      c.account(OWNER).address,
    ]);
  });

  /** A request from USER, answered (or not) by NODE through the current ABI. */
  async function request(seed: number) {
    return c
      .axon(USER)
      .oracle.request({ modelId, input: image(seed), callback: consumer as Hex, callbackGasLimit: GAS });
  }
  async function fulfil(requestId: bigint, output: Hex, errorCode = 0) {
    const created = await c.axon(USER).oracle.getRequest(requestId);
    const hash = await c.wallet(NODE).writeContract({
      address: c.manifest.contracts.AIOracle.address as Hex,
      abi: aIOracleAbi,
      functionName: "fulfil",
      args: fulfilArgs(created, output, errorCode),
    });
    return c.publicClient.waitForTransactionReceipt({ hash });
  }

  it("quotes, requests (id from the receipt), reads the state and the request's preimage", async function () {
    const { oracle, models } = c.axon(USER);
    const quote = await oracle.quote(modelId, GAS);
    const terms = await models.terms(modelId);
    expect(terms.nodes).to.deep.equal([c.account(NODE).address]);
    expect(quote > terms.feeWei).to.equal(true);
    const balance = await c.publicClient.getBalance({ address: c.account(USER).address });
    const res = await request(1);
    expect(res.feeWei).to.equal((quote * 11_250n) / 10_000n); // the default 12.5% margin over the quote
    // the oracle kept the fee and sent the margin back in the same transaction
    const { request: sent } = await oracle.getRequest(res.requestId);
    const fee = requestFeeWei(termsOf(sent));
    const gas = res.receipt.gasUsed * res.receipt.effectiveGasPrice;
    expect(await c.publicClient.getBalance({ address: c.account(USER).address })).to.equal(balance - fee - gas);
    expect(res.receipt.status).to.equal("success");
    expect(res.requestId).to.equal(res.result);
    const st = await oracle.requestState(res.requestId);
    expect(st.state).to.equal(RequestState.Pending);
    const created = await oracle.getRequest(res.requestId);
    expect(created.input).to.equal(image(1));
    expect(created.request.requester).to.equal(c.account(USER).address);
    expect(created.request.modelId).to.equal(modelId);
    expect(BigInt(termsOf(created.request).deadline)).to.equal(st.deadline);
  });

  it("waitForResult: fulfilled, with the output recovered and decoded as a canonical classification", async function () {
    const { requestId } = await request(2);
    const waiting = c.axon(USER).oracle.waitForResult(requestId, { decode: "classification", timeoutMs: 20_000 });
    await fulfil(requestId, canonical(7));
    const r = await waiting;
    expect(r.status).to.equal("fulfilled");
    if (r.status !== "fulfilled") return;
    expect(r.output).to.equal(canonical(7));
    expect(r.outputHash).to.equal(keccak256(canonical(7)));
    expect(r.classification).to.deep.equal(decodeClassification(canonical(7)));
    expect(r.classification!.label).to.equal(7);
    expect(r.callbackSucceeded).to.equal(true);
    expect(r.node).to.equal(c.account(NODE).address);
  });

  it("waitForResult: failed, with the node's error code and its name", async function () {
    const { requestId } = await request(3);
    await fulfil(requestId, "0x", 4);
    const r = await c.axon(USER).oracle.waitForResult(requestId, { timeoutMs: 20_000 });
    expect(r).to.include({ status: "failed", errorCode: 4, errorName: "InferenceFailed", requestId });
  });

  it("waitForResult: expired past the deadline, then refunded by oracle.refund; the credit is withdrawn", async function () {
    const user = c.axon(USER);
    const { requestId, feeWei } = await request(4);
    const early = await user.oracle.refund(requestId).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(AIOracleRequestNotExpired);
    const { deadline } = await user.oracle.requestState(requestId);
    await increaseTime(c, 3601);
    expect(await user.oracle.waitForResult(requestId, { timeoutMs: 20_000 })).to.deep.equal({
      status: "expired",
      requestId,
      deadline,
    });
    const { request: pre } = await user.oracle.getRequest(requestId);
    // The fee snapshotted in the request (the excess over it was credited at request time).
    const amountWei = requestFeeWei(termsOf(pre));
    expect(amountWei <= feeWei).to.equal(true);
    const before = await user.oracle.creditOf();
    const refund = await c.axon(OWNER).oracle.refund(requestId); // anyone may refund; the requester is credited
    const r = await user.oracle.waitForResult(requestId, { timeoutMs: 20_000 });
    expect(r).to.deep.equal({
      status: "refunded",
      requestId,
      amountWei,
      requester: c.account(USER).address,
      transactionHash: refund.hash,
      blockNumber: refund.receipt.blockNumber,
    });
    expect(await user.oracle.creditOf()).to.equal(before + amountWei);
    await user.oracle.withdrawCredit();
    expect(await user.oracle.creditOf()).to.equal(0n);
    const err = await user.oracle.withdrawCredit().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AIOracleNothingToWithdraw);
    expect((err as AIOracleNothingToWithdraw).args).to.deep.equal({ account: c.account(USER).address });
  });

  it("waitForResult counts confirmations: a fulfilment reorged away is never reported", async function () {
    const user = c.axon(USER, { confirmations: 3 });
    const { requestId } = await request(5);
    await c.rpc("anvil_mine", ["0x2"]); // the request itself is 3 deep
    const snapshot = await c.rpc("evm_snapshot");
    await fulfil(requestId, canonical(1));
    // Mined but only 1 deep: not reported.
    const early = await user.oracle.waitForResult(requestId, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(AxonTimeoutError);
    expect(early).to.include({ requestId, lastState: RequestState.Pending });
    // The fulfilment is reorged away; a different result lands and gets buried 3 deep.
    await c.rpc("evm_revert", [snapshot]);
    expect((await user.oracle.requestState(requestId)).state).to.equal(RequestState.Pending);
    const waiting = user.oracle.waitForResult(requestId, { timeoutMs: 20_000, decode: "classification" });
    await fulfil(requestId, canonical(2));
    await c.rpc("anvil_mine", ["0x2"]);
    const r = await waiting;
    expect(r.status === "fulfilled" && r.classification?.label).to.equal(2);
  });

  it("waitForResult stops on an AbortSignal, before or while waiting", async function () {
    const { oracle } = c.axon(USER);
    const { requestId } = await request(6);
    const pre = AbortSignal.abort(new Error("user left"));
    const e1 = await oracle.waitForResult(requestId, { signal: pre }).catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(AxonAbortedError);
    expect((e1 as Error).message).to.match(/aborted: user left/);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 150);
    const started = Date.now();
    const e2 = await oracle
      .waitForResult(requestId, { signal: ctl.signal, pollingIntervalMs: 10_000 })
      .catch((e: unknown) => e);
    expect(e2).to.be.instanceOf(AxonAbortedError);
    expect(Date.now() - started).to.be.lessThan(5_000);
  });

  it("throws typed errors with their arguments: an underpaid request, an unknown model", async function () {
    const { oracle } = c.axon(USER);
    const quote = await oracle.quote(modelId, GAS);
    const e1 = await oracle
      .request({ modelId, input: image(7), callback: consumer as Hex, callbackGasLimit: GAS, value: quote - 1n })
      .catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(AIOracleInsufficientFee);
    expect((e1 as AIOracleInsufficientFee).args).to.deep.equal({ paidWei: quote - 1n, quoteWei: quote });
    expect((e1 as Error).message).to.equal(`AIOracleInsufficientFee(paidWei: ${quote - 1n}, quoteWei: ${quote})`);
    const e2 = await oracle.quote(999n, GAS).catch((e: unknown) => e);
    expect(e2).to.be.instanceOf(ModelRegistryUnknownModel);
    expect((e2 as ModelRegistryUnknownModel).args.modelId).to.equal(999n);
  });
});
