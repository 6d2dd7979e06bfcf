import type { Abi, ContractFunctionArgs, ContractFunctionName, ContractFunctionReturnType } from "viem";

/** Positional arguments of a write function of `abi`. @internal */
export type WriteArgs<
  A extends Abi,
  F extends ContractFunctionName<A, "nonpayable" | "payable">,
> = ContractFunctionArgs<A, "nonpayable" | "payable", F>;

/** Return type of a view function of `abi`. @internal */
export type ViewReturn<A extends Abi, F extends ContractFunctionName<A, "view" | "pure">> = ContractFunctionReturnType<
  A,
  "view" | "pure",
  F
>;
