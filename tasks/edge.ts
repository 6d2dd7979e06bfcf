import { readFileSync, writeFileSync } from "node:fs";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HEARTBEAT_TYPES, UptimeTree, edgeDomain } from "./edgeTree";
import {
  axonContract,
  fail,
  parseAddressParam,
  parseRegion,
  parseUintParam,
  printResult,
  sendTx,
  signerOf,
} from "./lib";

// DePIN edge nodes (issue 16): register a device, aggregate an epoch's heartbeats into one report, claim, inspect.

/** What `edge:heartbeat-report` writes: the epoch's tree and, per node, the heartbeats that back its count. */
interface ReportFile {
  epoch: number;
  root: string;
  total: number;
  entries: { node: string; uptime: number; heartbeats: { slot: number; signature: string }[] }[];
}

function readReport(file: string): ReportFile {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ReportFile;
  } catch (err) {
    return fail(`--report: cannot read ${file}: ${(err as Error).message}`);
  }
}

function treeOf(r: ReportFile): UptimeTree {
  return new UptimeTree(r.epoch, r.entries);
}

/** Fetches a node's heartbeats of `epoch` and keeps the valid ones: right signer, distinct slots within the epoch. */
async function collect(
  hre: HardhatRuntimeEnvironment,
  registry: Awaited<ReturnType<typeof axonContract>>,
  url: string,
  epoch: number,
) {
  const res = await fetch(`${url.replace(/\/$/, "")}/heartbeats/${epoch}`);
  if (!res.ok) fail(`--nodes: ${url} answered HTTP ${res.status}`);
  const body = (await res.json()) as { node: string; heartbeats: { slot: number; signature: string }[] };
  const node = hre.ethers.getAddress(body.node);
  const info = await registry.nodeOf(node);
  const cfg = await registry.config();
  const slots = Number(cfg.epochSeconds / cfg.slotSeconds);
  const domain = edgeDomain((await hre.ethers.provider.getNetwork()).chainId, await registry.getAddress());
  const seen = new Set<number>();
  const valid = body.heartbeats
    .filter((h) => {
      if (seen.has(h.slot) || h.slot < 0 || h.slot >= slots) return false;
      try {
        const signer = hre.ethers.verifyTypedData(domain, HEARTBEAT_TYPES, { node, epoch, slot: h.slot }, h.signature);
        if (signer !== info.signer) return false;
      } catch {
        return false;
      }
      seen.add(h.slot);
      return true;
    })
    .sort((a, b) => a.slot - b.slot);
  // Never credit more than the node's registration covered: that would be provably wrong on chain.
  const cap = Number(await registry.possibleUptime(node, epoch));
  return { node, uptime: Math.min(valid.length, cap), heartbeats: valid.slice(0, cap) };
}

task(
  "edge:register",
  "Register this operator's edge device (stake in the edge service first: operator:stake --service edge)",
)
  .addParam("region", "ISO-3166-1 alpha-2 region, e.g. DE")
  .addOptionalParam("hardware", "Hardware class: 1 CPU arm64, 2 CPU x64, 3 GPU, 4 NPU", "1")
  .addOptionalParam("models", "Comma-separated model ids served (decimal)", "")
  .addOptionalParam("uri", "Endpoint metadata URI", "")
  .addOptionalParam("signer", "Device key that signs heartbeats (default: the operator itself)")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const registry = await axonContract(hre, "EdgeNodeRegistry", args.from);
    const operator = await signerOf(registry);
    const signer = args.signer ? parseAddressParam(hre, "signer", args.signer) : operator;
    const models = (args.models as string)
      .split(",")
      .filter(Boolean)
      .map((m) => hre.ethers.toBeHex(parseUintParam("models", m.trim()), 32));
    const hardware = Number(parseUintParam("hardware", args.hardware));
    if (hardware > 255) fail(`--hardware must be below 256 (got ${hardware})`);
    const sent = await sendTx(registry.register(signer, parseRegion(args.region), hardware, models, args.uri));
    printResult(args.json, { node: operator, signer, region: args.region, models: models.length, ...sent });
  });

task("edge:heartbeat-report", "Collect an ended epoch's signed heartbeats from the nodes and post one uptime root")
  .addParam("epoch", "The ended epoch")
  .addParam("nodes", "Comma-separated heartbeat endpoints (http://host:port) of the nodes")
  .addOptionalParam("out", "Where to write the report (tree + heartbeats, to claim and to answer challenges)")
  .addOptionalParam("from", "Reporter (a staked edge operator; default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const epoch = Number(parseUintParam("epoch", args.epoch));
    const registry = await axonContract(hre, "EdgeNodeRegistry", args.from);
    const entries = [];
    for (const url of (args.nodes as string).split(",").filter(Boolean))
      entries.push(await collect(hre, registry, url, epoch));
    const counted = entries.filter((e) => e.uptime > 0);
    if (counted.length === 0) fail(`no node has a valid heartbeat in epoch ${epoch}: nothing to report`);
    const tree = new UptimeTree(epoch, counted);
    const sent = await sendTx(registry.postReport(epoch, tree.root, tree.total));
    const file: ReportFile = { epoch, root: tree.root, total: tree.total, entries: counted };
    const out = args.out ?? `edge-report-${epoch}.json`;
    writeFileSync(out, JSON.stringify(file, null, 2));
    printResult(args.json, { epoch, root: tree.root, total: tree.total, nodes: counted.length, out, ...sent });
  });

task(
  "edge:claim",
  "Claim a node's uptime reward of a finalized epoch (finalizing it first when due) and/or its served reward",
)
  .addOptionalParam("epoch", "The epoch to claim uptime for")
  .addOptionalParam("report", "The report file edge:heartbeat-report wrote")
  .addFlag("served", "Also claim the reward for oracle requests served")
  .addOptionalParam("from", "The node (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const registry = await axonContract(hre, "EdgeNodeRegistry", args.from);
    const node = await signerOf(registry);
    const result: Record<string, unknown> = { node };
    if (args.epoch !== undefined) {
      if (!args.report) fail("--report is needed with --epoch (the file edge:heartbeat-report wrote)");
      const epoch = Number(parseUintParam("epoch", args.epoch));
      const file = readReport(args.report);
      if (file.epoch !== epoch) fail(`--report is for epoch ${file.epoch}, not ${epoch}`);
      const { uptime, proof } = treeOf(file).proofOf(node);
      if ((await registry.reportOf(epoch)).status === 1n) await sendTx(registry.finalizeEpoch(epoch));
      result.uptime = { epoch, uptime, ...(await sendTx(registry.claimUptime(epoch, uptime, proof))) };
    }
    if (args.served) result.served = await sendTx(registry.claimServed());
    if (Object.keys(result).length === 1) fail("nothing to claim: pass --epoch with --report, and/or --served");
    printResult(args.json, result);
  });

task("edge:status", "The edge registry's epoch, pool and (optionally) one node's registration and rewards")
  .addOptionalParam("node", "A node address")
  .addOptionalParam("epoch", "An epoch whose report to show (default: the last ended one)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const registry = await axonContract(hre, "EdgeNodeRegistry");
    const current = await registry.currentEpoch();
    const epoch = args.epoch !== undefined ? parseUintParam("epoch", args.epoch) : current > 0n ? current - 1n : 0n;
    const pool = await registry.pool();
    const report = await registry.reportOf(epoch);
    const status = ["none", "posted", "finalized", "voided"][Number(report.status)];
    const result: Record<string, unknown> = {
      currentEpoch: current,
      pool: { fundedWei: pool.funded, allocatedWei: pool.allocated, paidWei: pool.paid },
      report: {
        epoch,
        status,
        reporter: report.reporter,
        totalUptime: report.totalUptime,
        budgetWei: report.budgetWei,
      },
    };
    if (args.node) {
      const node = parseAddressParam(hre, "node", args.node);
      const n = await registry.nodeOf(node);
      result.node = {
        address: node,
        active: n.active,
        signer: n.signer,
        region: n.region === "0x0000" ? null : Buffer.from(n.region.slice(2), "hex").toString("ascii"),
        hardwareClass: n.hardwareClass,
        models: await registry.modelsOf(node),
        metadataURI: await registry.metadataOf(node),
        possibleUptime: await registry.possibleUptime(node, epoch),
        claimed: await registry.claimed(epoch, node),
        servedOwed: await registry.servedOwed(node),
      };
    }
    printResult(args.json, result);
  });
