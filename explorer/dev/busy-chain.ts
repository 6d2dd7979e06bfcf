import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { type Interface, parseEther, toBeHex } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type AxonDeployment, deployAxon } from "../../deploy/axon";
import { type Explorer, startExplorer } from "../server/main";

export interface BusyChainOptions {
  /** How many oracle requests (default 10,000). */
  requests?: number;
  /** Requests sent before each fulfilment round (default all of them: one round). */
  round?: number;
  /** Requests mined per block (default 1: Hardhat's automine, a block per transaction). */
  perBlock?: number;
}

export interface BusyChain {
  d: AxonDeployment;
  /** The staked node that fulfils. */
  node: HardhatEthersSigner;
  /** The first block after the set-up (the requests start here). */
  firstBlock: number;
  /** RequestFulfilled events on the chain. */
  fulfilled: number;
}

const FULFIL_BATCH = 50;
const FULFIL_SHARE = 0.8;

/**
 * The Explorer benches' chain on the in-process Hardhat network: `requests` oracle requests from ten senders; after
 * each `round` of them, four in five of the round fulfilled in `fulfilBatch`es of 50 (before their deadline), every
 * tenth item an error result. With `perBlock` 1 every transaction is its own block (~3 ms a request: Hardhat's
 * mempool is slower than mining); above 1, that many requests are mined together and each batch in its own block.
 */
export async function busyChain(hre: HardhatRuntimeEnvironment, opts: BusyChainOptions = {}): Promise<BusyChain> {
  const requests = opts.requests ?? 10_000;
  const round = opts.round ?? requests;
  const perBlock = opts.perBlock ?? 1;
  const { ethers } = hre;
  const send = (method: string, params: unknown[]) => hre.network.provider.send(method, params);
  const d = await deployAxon(hre, { writeManifest: false });
  const signers = await ethers.getSigners();
  const [, node, creator] = signers;
  await d.staking.connect(node).stake(d.services.oracle, { value: parseEther("2") });
  const none = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
  await d.registry.connect(creator).registerModel(ethers.id("bench"), "ipfs://bench.json", parseEther("0.001"), none);
  await d.registry.connect(creator).addNode(1n, node.address);
  const oracle = await d.oracle.getAddress();
  // fulfilBatch is in the oracle's ABI (it reaches AIOracleLogic through the fallback) but not in its typings.
  const iface = d.oracle.interface as unknown as Interface;
  const fee = await d.oracle.quote(1n, 0);
  const senders = signers.slice(5, 15).map((s) => s.address);
  const firstBlock = (await ethers.provider.getBlockNumber()) + 1;
  const plain = (v: unknown): unknown => (Array.isArray(v) ? [...v].map(plain) : v);
  const manual = perBlock > 1;
  if (manual) await send("evm_setAutomine", [false]);
  try {
    for (let sent = 0; sent < requests;) {
      const roundStart = (await ethers.provider.getBlockNumber()) + 1;
      for (const end = Math.min(requests, sent + round); sent < end;) {
        for (const blockEnd = Math.min(end, sent + perBlock); sent < blockEnd; sent++) {
          const from = senders[sent % senders.length];
          const data = iface.encodeFunctionData("request", [1n, toBeHex(sent, 4), from, 0, "0x"]);
          await send("eth_sendTransaction", [{ from, to: oracle, data, value: toBeHex(fee), gas: toBeHex(300_000) }]);
        }
        if (manual) await send("evm_mine", []);
      }
      const created = await d.oracle.queryFilter(d.oracle.filters.RequestCreated(), roundStart);
      const toFulfil = created.slice(0, Math.floor(created.length * FULFIL_SHARE));
      for (let i = 0; i < toFulfil.length; i += FULFIL_BATCH) {
        const batch = toFulfil.slice(i, i + FULFIL_BATCH);
        const data = iface.encodeFunctionData("fulfilBatch", [
          batch.map((e) => e.args.requestId),
          batch.map((e) => plain(e.args.request)),
          batch.map(() => "0x2a"),
          batch.map((_, j) => (j % 10 === 9 ? 4 : 0)),
        ]);
        await send("eth_sendTransaction", [{ from: node.address, to: oracle, data, gas: toBeHex(10_000_000) }]);
        if (manual) await send("evm_mine", []);
      }
    }
  } finally {
    if (manual) await send("evm_setAutomine", [true]);
  }
  const created = await d.oracle.queryFilter(d.oracle.filters.RequestCreated(), firstBlock);
  if (created.length !== requests) throw new Error(`${created.length} requests created, ${requests} wanted`);
  const fulfilled = (await d.oracle.queryFilter(d.oracle.filters.RequestFulfilled(), firstBlock)).length;
  return { d, node, firstBlock, fulfilled };
}

export interface ScratchExplorer extends Explorer {
  /** Its SQLite file, in a temporary folder that `close` removes. */
  dbPath: string;
}

/**
 * The Explorer over the in-process chain with a fresh store in a temporary folder, not yet indexed (no background
 * loop: the caller runs `indexer.syncToHead()`); `close` also removes the folder.
 */
export async function scratchExplorer(
  hre: HardhatRuntimeEnvironment,
  deployment: AxonDeployment,
  name = "explorer",
): Promise<ScratchExplorer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `axon-${name}-`));
  const dbPath = path.join(dir, "explorer.sqlite");
  try {
    const explorer = await startExplorer({
      provider: hre.ethers.provider,
      manifest: deployment.manifest,
      port: 0,
      dbPath,
      autoIndex: false,
    });
    return {
      ...explorer,
      dbPath,
      async close() {
        await explorer.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Rows in one of the Explorer store's tables. */
export function countRows(explorer: Explorer, table: "events" | "requests"): number {
  return (explorer.db!.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}
