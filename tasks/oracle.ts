import { task } from "hardhat/config";
import { existsSync, readFileSync } from "node:fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type RequestTerms, unpackRequestTerms } from "../sdk/src/oracle/terms";
import {
  axonContract,
  eventOf,
  fail,
  parseAddressParam,
  parseEthParam,
  parseIdParam,
  parseRangeParam,
  parseRegion,
  printResult,
  sendTx,
  signerOf,
} from "./lib";

/** Request states as AIOracle numbers them. */
export const REQUEST_STATES = ["none", "pending", "provisional", "fulfilled", "refunded", "challenged"] as const;

/** Reads the request a RequestCreated event carried (nodes and refunds pass it back verbatim). */
async function findRequest(
  hre: HardhatRuntimeEnvironment,
  oracle: Awaited<ReturnType<typeof axonContract>>,
  id: bigint,
) {
  const logs = await oracle.queryFilter(oracle.filters.RequestCreated(id), 0);
  if (logs.length === 0) fail(`--request ${id} is unknown to the oracle on "${hre.network.name}"`);
  const args = (logs[0] as unknown as { args: { request: unknown; input: string } }).args;
  // Decoded structs are frozen ethers Results; calls take them back as plain (positional) arrays.
  const plain = (v: unknown): unknown => (Array.isArray(v) ? [...v].map(plain) : v);
  return {
    request: plain(args.request),
    decoded: args.request,
    terms: termsOf(args.request),
    input: args.input,
    block: logs[0].blockNumber,
  };
}

/** The terms packed in a decoded `Request` (deadline, fees, mode, quorumK...), unpacked by the runner's codec. */
function termsOf(request: unknown): RequestTerms {
  return unpackRequestTerms(request as { receiverFee: bigint; fees: bigint; timing: bigint });
}

function inputBytes(hre: HardhatRuntimeEnvironment, args: { input?: string; inputFile?: string }): string {
  if (!!args.input === !!args.inputFile) fail("give exactly one of --input or --input-file");
  if (args.inputFile) {
    if (!existsSync(args.inputFile)) fail(`--input-file ${args.inputFile} does not exist`);
    return hre.ethers.hexlify(readFileSync(args.inputFile));
  }
  const v = args.input as string;
  return hre.ethers.isHexString(v) ? v : hre.ethers.hexlify(hre.ethers.toUtf8Bytes(v));
}

task("oracle:request", "Request an inference from a registered model, paying the oracle's quote")
  .addParam("model", "Model id")
  .addOptionalParam("input", "Input: 0x-hex bytes, or text (UTF-8)")
  .addOptionalParam("inputFile", "Input: raw bytes of a file (e.g. a 784-byte MNIST image)")
  .addOptionalParam("callback", "Consumer contract receiving onAIOracleResult (default: the sender, no callback)")
  .addOptionalParam("gas", "Callback gas limit", "100000")
  .addOptionalParam("data", "Callback data (0x-hex)", "0x")
  .addOptionalParam("maxFee", "Refuse if the quote exceeds this many ETH")
  .addOptionalParam("region", "Route to an edge node of this ISO-3166-1 alpha-2 region, e.g. DE (falls back if none)")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    const region = args.region === undefined ? undefined : parseRegion(args.region);
    const input = inputBytes(hre, args);
    const gas = parseRangeParam("gas", args.gas, 0, 2 ** 32 - 1);
    if (!hre.ethers.isHexString(args.data)) fail(`--data must be 0x-hex (got "${args.data}")`);
    const oracle = await axonContract(hre, "AIOracle", args.from);
    const requester = await signerOf(oracle);
    const callback = args.callback ? parseAddressParam(hre, "callback", args.callback) : requester;
    const maxInput = await oracle.maxInputBytes();
    if (BigInt(hre.ethers.dataLength(input)) > maxInput)
      fail(`the input is ${hre.ethers.dataLength(input)} bytes; the oracle accepts at most ${maxInput}`);
    const maxGas = (await oracle.config()).maxCallbackGasLimit;
    if (BigInt(gas) > maxGas) fail(`--gas ${gas} exceeds the oracle's maxCallbackGasLimit ${maxGas}`);
    const registry = await axonContract(hre, "ModelRegistry");
    if ((await registry.modelCount()) < modelId) fail(`--model ${modelId} is not registered`);
    const fee: bigint = await oracle.quote(modelId, gas);
    if (args.maxFee !== undefined && fee > parseEthParam(hre, "max-fee", args.maxFee))
      fail(`the quote ${hre.ethers.formatEther(fee)} ETH exceeds --max-fee ${args.maxFee}`);
    const sent = await sendTx(
      region === undefined
        ? oracle.request(modelId, input, callback, gas, args.data, { value: fee })
        : oracle.requestInRegion(modelId, input, callback, gas, args.data, region, { value: fee }),
    );
    const ev = await eventOf(hre, oracle, sent.tx, "RequestCreated");
    const routed = region === undefined ? undefined : await eventOf(hre, oracle, sent.tx, "RequestRouted");
    printResult(args.json, {
      requestId: ev.requestId,
      modelId,
      requester,
      feeWei: fee,
      deadline: BigInt(termsOf(ev.request).deadline),
      nodes: [...ev.request.nodes],
      ...(routed ? { region: args.region, regionMatched: routed.matched } : {}),
      ...sent,
    });
  });

/** A value in the syntax `cast send` takes for a tuple argument: `(a,b,[c,d])`, bytes and addresses as 0x hex. */
export function castTuple(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(castTuple).join(",")}]`;
  return String(v);
}

task("oracle:status", "Show a request's state, deadline, assigned nodes and result (if any)")
  .addParam("request", "Request id")
  .addFlag("json", "Print JSON")
  .addFlag("tuple", "Print only the request struct as a cast tuple, for `cast send ... fulfil/refund`")
  .setAction(async (args, hre) => {
    const requestId = parseIdParam("request", args.request);
    const oracle = await axonContract(hre, "AIOracle");
    const [state, deadline] = await oracle.requestState(requestId);
    const { decoded, request } = await findRequest(hre, oracle, requestId);
    if (args.tuple) {
      // The struct is a tuple, not an array: its outer brackets are parentheses.
      console.log(`(${(request as unknown[]).map(castTuple).join(",")})`);
      return;
    }
    const r = decoded as { modelId: bigint; requester: string; nodes: string[] };
    const fulfilled = await oracle.queryFilter(oracle.filters.RequestFulfilled(requestId), 0);
    const last = fulfilled.at(-1) as unknown as
      | { args: { node: string; isFinal: boolean; callbackSucceeded: boolean; errorCode: bigint; outputHash: string } }
      | undefined;
    printResult(args.json, {
      requestId,
      state: REQUEST_STATES[Number(state)] ?? String(state),
      deadline,
      modelId: r.modelId,
      requester: r.requester,
      nodes: [...r.nodes],
      ...(last
        ? {
            fulfilledBy: last.args.node,
            final: last.args.isFinal,
            callbackSucceeded: last.args.callbackSucceeded,
            errorCode: last.args.errorCode,
            outputHash: last.args.outputHash,
          }
        : {}),
    });
  });

task("oracle:refund", "Refund an expired request (anyone may call; the requester is credited)")
  .addParam("request", "Request id")
  .addFlag("withdraw", "Then withdraw the caller's oracle credit")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const requestId = parseIdParam("request", args.request);
    const oracle = await axonContract(hre, "AIOracle", args.from);
    const [state, deadline] = await oracle.requestState(requestId);
    if (Number(state) !== 1 && Number(state) !== 5)
      fail(
        `request ${requestId} is ${REQUEST_STATES[Number(state)]}: only a pending or challenged one can be refunded`,
      );
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    const { request, terms } = await findRequest(hre, oracle, requestId);
    if (Number(state) === 5) {
      // Issue 12: a challenge refunds only when upheld by quorumK bonded votes; otherwise it settles for the proposer.
      const p = await oracle.proposalOf(requestId);
      if (BigInt(now) <= p.resolveBy)
        fail(`request ${requestId} is challenged: it can be settled after its resolution time ${p.resolveBy}`);
      const k = BigInt(terms.quorumK);
      if (k === 0n || p.votesInvalid < k)
        fail(`request ${requestId}: its challenge was not upheld, so it settles for the proposer through finalize`);
    } else if (BigInt(now) <= deadline)
      fail(`request ${requestId} can be refunded after its deadline ${deadline} (now ${now})`);
    const sent = await sendTx(oracle.refund(requestId, request));
    const ev = await eventOf(hre, oracle, sent.tx, "RequestRefunded");
    const withdrawn = args.withdraw ? await sendTx(oracle.withdrawCredit()) : undefined;
    printResult(args.json, {
      requestId,
      requester: ev.requester,
      refundedWei: ev.amountWei,
      ...sent,
      ...(withdrawn ? { withdrawTx: withdrawn.tx } : {}),
    });
  });

task(
  "oracle:warm-ring",
  "Pay the first write of the oracle's empty commitment ring slots now (anyone), so requests get the steady-state price",
)
  .addOptionalParam("start", "First ring index", "0")
  .addOptionalParam("count", "How many ring slots from --start", "4096")
  .addOptionalParam("chunk", "Slots per transaction (22.4k gas each: 512 = 11.5M gas)", "512")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const RING_SIZE = 4096;
    const start = parseRangeParam("start", args.start, 0, RING_SIZE - 1);
    const count = parseRangeParam("count", args.count, 1, RING_SIZE - start);
    const chunk = parseRangeParam("chunk", args.chunk, 1, RING_SIZE);
    const oracle = await axonContract(hre, "AIOracle", args.from);
    let warmed = 0n;
    let gasUsed = 0n;
    const txs: string[] = [];
    for (let from = start; from < start + count; from += chunk) {
      const n = Math.min(chunk, start + count - from);
      const sent = await sendTx(oracle.warmCommitmentRing(from, n));
      const ev = await eventOf(hre, oracle, sent.tx, "CommitmentRingWarmed");
      warmed += BigInt(ev.warmed);
      gasUsed += BigInt(sent.gasUsed ?? 0n);
      txs.push(sent.tx);
    }
    printResult(args.json, { start, count, warmed, alreadyUsed: BigInt(count) - warmed, gasUsed, txs });
  });
