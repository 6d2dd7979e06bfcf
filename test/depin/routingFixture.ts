import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { EdgeNodeRegistry } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, UNBONDING_DELAY_SECONDS } from "../helpers/constants";
import {
  deployOracleFixture,
  emittedRequest,
  CALLBACK_GAS,
  NONE_VERIFICATION,
  WEIGHTS_HASH,
  MODEL_FEE_WEI,
} from "../oracle/fixtures";
import { CONFIG as EDGE_CONFIG, EDGE_SERVICE, MIN_EDGE_STAKE } from "./fixture";

export { DE, US } from "./fixture";
export const JP = "0x4a50";
export const ANY = "0x0000";
/** Hardware class of the test devices (1 = CPU arm64). */
export const ARM64 = 1;

/**
 * The oracle stack (deployOracleFixture) plus an EdgeNodeRegistry the ModelRegistry routes by, as deploy/axon.ts
 * wires it. Model 4 is a None model served by nodeA, nodeB, nodeC and nodeD; every node is also staked in the edge
 * service so a test can register it as a device of a region.
 */
export async function routingFixture() {
  const f = await deployOracleFixture();
  await f.staking.setService(EDGE_SERVICE, MIN_EDGE_STAKE, UNBONDING_DELAY_SECONDS, true);
  const edge = await deployProxy<EdgeNodeRegistry>("EdgeNodeRegistry", [
    f.admin.address,
    ADMIN_DELAY_SECONDS,
    await f.staking.getAddress(),
    EDGE_SERVICE,
    ethers.ZeroAddress,
    EDGE_CONFIG,
  ]);
  await f.staking.setModule(EDGE_SERVICE, await edge.getAddress(), true);
  await f.registry.setEdgeRegistry(await edge.getAddress());
  const nodes = [f.nodeA, f.nodeB, f.nodeC, f.nodeD];
  for (const n of nodes) await f.staking.connect(n).stake(EDGE_SERVICE, { value: MIN_EDGE_STAKE });
  await f.registry.connect(f.modelOwner).registerModel(WEIGHTS_HASH, "ipfs://edge", MODEL_FEE_WEI, NONE_VERIFICATION);
  for (const n of nodes) await f.registry.connect(f.modelOwner).addNode(4, n.address);

  /** Registers `node` as an edge device of `region` (its own address signs heartbeats). */
  const place = async (node: Signer, region: string) =>
    edge.connect(node).register(await node.getAddress(), region, ARM64, [], "https://edge.example/node.json");

  /** Sends `requestInRegion` for `modelId` at the quote and returns the emitted request and the routing event. */
  const route = async (modelId: number, region: string, from: Signer = f.requester) => {
    const fee = await f.oracle.quote(modelId, CALLBACK_GAS);
    const tx = await f.oracle
      .connect(from)
      .requestInRegion(
        modelId,
        ethers.toUtf8Bytes("routed"),
        await f.consumer.getAddress(),
        CALLBACK_GAS,
        "0x",
        region,
        {
          value: fee,
        },
      );
    const emitted = await emittedRequest(f.oracle, tx);
    const receipt = await tx.wait();
    const routed = receipt!.logs
      .map((log) => f.oracle.interface.parseLog(log))
      .find((parsed) => parsed?.name === "RequestRouted");
    return {
      tx,
      emitted,
      fee,
      routed: routed ? { region: routed.args.region as string, matched: routed.args.matched as boolean } : null,
    };
  };

  return { ...f, edge, nodes, place, route };
}

export type RoutingFixture = Awaited<ReturnType<typeof routingFixture>>;
