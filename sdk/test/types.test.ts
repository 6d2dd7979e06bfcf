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

  // @ts-expect-error a model id is a bigint, not a number
  await axon.oracle.quote(1, 200_000);
  // @ts-expect-error the input is hex bytes, not a Uint8Array
  await axon.oracle.request({ modelId: 1n, input: new Uint8Array(784), callback: consumer, callbackGasLimit: 1 });
  // @ts-expect-error the callback is an address
  await axon.oracle.request({ modelId: 1n, input: image, callback: "consumer", callbackGasLimit: 1 });
  // @ts-expect-error waitForResult only decodes the canonical classification
  await axon.oracle.waitForResult(1n, { decode: "json" });
  // @ts-expect-error a service is "oracle" | "compute" or its bytes32 id
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
