import { type Address, type Hex, keccak256, stringToHex } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { operatorStakingAbi } from "../generated/abis.js";
import type { ViewReturn } from "./types.js";

/** The services operators stake for. */
export const SERVICES = {
  oracle: "axon.service.oracle",
  compute: "axon.service.compute",
  edge: "axon.service.edge",
} as const;
export type ServiceName = keyof typeof SERVICES;

/** The bytes32 id of a service: keccak256 of its name. */
export function serviceId(service: ServiceName | Hex): Hex {
  return service.startsWith("0x") ? (service as Hex) : keccak256(stringToHex(SERVICES[service as ServiceName]));
}

/** `stakeOf`: active, unbonding and locked stake, release time, jail end. */
export type Stake = ViewReturn<typeof operatorStakingAbi, "stakeOf">;

/** Operator staking: stake, unbond, withdraw, and the service requirements. */
export class StakingClient {
  readonly abi = operatorStakingAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "OperatorStaking");
  }

  /** Stakes `amountWei` for a service. */
  stake(service: ServiceName | Hex, amountWei: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      {
        address: this.address,
        abi: operatorStakingAbi,
        functionName: "stake",
        args: [serviceId(service)],
        value: amountWei,
      },
      options,
    );
  }

  /** Starts unbonding `amountWei` of free stake. */
  requestUnbond(service: ServiceName | Hex, amountWei: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      {
        address: this.address,
        abi: operatorStakingAbi,
        functionName: "requestUnbond",
        args: [serviceId(service), amountWei],
      },
      options,
    );
  }

  /** Withdraws stake whose unbonding delay passed. */
  withdraw(service: ServiceName | Hex, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: operatorStakingAbi, functionName: "withdraw", args: [serviceId(service)] },
      options,
    );
  }

  /** The stake of `operator` (default: the wallet account). */
  stakeOf(service: ServiceName | Hex, operator?: Address): Promise<Stake> {
    return read(this.ctx, {
      address: this.address,
      abi: operatorStakingAbi,
      functionName: "stakeOf",
      args: [operator ?? accountOf(this.ctx), serviceId(service)],
    });
  }

  /** Whether `operator` is an active staked operator of the service. */
  isActive(service: ServiceName | Hex, operator?: Address): Promise<boolean> {
    return read(this.ctx, {
      address: this.address,
      abi: operatorStakingAbi,
      functionName: "isActiveOperator",
      args: [operator ?? accountOf(this.ctx), serviceId(service)],
    });
  }

  /** The service's minimum stake, unbonding delay and whether it is enabled. */
  serviceConfig(service: ServiceName | Hex): Promise<ViewReturn<typeof operatorStakingAbi, "serviceConfig">> {
    return read(this.ctx, {
      address: this.address,
      abi: operatorStakingAbi,
      functionName: "serviceConfig",
      args: [serviceId(service)],
    });
  }
}
