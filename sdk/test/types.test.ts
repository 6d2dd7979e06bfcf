// Type tests: compiled by `tsc -p sdk` (npm run typecheck), where each `@ts-expect-error` line must fail to
// compile (an unused one is itself an error), and run by mocha, where expectTypeOf is a no-op at run time.
import { expect } from "chai";
import { expectTypeOf } from "expect-type";
import type { Address, Hex } from "viem";
import {
  AIOracleInsufficientFee,
  type AxonClient,
  type AxonErrorArgs,
  DataMarketNotSeller,
  type EdgeNode,
  type ProvenanceReport,
  type RequestRouting,
  UptimeTree,
  type OracleResult,
  type Verification,
  createAxonClient,
} from "../src/index.js";

/** Never called: its body only has to compile (or, on `@ts-expect-error` lines, not compile). */
async function typeChecks(axon: AxonClient, image: Hex, consumer: Address) {
  expectTypeOf(axon.oracle.quote).parameters.toEqualTypeOf<[bigint, number]>();
  expectTypeOf(axon.oracle.quote).returns.resolves.toEqualTypeOf<bigint>();
  const req = await axon.oracle.request({ modelId: 1n, input: image, callback: consumer, callbackGasLimit: 200_000 });
  expectTypeOf(req.requestId).toEqualTypeOf<bigint>();
  const routed = await axon.oracle.request({
    modelId: 1n,
    input: image,
    callback: consumer,
    callbackGasLimit: 1,
    region: "DE",
  });
  expectTypeOf(routed.routed).toEqualTypeOf<RequestRouting | undefined>();
  expectTypeOf<RequestRouting>().toEqualTypeOf<{ region: string; matched: boolean }>();
  const result = await axon.oracle.waitForResult(req.requestId, { decode: "classification" });
  expectTypeOf(result).toEqualTypeOf<OracleResult>();
  if (result.status === "fulfilled") expectTypeOf(result.classification!.label).toEqualTypeOf<number>();
  if (result.status === "failed") expectTypeOf(result.errorCode).toEqualTypeOf<number>();
  // error classes carry their arguments typed from the ABI
  expectTypeOf<AxonErrorArgs<"AIOracleInsufficientFee">>().toEqualTypeOf<{ paidWei: bigint; quoteWei: bigint }>();
  expectTypeOf<InstanceType<typeof DataMarketNotSeller>["args"]>().toEqualTypeOf<{
    datasetId: bigint;
    caller: Address;
  }>();
  expectTypeOf<Verification>().toHaveProperty("bondWei").toEqualTypeOf<bigint>();
  const proven = await axon.oracle.waitForResult(req.requestId, { decode: "proven" });
  if (proven.status === "fulfilled") expectTypeOf(proven.provenClassification!.logits).toEqualTypeOf<number[]>();
  expectTypeOf(axon.edge.nodeOf).returns.resolves.toEqualTypeOf<EdgeNode>();
  expectTypeOf<EdgeNode["region"]>().toEqualTypeOf<Hex>();
  expectTypeOf(axon.provenance.verify).returns.resolves.toEqualTypeOf<ProvenanceReport>();
  expectTypeOf(axon.campaigns.create).returns.resolves.toHaveProperty("campaignId").toEqualTypeOf<bigint>();

  // @ts-expect-error a model id is a bigint, not a number
  await axon.oracle.quote(1, 200_000);
  // @ts-expect-error the input is hex bytes, not a Uint8Array
  await axon.oracle.request({ modelId: 1n, input: new Uint8Array(784), callback: consumer, callbackGasLimit: 1 });
  // @ts-expect-error the callback is an address
  await axon.oracle.request({ modelId: 1n, input: image, callback: "consumer", callbackGasLimit: 1 });
  // @ts-expect-error a region is a string ("DE", "de", "0x4445"), not a number
  await axon.oracle.request({ modelId: 1n, input: image, callback: consumer, callbackGasLimit: 1, region: 0x4445 });
  // @ts-expect-error waitForResult only decodes canonical or proven classifications
  await axon.oracle.waitForResult(1n, { decode: "json" });
  // @ts-expect-error an epoch is a bigint (uint64), not a number
  new UptimeTree(1, [{ node: consumer, uptime: 1 }]);
  // @ts-expect-error a hardware class is a number (uint8)
  await axon.edge.register(consumer, { region: "DE", hardwareClass: "arm64", models: [1n], metadataURI: "" });
  // @ts-expect-error a Proof model needs its verifier
  await axon.models.registerProof({ weightsHash: image, metadataURI: "", feeWei: 1n });
  // @ts-expect-error a proof result is hex output and proof
  await axon.oracle.fulfilProof(1n, { output: new Uint8Array(41), proof: image });
  // @ts-expect-error a campaign's pay per item is a bigint (uint96)
  await axon.campaigns.create({ schemaHash: image, payPerItemWei: 1, maxItems: 1, deadline: 1n, validators: [] });
  // @ts-expect-error a service is "oracle" | "compute" | "edge" or its bytes32 id
  await axon.staking.stake("storage", 1n);
  // @ts-expect-error the verification's bond is a uint128 (bigint)
  await axon.models.setVerification(1n, { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 });
  // @ts-expect-error launch parameters need every field
  await axon.imo.launch(1n, { name: "X", symbol: "X" });
  // @ts-expect-error no such error argument
  expectTypeOf<AxonErrorArgs<"AIOracleInsufficientFee">>().toHaveProperty("modelId");
  // @ts-expect-error no such custom error
  expectTypeOf<AxonErrorArgs<"AIOracleNoSuchError">>().toBeObject();
}

describe("types", function () {
  it("compiles the type checks (tsc runs them; here the module only has to load)", function () {
    expect(typeChecks).to.be.a("function");
    expect(createAxonClient).to.be.a("function");
    expect(
      new AIOracleInsufficientFee("AIOracleInsufficientFee", { paidWei: 1n, quoteWei: 2n }, [1n, 2n], "0x").message,
    ).to.equal("AIOracleInsufficientFee(paidWei: 1, quoteWei: 2)");
  });
});
