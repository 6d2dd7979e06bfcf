import { expect } from "chai";
import { encodeErrorResult, type Hex, toFunctionSelector, zeroAddress } from "viem";
import {
  AxonContractError,
  AxonUnknownContractError,
  aIOracleAbi,
  axonErrorsAbi,
  computeEscrowAbi,
  dataMarketAbi,
  decodeAxonError,
  errorClasses,
  labelingBountiesAbi,
  modelOfferingAbi,
  modelRegistryAbi,
  modelTokenAbi,
  operatorStakingAbi,
  edgeNodeRegistryAbi,
  syntheticProvenanceAbi,
  collectionCampaignsAbi,
} from "../src/index.js";

/** A sample value for an ABI parameter type. */
function sample(type: string, components?: readonly { type: string; components?: unknown }[]): unknown {
  if (type.endsWith("[]")) return [sample(type.slice(0, -2), components)];
  const fixed = type.match(/^(.*)\[(\d+)\]$/);
  if (fixed) return Array.from({ length: Number(fixed[2]) }, () => sample(fixed[1], components));
  if (type === "tuple") return components!.map((c) => sample(c.type, c.components as never));
  if (type === "address") return "0x00000000000000000000000000000000000000A1";
  if (type === "bool") return true;
  if (type === "string") return "what";
  if (type === "bytes") return "0xbeef";
  if (type.startsWith("bytes")) return `0x${"ab".repeat(Number(type.slice(5)))}`;
  if (type.startsWith("uint") || type.startsWith("int")) return 7n;
  throw new Error(`no sample for ${type}`);
}

describe("error classes", function () {
  it("every custom error of every SDK ABI maps to the class named after it, with its arguments by name", function () {
    const abis = [
      aIOracleAbi,
      modelRegistryAbi,
      modelOfferingAbi,
      modelTokenAbi,
      dataMarketAbi,
      labelingBountiesAbi,
      computeEscrowAbi,
      operatorStakingAbi,
      edgeNodeRegistryAbi,
      syntheticProvenanceAbi,
      collectionCampaignsAbi,
    ];
    const names = new Set(abis.flatMap((abi) => abi.filter((f) => f.type === "error").map((f) => f.name)));
    for (const n of names)
      expect(
        axonErrorsAbi.some((f) => f.name === n),
        n,
      ).to.equal(true);
    expect(Object.keys(errorClasses)).to.have.length(axonErrorsAbi.length);
    for (const fragment of axonErrorsAbi) {
      const values = fragment.inputs.map((i) => sample(i.type, (i as { components?: never }).components));
      const data = encodeErrorResult({ abi: [fragment], errorName: fragment.name, args: values } as never);
      const err = decodeAxonError(data);
      const Class = (errorClasses as Record<string, unknown>)[fragment.name];
      expect(err, fragment.name).to.be.instanceOf(Class as never);
      expect(err).to.be.instanceOf(AxonContractError);
      expect(err.name).to.equal(fragment.name);
      const e = err as AxonContractError;
      expect(e.errorName).to.equal(fragment.name);
      expect(e.data).to.equal(data);
      expect(Object.keys(e.args)).to.deep.equal(fragment.inputs.map((i) => i.name));
      expect(e.argsList).to.have.length(fragment.inputs.length);
    }
  });

  it("an unknown selector, a require string or empty data fall back to AxonUnknownContractError with the raw data", function () {
    const foreign = (toFunctionSelector("SomeoneElsesError(uint256)") + "0".repeat(63) + "1") as Hex;
    const e1 = decodeAxonError(foreign);
    expect(e1).to.be.instanceOf(AxonUnknownContractError);
    expect(e1).to.include({ data: foreign });
    expect(e1.message).to.equal(`reverted (data ${foreign})`);
    const e2 = decodeAxonError("0x", undefined, "nope");
    expect(e2).to.be.instanceOf(AxonUnknownContractError);
    expect(e2.message).to.equal("reverted: nope (no revert data)");
    expect(zeroAddress).to.be.a("string");
  });
});
