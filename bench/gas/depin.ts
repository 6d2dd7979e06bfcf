import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { GasRecorder } from "../lib";
import { edgeFixture, CONFIG, DE, toEpoch } from "../../test/depin/fixture";
import { JP, US, routingFixture } from "../../test/depin/routingFixture";
import { CALLBACK_GAS, warmCommitmentRing } from "../../test/oracle/fixtures";
import { UptimeTree, type UptimeEntry } from "../../tasks/edgeTree";

/** `count` entries: the given nodes, then synthetic addresses, all with a full epoch of uptime. */
function entries(nodes: string[], count: number): UptimeEntry[] {
  const out = nodes.map((node) => ({ node, uptime: 6 }));
  for (let i = out.length; i < count; i++)
    out.push({ node: ethers.getAddress(ethers.id(`n${i}`).slice(0, 42)), uptime: 6 });
  return out;
}

// EdgeNodeRegistry (issue 16): register, one epoch report at 10 and 1,000 nodes (a root: flat), and claims in an early
// and a late epoch with a 1,000-leaf proof (flat in epochs).
export default async function (gas: GasRecorder): Promise<void> {
  const f = await edgeFixture();
  const { registry, nodeA, nodeB, keyA, reporter, sponsor } = f;
  await gas.record(
    "register",
    await registry
      .connect(nodeA)
      .register(keyA.address, DE, 1, [ethers.id("model:mnist")], "https://a.example/edge.json"),
  );
  await registry.connect(nodeB).register(nodeB.address, DE, 1, [], "");
  await registry.connect(sponsor).fund(ethers.parseEther("100"), { value: ethers.parseEther("100") });
  const trees: Record<number, UptimeTree> = {};
  for (const [epoch, size] of [
    [0, 10],
    [1, 1_000],
    [40, 1_000],
  ] as const) {
    await toEpoch(registry, epoch + 1, 1);
    const tree = new UptimeTree(epoch, entries([nodeA.address, nodeB.address], size));
    trees[epoch] = tree;
    const tx = await registry.connect(reporter).postReport(epoch, tree.root, tree.total);
    if (epoch !== 40) await gas.record(`postReport.${size}nodes`, tx);
    await time.increase(CONFIG.challengeWindowSeconds + 1);
    const fin = await registry.finalizeEpoch(epoch);
    if (epoch === 1) await gas.record("finalizeEpoch", fin);
  }
  for (const epoch of [1, 40]) {
    const { uptime, proof } = trees[epoch].proofOf(nodeA.address);
    await gas.record(
      `claimUptime.epoch${epoch}.1000nodes`,
      await registry.connect(nodeA).claimUptime(epoch, uptime, proof),
    );
  }
  await f.served.setServed(nodeA.address, 12);
  await gas.record("claimServed", await registry.connect(nodeA).claimServed());
  await routing(gas);
}

/**
 * Region routing (issue 16): `requestInRegion` of a None model served by four nodes (12-byte prompt, as the oracle's
 * `request.prompt12B`), when the first candidate of the walk is in the region, when only the last of four is, and
 * when none is (fallback to the plain assignment). Each scanned candidate costs an edge-registry and a staking read.
 */
async function routing(gas: GasRecorder): Promise<void> {
  const f = await routingFixture();
  await warmCommitmentRing(f.oracle);
  const consumer = await f.consumer.getAddress();
  const fee = await f.oracle.quote(4, CALLBACK_GAS);
  const send = (region: string) =>
    f.oracle
      .connect(f.requester)
      .requestInRegion(4, ethers.toUtf8Bytes("hello, axon!"), consumer, CALLBACK_GAS, "0x", region, { value: fee });
  // Warm the oracle's counters as a busy oracle has them (the first request writes fresh slots).
  await send(JP);
  const set = [...(await f.registry.nodesOf(4))];
  const lastOfWalk = set[Number((await f.oracle.nextRequestId()) + 3n) % set.length];
  await f.place(
    f.nodes.find((n) => n.address === lastOfWalk)!,
    US,
  );
  await gas.record("requestInRegion.matched.lastOf4", await send(US));
  for (const n of f.nodes.filter((n) => n.address !== lastOfWalk)) await f.place(n, DE);
  await gas.record("requestInRegion.matched.firstOf4", await send(DE));
  await gas.record("requestInRegion.fallback.4nodes", await send(JP));
  // The same request without a region, on the same warm oracle: the baseline the routing figures add to.
  await gas.record(
    "request.plain.4nodes",
    await f.oracle
      .connect(f.requester)
      .request(4, ethers.toUtf8Bytes("hello, axon!"), consumer, CALLBACK_GAS, "0x", { value: fee }),
  );
}
