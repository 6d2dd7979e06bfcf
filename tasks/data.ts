import { task } from "hardhat/config";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { getBytes, isHexString } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { heldOutDigits } from "../scripts/demo/context";
import { ensureFhevm } from "./fhe";
import {
  axonAddress,
  axonContract,
  describeError,
  eventOf,
  fail,
  parseAddressParam,
  parseBytes32Param,
  parseEthParam,
  parseIdParam,
  parseRangeParam,
  printResult,
  sendTx,
  signerOf,
} from "./lib";
import {
  provenanceReport,
  synthesizeDataset,
  type Generation,
  type ProvenanceContract,
  type SynthesizedDataset,
} from "./provenance";

/** Dataset statuses as DataMarket numbers them. */
export const DATASET_STATUS = ["none", "listed", "delisted"] as const;

/** A 256-bit dataset key: the given one (0x-hex) or a fresh random one. */
function datasetKey(hre: HardhatRuntimeEnvironment, key: string | undefined): bigint {
  if (key === undefined) return BigInt(hre.ethers.hexlify(randomBytes(32)));
  if (!hre.ethers.isHexString(key) || hre.ethers.dataLength(key) > 32)
    fail(`--key must be 0x-hex of at most 32 bytes (got "${key}")`);
  return BigInt(key);
}

async function encryptKey(hre: HardhatRuntimeEnvironment, contract: string, user: string, key: bigint) {
  await ensureFhevm(hre);
  return hre.fhevm.createEncryptedInput(contract, user).add256(key).encrypt();
}

async function dataset(hre: HardhatRuntimeEnvironment, market: Awaited<ReturnType<typeof axonContract>>, id: bigint) {
  const d = await market.getDataset(id);
  if (Number(d.status) === 0) fail(`--dataset ${id} is not listed on "${hre.network.name}"`);
  return d;
}

task("data:list", "List a dataset: content hash, license, price, royalty splits; its key is FHE-encrypted on-chain")
  .addParam("content", "Content hash of the dataset (0x..32 bytes)")
  .addParam("uri", "Metadata URI")
  .addParam("price", "Price in ETH")
  .addOptionalParam("license", "License URI", "https://creativecommons.org/licenses/by/4.0/")
  .addOptionalParam("key", "Dataset decryption key (0x-hex, 32 bytes; default: a random key, printed)")
  .addOptionalParam("contributors", "Comma-separated contributor addresses")
  .addOptionalParam("bps", "Comma-separated royalty basis points, one per contributor")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const contentHash = parseBytes32Param(hre, "content", args.content);
    const price = parseEthParam(hre, "price", args.price);
    if (price === 0n) fail("--price must be above 0");
    const contributors = args.contributors
      ? String(args.contributors)
          .split(",")
          .map((a) => parseAddressParam(hre, "contributors", a.trim()))
      : [];
    const bps = args.bps
      ? String(args.bps)
          .split(",")
          .map((b) => parseRangeParam("bps", b.trim(), 1, 10_000))
      : [];
    if (bps.length !== contributors.length)
      fail(`--bps lists ${bps.length} value(s) for ${contributors.length} contributor(s)`);
    const key = datasetKey(hre, args.key);
    const market = await axonContract(hre, "DataMarket", args.from);
    const seller = await signerOf(market);
    const enc = await encryptKey(hre, await market.getAddress(), seller, key);
    const params = {
      contentHash,
      metadataURI: args.uri,
      licenseHash: hre.ethers.id(args.license),
      licenseURI: args.license,
      priceAmount: price,
      paymentAsset: hre.ethers.ZeroAddress,
      contributors,
      contributorBps: bps,
      provenance: { generatorModelId: 0n, oracleRequestId: 0n },
    };
    const sent = await sendTx(market.list(params, enc.handles[0], enc.inputProof));
    const ev = await eventOf(hre, market, sent.tx, "DatasetListed");
    printResult(args.json, {
      datasetId: ev.datasetId,
      seller,
      priceWei: price,
      key: hre.ethers.toBeHex(key, 32),
      ...sent,
    });
  });

task("data:buy", "Buy a dataset license (ETH); the key is granted to you through the fhevm ACL")
  .addParam("dataset", "Dataset id")
  .addOptionalParam("maxPrice", "Refuse if the price is above this many ETH (default: the current price)")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("dataset", args.dataset);
    const market = await axonContract(hre, "DataMarket", args.from);
    const d = await dataset(hre, market, id);
    if (Number(d.status) !== 1) fail(`dataset ${id} is ${DATASET_STATUS[Number(d.status)]}: no new sales`);
    if (d.paymentAsset !== hre.ethers.ZeroAddress) fail(`dataset ${id} is priced in ${d.paymentAsset}, not ETH`);
    const max = args.maxPrice !== undefined ? parseEthParam(hre, "max-price", args.maxPrice) : d.priceAmount;
    if (d.priceAmount > max) fail(`the price ${hre.ethers.formatEther(d.priceAmount)} ETH exceeds --max-price`);
    const sent = await sendTx(market.purchase(id, max, { value: d.priceAmount }));
    const buyer = await signerOf(market);
    printResult(args.json, {
      datasetId: id,
      buyer,
      paidWei: d.priceAmount,
      hasAccess: await market.hasAccess(id, buyer),
      ...sent,
    });
  });

task("data:decrypt-key", "Decrypt a bought dataset's key as the buyer (fhevm user decryption)")
  .addParam("dataset", "Dataset id")
  .addOptionalParam("from", "Buyer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("dataset", args.dataset);
    const market = await axonContract(hre, "DataMarket", args.from);
    const d = await dataset(hre, market, id);
    const buyer = await signerOf(market);
    if (!(await market.hasAccess(id, buyer)))
      fail(
        `${buyer} has no access to dataset ${id}'s current key: buy it (data:buy), or after a key rotation re-obtain ` +
          `it (data:reclaim)`,
      );
    await ensureFhevm(hre);
    const signer = await hre.ethers.getSigner(buyer);
    const key = await hre.fhevm.userDecryptEuint(FhevmType.euint256, d.key, axonAddress(hre, "DataMarket"), signer);
    printResult(args.json, { datasetId: id, buyer, keyVersion: d.keyVersion, key: hre.ethers.toBeHex(key, 32) });
  });

task("data:rotate-key", "Replace a dataset's key (seller); licensed buyers re-obtain it with reclaimAccess")
  .addParam("dataset", "Dataset id")
  .addOptionalParam("key", "New key (0x-hex, 32 bytes; default: a random key, printed)")
  .addOptionalParam("from", "Seller address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("dataset", args.dataset);
    const market = await axonContract(hre, "DataMarket", args.from);
    const d = await dataset(hre, market, id);
    const seller = await signerOf(market);
    if (d.seller !== seller) fail(`only the seller ${d.seller} can rotate dataset ${id}'s key (you are ${seller})`);
    const key = datasetKey(hre, args.key);
    const enc = await encryptKey(hre, await market.getAddress(), seller, key);
    const sent = await sendTx(market.rotateKey(id, enc.handles[0], enc.inputProof));
    const after = await market.getDataset(id);
    printResult(args.json, { datasetId: id, keyVersion: after.keyVersion, key: hre.ethers.toBeHex(key, 32), ...sent });
  });

task("data:reclaim", "Re-obtain access to a dataset's current key after a rotation or grant delay (licensed buyer)")
  .addParam("dataset", "Dataset id")
  .addOptionalParam("from", "Buyer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("dataset", args.dataset);
    const market = await axonContract(hre, "DataMarket", args.from);
    const d = await dataset(hre, market, id);
    const buyer = await signerOf(market);
    const license = await market.licenseOf(id, buyer);
    if (license.purchasedAt === 0n) fail(`${buyer} holds no license for dataset ${id}: buy it first (data:buy)`);
    if (license.grantedKeyVersion === d.keyVersion)
      fail(`${buyer} already has access to dataset ${id}'s current key (version ${d.keyVersion})`);
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    if (license.grantableAt > now) fail(`dataset ${id}'s key can be granted to ${buyer} from ${license.grantableAt}`);
    const sent = await sendTx(market.reclaimAccess(id));
    printResult(args.json, {
      datasetId: id,
      buyer,
      keyVersion: d.keyVersion,
      hasAccess: await market.hasAccess(id, buyer),
      ...sent,
    });
  });

task("data:withdraw", "Withdraw your sales and royalty credits from the data market")
  .addOptionalParam("asset", "Payment asset address (default: ETH)")
  .addOptionalParam("from", "Seller or contributor address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const asset = args.asset === undefined ? hre.ethers.ZeroAddress : parseAddressParam(hre, "asset", args.asset);
    const market = await axonContract(hre, "DataMarket", args.from);
    const account = await signerOf(market);
    const creditWei = await market.creditOf(account, asset);
    if (creditWei === 0n)
      fail(`${account} has no data-market credit in ${asset === hre.ethers.ZeroAddress ? "ETH" : asset}`);
    const sent = await sendTx(market.withdraw(asset));
    printResult(args.json, { account, asset, withdrawn: creditWei, ...sent });
  });

// --- Synthetic datasets with on-chain provenance (issue 17) ---

/** Reads `--inputs`: a JSON array of 0x-hex inputs, or (default) `count` held-out MNIST digits for the bundled model. */
function synthesisInputs(file: string | undefined, count: number): Uint8Array[] {
  if (file === undefined) return heldOutDigits(count, 500).map((d) => d.pixels);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    fail(`--inputs ${file} is not a readable JSON file: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === "string" && isHexString(x)))
    fail(`--inputs ${file} must hold a non-empty JSON array of 0x-hex strings`);
  return (parsed as string[]).slice(0, count).map((x) => getBytes(x));
}

task("data:synthesize", "Generate a synthetic dataset with a registered model through the oracle and list it")
  .addParam("model", "Model id (registered, served by a running node: npm run runner)")
  .addParam("price", "Price in ETH")
  .addOptionalParam("count", "Number of generations", "8")
  .addOptionalParam("inputs", "JSON file with an array of 0x-hex model inputs (default: held-out MNIST digits)")
  .addOptionalParam("royalty", "Model royalty in basis points (at least 500)", "1000")
  .addOptionalParam("gas", "Callback gas per generation (records the result)", "150000")
  .addOptionalParam("uri", "Metadata URI", "ipfs://axon/synthetic-dataset.json")
  .addOptionalParam("license", "License URI", "https://creativecommons.org/licenses/by/4.0/")
  .addOptionalParam("timeout", "Seconds to wait for the runner", "300")
  .addOptionalParam("out", "Write the dataset (generations, outputs, root) to this JSON file")
  .addOptionalParam("from", "Seller address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    const price = parseEthParam(hre, "price", args.price);
    if (price === 0n) fail("--price must be above 0");
    const count = parseRangeParam("count", args.count, 1, 1024);
    const royalty = parseRangeParam("royalty", args.royalty, 500, 8_000);
    const gas = parseRangeParam("gas", args.gas, 50_000, 2_000_000);
    const timeout = parseRangeParam("timeout", args.timeout, 1, 86_400);
    const provenance = (await axonContract(hre, "SyntheticProvenance", args.from)) as unknown as ProvenanceContract;
    const seller = await signerOf(provenance);
    const inputs = synthesisInputs(args.inputs, count);
    const key = datasetKey(hre, undefined);
    let result: SynthesizedDataset;
    try {
      result = await synthesizeDataset(provenance, await hre.ethers.getSigner(seller), {
        modelId,
        inputs,
        callbackGasLimit: gas,
        listing: { metadataURI: args.uri, licenseURI: args.license, priceWei: price, modelRoyaltyBps: royalty },
        encryptKey: () => encryptKey(hre, axonAddress(hre, "SyntheticProvenance"), seller, key),
        timeoutMs: timeout * 1000,
        onProgress: args.json ? undefined : (done, total) => process.stderr.write(`\r${done}/${total} answered`),
      });
    } catch (err) {
      fail(describeError(err));
    }
    if (!args.json) process.stderr.write("\n");
    if (args.out)
      writeFileSync(
        args.out,
        JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? `${v}` : v), 2),
      );
    printResult(args.json, {
      datasetId: result.datasetId,
      runId: result.runId,
      modelId,
      root: result.root,
      leaves: result.generations.length,
      errored: result.errored.length,
      forwarder: await provenance.royaltyForwarderOf(modelId),
      key: hre.ethers.toBeHex(key, 32),
      ...(args.out ? { out: args.out } : {}),
    });
  });

task("data:verify-provenance", "Check a synthetic dataset's provenance on chain and print a per-leaf report")
  .addParam("dataset", "Dataset id")
  .addOptionalParam("file", "The dataset file written by data:synthesize --out (default: rebuilt from chain events)")
  .addOptionalParam("sample", "Spot-check this many random leaves instead of all")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("dataset", args.dataset);
    const provenance = (await axonContract(hre, "SyntheticProvenance")) as unknown as ProvenanceContract;
    let generations: Generation[] | undefined;
    if (args.file) {
      const parsed = JSON.parse(readFileSync(args.file, "utf8")) as { generations?: Generation[] };
      if (!Array.isArray(parsed.generations)) fail(`--file ${args.file} holds no "generations" array`);
      generations = parsed.generations.map((g) => ({ ...g, requestId: BigInt(g.requestId) }));
    }
    const p = await provenance.provenanceOf(id);
    if (p.leafCount === 0n) fail(`dataset ${id} was not listed through SyntheticProvenance`);
    let sample: number[] | undefined;
    if (args.sample !== undefined) {
      const k = parseRangeParam("sample", args.sample, 1, Number(p.leafCount));
      const all = Array.from({ length: Number(p.leafCount) }, (_, i) => i);
      for (let i = all.length - 1; i > 0; i--) {
        const j = randomBytes(4).readUInt32BE() % (i + 1);
        [all[i], all[j]] = [all[j], all[i]];
      }
      sample = all.slice(0, k).sort((a, b) => a - b);
    }
    const report = await provenanceReport(provenance, id, { generations, sample });
    const registry = await axonContract(hre, "ModelRegistry");
    const listed = await provenance.queryFilter(provenance.filters.SyntheticDatasetListed(id));
    const weightsAtListing = listed[0]?.args.weightsHash;
    const weightsNow = await registry.weightsHashOf(report.modelId);
    const { ok } = report;
    if (args.json) {
      printResult(true, { ...report, weightsAtListing, weightsNow, ok } as unknown as Record<string, unknown>);
    } else {
      console.log(`dataset ${id}: model ${report.modelId}, run ${report.runId}, ${report.leafCount} leaves`);
      console.log(
        `weights hash at listing ${weightsAtListing}${weightsNow === weightsAtListing ? "" : ` (now ${weightsNow})`}`,
      );
      console.log(
        `root ${report.root} ${report.rootMatches ? "matches" : `DOES NOT match the rebuilt ${report.rebuiltRoot}`}`,
      );
      console.log("leaf  request  record     verified");
      for (const l of report.leaves)
        console.log(
          `${String(l.index).padStart(4)}  ${String(l.requestId).padStart(7)}  ${l.record.padEnd(9)}  ${l.verified ? "yes" : "NO"}`,
        );
      console.log(`${report.verified}/${report.leaves.length} checked leaves verified: ${ok ? "OK" : "FAILED"}`);
    }
    if (!ok) process.exitCode = 1;
  });
