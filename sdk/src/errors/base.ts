import type { AbiParameterToPrimitiveType, Hex } from "viem";
import type { axonErrorsAbi } from "../generated/errors.js";

/** Name of a custom error of the Axon contracts. */
export type AxonErrorName = (typeof axonErrorsAbi)[number]["name"];

type ErrorInputs<N extends AxonErrorName> = Extract<(typeof axonErrorsAbi)[number], { name: N }>["inputs"];

/** The arguments of custom error `N`, by name, typed from its ABI fragment (uint -> bigint, address -> Hex, ...). */
export type AxonErrorArgs<N extends AxonErrorName> = {
  [P in ErrorInputs<N>[number] as P["name"]]: AbiParameterToPrimitiveType<P>;
};

/** Base of every error the SDK throws. */
export class AxonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A call reverted with custom error `N` of an Axon contract; one subclass per error, named after it. */
export class AxonContractError<N extends AxonErrorName = AxonErrorName> extends AxonError {
  /** The error's name in the contracts (also this class's name). */
  readonly errorName: N;
  /** Its arguments by name. */
  readonly args: AxonErrorArgs<N>;
  /** Its arguments in ABI order. */
  readonly argsList: readonly unknown[];
  /** The revert data as returned by the node. */
  readonly data: Hex;

  constructor(
    errorName: N,
    args: AxonErrorArgs<N>,
    argsList: readonly unknown[],
    data: Hex,
    options?: { cause?: unknown },
  ) {
    super(`${errorName}(${formatArgs(args as Record<string, unknown>)})`, options);
    this.name = errorName; // not the constructor's name, which a minifier may rename
    this.errorName = errorName;
    this.args = args;
    this.argsList = argsList;
    this.data = data;
  }
}

/**
 * A revert the SDK cannot name: an error of no Axon ABI (e.g. from a consumer contract), a `require` string, a
 * panic, or no data at all. `data` holds the raw revert data, `reason` what the node said.
 */
export class AxonUnknownContractError extends AxonError {
  constructor(
    readonly data: Hex | undefined,
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `reverted${reason ? `: ${reason}` : ""}${data && data !== "0x" ? ` (data ${data})` : " (no revert data)"}`,
      options,
    );
  }
}

/** A mined transaction that reverted (status 0) although its simulation passed, e.g. state changed in between. */
export class AxonTransactionRevertedError extends AxonError {
  constructor(readonly hash: Hex) {
    super(`transaction ${hash} reverted on chain`);
  }
}

/** A client call needs something its configuration lacks (an account, an address, a network feature). */
export class AxonConfigError extends AxonError {}

/** waitForResult gave up: its timeout passed before the request reached a terminal state. */
export class AxonTimeoutError extends AxonError {
  constructor(
    readonly requestId: bigint,
    readonly timeoutMs: number,
    readonly lastState: number,
  ) {
    super(`request ${requestId} not settled after ${timeoutMs} ms (last state ${lastState})`);
  }
}

/** waitForResult was cancelled through its AbortSignal. */
export class AxonAbortedError extends AxonError {
  constructor(
    readonly requestId: bigint,
    readonly reason: unknown,
  ) {
    super(`waiting for request ${requestId} was aborted${reason instanceof Error ? `: ${reason.message}` : ""}`);
  }
}

function formatArgs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(
      ([k, v]) =>
        `${k}: ${typeof v === "bigint" ? v.toString() : JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`,
    )
    .join(", ");
}
