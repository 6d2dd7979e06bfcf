import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex } from "viem";
import { axonErrorsAbi, errorClasses } from "../generated/errors.js";
import { AxonContractError, AxonError, type AxonErrorName, AxonUnknownContractError } from "./base.js";

type ErrorClass = new (
  name: AxonErrorName,
  args: never,
  argsList: readonly unknown[],
  data: Hex,
  options?: { cause?: unknown },
) => AxonContractError;

/**
 * Decodes revert data into the typed class named after the custom error (e.g. `AIOracleUnknownModel`), or an
 * AxonUnknownContractError holding the raw data when no Axon ABI has that selector.
 */
export function decodeAxonError(
  data: Hex,
  cause?: unknown,
  reason?: string,
): AxonContractError | AxonUnknownContractError {
  try {
    const decoded = decodeErrorResult({ abi: axonErrorsAbi, data });
    const name = decoded.errorName as AxonErrorName;
    const Class = (errorClasses as unknown as Record<string, ErrorClass>)[name];
    const fragment = axonErrorsAbi.find((f) => f.name === name)!;
    const list = (decoded.args ?? []) as readonly unknown[];
    const args = Object.fromEntries(fragment.inputs.map((input, i) => [input.name, list[i]]));
    return new Class(name, args as never, list, data, { cause });
  } catch {
    return new AxonUnknownContractError(data, reason, { cause });
  }
}

/** Revert data carried by a viem error, wherever in its cause chain. */
export function revertDataOf(err: unknown): { data?: Hex; reason?: string } | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted) return { data: reverted.raw, reason: reverted.reason };
  // Raw RPC errors (e.g. eth_estimateGas on a send): the data sits on the innermost cause.
  let found: Hex | undefined;
  err.walk((e) => {
    const d = (e as { data?: unknown }).data;
    if (typeof d === "string" && d.startsWith("0x")) found = d as Hex;
    else if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string")
      found = (d as { data: Hex }).data;
    return false;
  });
  return found ? { data: found } : /revert/i.test(err.message) ? { reason: err.shortMessage } : undefined;
}

/** Turns whatever a simulate/write threw into an Axon error class when it is a revert; anything else is rethrown as is. */
export function toAxonError(err: unknown): unknown {
  if (err instanceof AxonError) return err;
  const revert = revertDataOf(err);
  if (!revert) return err;
  if (revert.data && revert.data !== "0x") return decodeAxonError(revert.data, err, revert.reason);
  return new AxonUnknownContractError(revert.data, revert.reason, { cause: err });
}
