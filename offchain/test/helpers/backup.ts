import { type Contract, type EventLog, Result, Wallet } from "ethers";
import type { Metrics } from "../../src/metrics";
import { unpackRequestTerms } from "../../src/requestTerms";
import { type Deployed, ORACLE_SERVICE } from "./deploy";
import { rpc } from "./nodes";

export interface Created {
  request: unknown[];
  nodes: string[];
  exclusiveUntil: number;
  nodeFeeWei: bigint;
  gasFeeWei: bigint;
  bondWei: bigint;
}

/** A decoded tuple as plain nested arrays (ethers' Result proxies are read-only and cannot be re-encoded). */
const plain = (v: unknown): unknown => (v instanceof Result ? [...v].map(plain) : v);

/** The `RequestCreated` payload of each request id (the tuple is passed back verbatim to challenge it). */
export async function createdOf(d: Deployed): Promise<Map<bigint, Created>> {
  const logs = await d.oracle.queryFilter(d.oracle.filters.RequestCreated(), d.startBlock, "latest");
  const out = new Map<bigint, Created>();
  for (const l of logs as EventLog[]) {
    const req = l.args.request as Result;
    const terms = unpackRequestTerms(req as unknown as { receiverFee: bigint; fees: bigint; timing: bigint });
    out.set(l.args.requestId as bigint, {
      request: plain(req) as unknown[],
      nodes: [...(req.nodes as string[])],
      exclusiveUntil: terms.exclusiveUntil,
      nodeFeeWei: terms.nodeFeeWei,
      gasFeeWei: terms.gasFeeWei,
      bondWei: terms.bondWei,
    });
  }
  return out;
}

/** Stakes `key` for the oracle service and adds it to the deployment's model as a second serving node. */
export async function addServingNode(d: Deployed, key: string): Promise<string> {
  const w = new Wallet(key, d.provider);
  await (await (d.staking.connect(w) as Contract).stake(ORACLE_SERVICE, { value: 2n * 10n ** 18n })).wait();
  await (await d.registry.addNode(d.modelId, w.address)).wait();
  return w.address;
}

/** Moves chain time forward so that the next block's timestamp is at least `ts`, and mines it. */
export async function advanceChainTo(d: Deployed, url: string, ts: number): Promise<void> {
  const latest = await d.provider.getBlock("latest");
  const delta = ts - latest!.timestamp;
  if (delta > 0) await rpc(url, "evm_increaseTime", [delta]);
  await rpc(url, "evm_mine");
}

/** Final `RequestFulfilled` events (delivered results) per request id. */
export async function finalEvents(d: Deployed, ids: bigint[]): Promise<number[]> {
  const logs = await d.oracle.queryFilter(d.oracle.filters.RequestFulfilled(), d.startBlock, "latest");
  const per = new Map<bigint, number>();
  for (const l of logs as EventLog[])
    if (l.args.isFinal as boolean) per.set(l.args.requestId as bigint, (per.get(l.args.requestId as bigint) ?? 0) + 1);
  return ids.map((id) => per.get(id) ?? 0);
}

/** Value of one label of a labelled counter of the runner. */
export async function counter(metrics: Metrics, name: "takeovers" | "optimistic", label: string): Promise<number> {
  const m = await metrics[name].get();
  return m.values.find((v) => Object.values(v.labels).includes(label))?.value ?? 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
