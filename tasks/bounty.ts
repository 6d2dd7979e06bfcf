import { task } from "hardhat/config";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ensureFhevm } from "./fhe";
import {
  axonAddress,
  axonContract,
  eventOf,
  fail,
  parseBytes32Param,
  parseEthParam,
  parseIdParam,
  parseRangeParam,
  printResult,
  sendTx,
  signerOf,
} from "./lib";
import { GoldTree, ItemTree, labelCommitment, type GoldEntry } from "./merkle";

/**
 * Reads an items file: a JSON array whose entries are 32-byte content hashes, or strings hashed with keccak256
 * (e.g. file names or URIs of the items to label). Commit needs the same file to build Merkle proofs.
 */
export function readItems(hre: HardhatRuntimeEnvironment, file: string): ItemTree {
  if (!existsSync(file)) fail(`--items ${file} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return fail(`--items ${file} is not JSON (expected an array of hashes or strings)`);
  }
  if (!Array.isArray(raw) || raw.length === 0) fail(`--items ${file} must be a non-empty JSON array`);
  return new ItemTree(
    raw.map((v, i) => {
      if (typeof v !== "string") fail(`--items ${file}: entry ${i} is not a string`);
      return hre.ethers.isHexString(v, 32) ? v : hre.ethers.id(v);
    }),
  );
}

/**
 * Reads a reference-items file: a JSON array of { item, label, salt? }. Entries without a salt get a random one;
 * `bounty:create --gold` writes the salted entries back to the file, since `bounty:finalize --gold` needs them.
 */
export function readGold(hre: HardhatRuntimeEnvironment, file: string, itemCount: number, options: number): GoldTree {
  if (!existsSync(file)) fail(`--gold ${file} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return fail(`--gold ${file} is not JSON (expected an array of { item, label, salt? })`);
  }
  if (!Array.isArray(raw) || raw.length === 0) fail(`--gold ${file} must be a non-empty JSON array`);
  const seen = new Set<number>();
  const entries: GoldEntry[] = raw.map((e: { item?: unknown; label?: unknown; salt?: unknown }, i) => {
    const item = Number(e?.item);
    const label = Number(e?.label);
    if (!Number.isInteger(item) || item < 0 || item >= itemCount || seen.has(item))
      fail(`--gold ${file}: entry ${i} has no valid, unique item index below ${itemCount}`);
    if (!Number.isInteger(label) || label < 0 || label >= options)
      fail(`--gold ${file}: entry ${i} has no label below ${options}`);
    if (e.salt !== undefined && !hre.ethers.isHexString(e.salt, 32))
      fail(`--gold ${file}: entry ${i}'s salt is not 32 bytes`);
    seen.add(item);
    return { item, label, salt: (e.salt as string | undefined) ?? hre.ethers.hexlify(randomBytes(32)) };
  });
  return new GoldTree(entries);
}

interface RevealedArgs {
  itemIndex: bigint;
  labeller: string;
  slot: bigint;
  label: bigint;
}

async function taskOf(hre: HardhatRuntimeEnvironment, bounties: Awaited<ReturnType<typeof axonContract>>, id: bigint) {
  const t = await bounties.getTask(id);
  if (t.requester === hre.ethers.ZeroAddress) fail(`--task ${id} does not exist on "${hre.network.name}"`);
  return t;
}

task("bounty:create", "Create and fund a labelling task over a set of items (commit-reveal, majority agreement)")
  .addParam("items", "JSON file: array of item content hashes (or strings, hashed)")
  .addParam("reward", "Reward in ETH per accepted label")
  .addOptionalParam("bond", "Bond in ETH each commit posts, at least the reward (default: the reward)")
  .addOptionalParam("gold", "JSON file of reference items [{ item, label }]; salts are added and written back")
  .addOptionalParam("labelsPerItem", "Labels collected per item", "3")
  .addOptionalParam("options", "Number of label options (e.g. 10 for digits)", "10")
  .addOptionalParam("thresholdBps", "Majority share needed to accept an item's label (basis points)", "5001")
  .addOptionalParam("commitHours", "Commit window in hours", "24")
  .addOptionalParam("revealHours", "Reveal window in hours after the commit deadline", "24")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const tree = readItems(hre, args.items);
    const reward = parseEthParam(hre, "reward", args.reward);
    if (reward === 0n) fail("--reward must be above 0");
    const labelsPerItem = parseRangeParam("labels-per-item", args.labelsPerItem, 1, 65_535);
    const bond = args.bond !== undefined ? parseEthParam(hre, "bond", args.bond) : reward;
    if (bond < reward) fail(`--bond must be at least the reward (${args.reward} ETH)`);
    const optionCount = parseRangeParam("options", args.options, 2, 255);
    const gold = args.gold ? readGold(hre, args.gold, tree.itemHashes.length, optionCount) : undefined;
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    const commitDeadline = now + parseRangeParam("commit-hours", args.commitHours, 1, 24 * 365) * 3600;
    const params = {
      merkleRoot: tree.root,
      itemCount: tree.itemHashes.length,
      labelsPerItem,
      optionCount,
      thresholdBps: parseRangeParam("threshold-bps", args.thresholdBps, 1, 10_000),
      commitDeadline,
      revealDeadline: commitDeadline + parseRangeParam("reveal-hours", args.revealHours, 1, 24 * 365) * 3600,
      rewardWei: reward,
      bondWei: bond,
      goldRoot: gold?.root ?? hre.ethers.ZeroHash,
    };
    const funding = BigInt(params.itemCount) * BigInt(labelsPerItem) * reward;
    const bounties = await axonContract(hre, "LabelingBounties", args.from);
    const sent = await sendTx(bounties.createTask(params, { value: funding }));
    const ev = await eventOf(hre, bounties, sent.tx, "TaskCreated");
    // Keep the salts: they open the reference items at finalisation and must stay secret until then.
    if (gold) writeFileSync(args.gold, JSON.stringify(gold.entries, null, 2));
    printResult(args.json, {
      taskId: ev.taskId,
      merkleRoot: tree.root,
      goldRoot: params.goldRoot,
      bondWei: bond,
      items: params.itemCount,
      fundedWei: funding,
      commitDeadline: params.commitDeadline,
      revealDeadline: params.revealDeadline,
      ...sent,
    });
  });

task("bounty:commit", "Commit a hidden label for an item, posting the task's bond (keep the printed salt to reveal)")
  .addParam("task", "Task id")
  .addParam("items", "The task's items file (for the Merkle proof)")
  .addParam("item", "Item index")
  .addParam("label", "Your label (0 .. options-1)")
  .addOptionalParam("slot", "Slot to take (default: the first empty one)")
  .addOptionalParam("salt", "Salt (0x..32 bytes; default: random, printed)")
  .addOptionalParam("from", "Labeller address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const taskId = parseIdParam("task", args.task);
    const tree = readItems(hre, args.items);
    const bounties = await axonContract(hre, "LabelingBounties", args.from);
    const t = await taskOf(hre, bounties, taskId);
    if (tree.root !== t.merkleRoot) fail(`--items ${args.items} does not match task ${taskId}'s Merkle root`);
    const item = parseRangeParam("item", args.item, 0, Number(t.itemCount) - 1);
    const label = parseRangeParam("label", args.label, 0, Number(t.optionCount) - 1);
    let slot = args.slot !== undefined ? parseRangeParam("slot", args.slot, 0, Number(t.labelsPerItem) - 1) : -1;
    for (let s = 0; slot < 0 && s < Number(t.labelsPerItem); s++)
      if (Number(await bounties.slotState(taskId, item, s)) === 0) slot = s;
    if (slot < 0) fail(`item ${item} of task ${taskId} has no empty slot left`);
    if (await bounties.holdsSlot(taskId, item, await signerOf(bounties)))
      fail(`you already hold a slot of item ${item} of task ${taskId} (one slot per labeller per item)`);
    const salt = args.salt ? parseBytes32Param(hre, "salt", args.salt) : hre.ethers.hexlify(randomBytes(32));
    const labeller = await signerOf(bounties);
    const commitment = labelCommitment(taskId, item, labeller, label, salt);
    const sent = await sendTx(
      bounties.commit(taskId, item, slot, tree.itemHashes[item], tree.proof(item), commitment, { value: t.bondWei }),
    );
    printResult(args.json, { taskId, item, slot, labeller, label, salt, bondWei: t.bondWei, ...sent });
  });

task("bounty:reveal", "Reveal your committed label after the commit deadline")
  .addParam("task", "Task id")
  .addParam("item", "Item index")
  .addParam("slot", "Your slot")
  .addParam("label", "The committed label")
  .addParam("salt", "The commit's salt")
  .addOptionalParam("from", "Labeller address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const taskId = parseIdParam("task", args.task);
    const bounties = await axonContract(hre, "LabelingBounties", args.from);
    const t = await taskOf(hre, bounties, taskId);
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    if (BigInt(now) <= t.commitDeadline)
      fail(`reveals open after the commit deadline ${t.commitDeadline} (now ${now})`);
    const item = parseRangeParam("item", args.item, 0, Number(t.itemCount) - 1);
    const slot = parseRangeParam("slot", args.slot, 0, Number(t.labelsPerItem) - 1);
    const label = parseRangeParam("label", args.label, 0, Number(t.optionCount) - 1);
    const salt = parseBytes32Param(hre, "salt", args.salt);
    const sent = await sendTx(bounties.reveal(taskId, item, slot, label, salt));
    printResult(args.json, { taskId, item, slot, label, ...sent });
  });

task("bounty:finalize", "Finalize a task's items after the reveal deadline and settle every revealed label (anyone)")
  .addParam("task", "Task id")
  .addOptionalParam("gold", "The requester's reference-items file written by bounty:create --gold")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const taskId = parseIdParam("task", args.task);
    const bounties = await axonContract(hre, "LabelingBounties", args.from);
    const t = await taskOf(hre, bounties, taskId);
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    if (BigInt(now) <= t.revealDeadline)
      fail(`items finalize after the reveal deadline ${t.revealDeadline} (now ${now})`);
    const gold = args.gold ? readGold(hre, args.gold, Number(t.itemCount), Number(t.optionCount)) : undefined;
    if (gold && gold.root !== t.goldRoot) fail(`--gold ${args.gold} does not match task ${taskId}'s gold root`);
    let finalized = 0;
    for (let item = 0; item < Number(t.itemCount); item++) {
      const [status] = await bounties.itemState(taskId, item);
      if (Number(status) !== 0) continue;
      const g = gold ? gold.entries.findIndex((e) => e.item === item) : -1;
      if (gold && g >= 0) {
        const e = gold.entries[g];
        await sendTx(bounties.finalizeGoldItem(taskId, item, e.label, e.salt, gold.proof(g)));
      } else {
        await sendTx(bounties.finalizeItem(taskId, item));
      }
      finalized++;
    }
    let settled = 0;
    const reveals = await bounties.queryFilter(bounties.filters.LabelRevealed(taskId), 0);
    for (const log of reveals) {
      const { itemIndex, labeller, slot, label } = (log as unknown as { args: RevealedArgs }).args;
      if (Number(await bounties.slotState(taskId, itemIndex, slot)) !== 2) continue;
      // The salt is public once revealed: read it back from the reveal transaction's calldata.
      const tx = await hre.ethers.provider.getTransaction(log.transactionHash);
      const call = tx ? bounties.interface.parseTransaction({ data: tx.data }) : null;
      if (call?.name !== "reveal") continue;
      await sendTx(bounties.claim(taskId, itemIndex, slot, labeller, label, call.args.salt));
      settled++;
    }
    const after = await bounties.getTask(taskId);
    printResult(args.json, {
      taskId,
      finalizedNow: finalized,
      settledNow: settled,
      finalizedItems: after.finalizedItems,
      acceptedLabels: after.acceptedLabels,
      forfeitedBondsWei: await bounties.forfeitedBonds(),
      finished: await bounties.isTaskFinished(taskId),
    });
  });

task("bounty:export", "List a finished task's labelled set on the DataMarket, labellers sharing a royalty")
  .addParam("task", "Task id (you must be its requester)")
  .addParam("content", "Content hash of the labelled dataset (0x..32 bytes)")
  .addParam("uri", "Metadata URI")
  .addParam("price", "Price in ETH")
  .addOptionalParam("royaltyBps", "Labellers' royalty (basis points)", "2000")
  .addOptionalParam("license", "License URI", "https://creativecommons.org/licenses/by/4.0/")
  .addOptionalParam("key", "Dataset key (0x-hex; default: random, printed)")
  .addOptionalParam("from", "Requester address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const taskId = parseIdParam("task", args.task);
    const bounties = await axonContract(hre, "LabelingBounties", args.from);
    const t = await taskOf(hre, bounties, taskId);
    const requester = await signerOf(bounties);
    if (t.requester !== requester) fail(`only task ${taskId}'s requester ${t.requester} can export it`);
    if (!(await bounties.isTaskFinished(taskId))) fail(`task ${taskId} is not finished: run bounty:finalize first`);
    if (t.exported) fail(`task ${taskId} was already exported`);
    const price = parseEthParam(hre, "price", args.price);
    if (args.key !== undefined && (!hre.ethers.isHexString(args.key) || hre.ethers.dataLength(args.key) > 32))
      fail(`--key must be 0x-hex of at most 32 bytes (got "${args.key}")`);
    const key = BigInt(args.key ?? hre.ethers.hexlify(randomBytes(32)));
    const exporter = await axonContract(hre, "LabelingBountiesExporter", args.from);
    const exporterAddress = axonAddress(hre, "LabelingBountiesExporter");
    await ensureFhevm(hre);
    const enc = await hre.fhevm.createEncryptedInput(exporterAddress, requester).add256(key).encrypt();
    const params = {
      contentHash: parseBytes32Param(hre, "content", args.content),
      metadataURI: args.uri,
      licenseHash: hre.ethers.id(args.license),
      licenseURI: args.license,
      priceAmount: price,
      paymentAsset: hre.ethers.ZeroAddress,
      contributors: [await exporter.royaltySinkOf(taskId)],
      contributorBps: [parseRangeParam("royalty-bps", args.royaltyBps, 1, 10_000)],
      provenance: { generatorModelId: 0n, oracleRequestId: 0n },
    };
    const sent = await sendTx(exporter.exportToMarket(taskId, params, enc.handles[0], enc.inputProof));
    const ev = await eventOf(hre, exporter, sent.tx, "TaskExported");
    printResult(args.json, {
      taskId,
      datasetId: ev.datasetId,
      royaltySink: params.contributors[0],
      key: hre.ethers.toBeHex(key, 32),
      ...sent,
    });
  });
