import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  axonContract,
  eventOf,
  fail,
  parseAddressParam,
  parseBytes32Param,
  parseChoiceParam,
  parseEthParam,
  parseIdParam,
  parseRangeParam,
  printResult,
  sendTx,
  signerOf,
} from "./lib";

/** Job statuses as ComputeEscrow numbers them. */
export const JOB_STATUS = ["none", "open", "claimed", "running", "submitted", "disputed", "paid", "refunded"] as const;
const UNITS = ["wei", "usd"] as const;

/** A GPU model code as ComputeEscrow stores it: ASCII, right-padded to 8 bytes. */
export function gpuCode(hre: HardhatRuntimeEnvironment, name: string): string {
  const bytes = hre.ethers.toUtf8Bytes(name);
  if (bytes.length === 0 || bytes.length > 8) fail(`--gpu must be 1 to 8 ASCII characters (got "${name}")`);
  return hre.ethers.zeroPadBytes(bytes, 8);
}

async function jobOf(hre: HardhatRuntimeEnvironment, escrow: Awaited<ReturnType<typeof axonContract>>, id: bigint) {
  const job = await escrow.jobOf(id);
  if (Number(job.status) === 0) fail(`--job ${id} does not exist on "${hre.network.name}"`);
  return job;
}

function jobSummary(id: bigint, job: { status: bigint; requester: string; provider: string; amount: bigint }) {
  return {
    jobId: id,
    status: JOB_STATUS[Number(job.status)],
    requester: job.requester,
    provider: job.provider,
    amountWei: job.amount,
  };
}

task("compute:offer", "Publish your GPU offer as a staked compute provider")
  .addParam("gpu", "GPU model code, e.g. H100SXM")
  .addParam("gpus", "GPU count")
  .addParam("memory", "Memory per GPU in GiB")
  .addParam("price", "Price per GPU-hour: ETH (--unit wei) or USD cents (--unit usd)")
  .addOptionalParam("unit", "wei | usd", "wei")
  .addOptionalParam("from", "Provider address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const unit = parseChoiceParam("unit", args.unit, UNITS);
    const price =
      unit === 0 ? parseEthParam(hre, "price", args.price) : BigInt(parseRangeParam("price", args.price, 1, 2 ** 48));
    const offer = {
      gpuModel: gpuCode(hre, args.gpu),
      gpuCount: parseRangeParam("gpus", args.gpus, 1, 65_535),
      memoryGiB: parseRangeParam("memory", args.memory, 1, 65_535),
      unit,
      pricePerGpuHour: price,
    };
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const provider = await signerOf(escrow);
    const staking = await axonContract(hre, "OperatorStaking");
    if (!(await staking.isActiveOperator(provider, hre.ethers.id("axon.service.compute"))))
      fail(`${provider} is not an active compute operator: stake first (operator:stake --service compute)`);
    const sent = await sendTx(escrow.setOffer(offer));
    printResult(args.json, { provider, gpu: args.gpu, gpus: offer.gpuCount, unit: UNITS[unit], price, ...sent });
  });

task("compute:post", "Post a compute job with its payment escrowed")
  .addParam("spec", "Job spec URI (container image, command)")
  .addParam("payment", "Payment in ETH (or --usd cents priced through the ETH/USD feed)")
  .addOptionalParam("input", "Input URI", "")
  .addOptionalParam("gpu", "Required GPU model code", "H100SXM")
  .addOptionalParam("gpus", "Required GPU count", "1")
  .addOptionalParam("memory", "Required memory per GPU (GiB)", "40")
  .addOptionalParam("hours", "Maximum running time in hours", "2")
  .addOptionalParam("startHours", "Hours within which a provider must start", "1")
  .addOptionalParam("provider", "Only this provider may claim (default: any)")
  .addOptionalParam("bond", "Provider bond locked from its stake, in ETH", "0.1")
  .addFlag("usd", "--payment is in USD cents, converted at the feed price")
  .addOptionalParam("from", "Requester address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    const request = {
      specHash: hre.ethers.id(args.spec),
      specURI: args.spec,
      inputURI: args.input,
      gpuModel: gpuCode(hre, args.gpu),
      gpuCount: parseRangeParam("gpus", args.gpus, 1, 65_535),
      memoryGiB: parseRangeParam("memory", args.memory, 1, 65_535),
      maxDurationSeconds: parseRangeParam("hours", args.hours, 1, 24 * 365) * 3600,
      startDeadline: now + parseRangeParam("start-hours", args.startHours, 1, 24 * 365) * 3600,
      provider: args.provider ? parseAddressParam(hre, "provider", args.provider) : hre.ethers.ZeroAddress,
      mode: 0,
      redundancy: 0,
      bondWei: parseEthParam(hre, "bond", args.bond),
    };
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const minBond = (await escrow.settings()).minBondWei;
    if (request.bondWei < minBond) fail(`--bond must be at least ${hre.ethers.formatEther(minBond)} ETH`);
    let sent;
    let amountWei: bigint;
    if (args.usd) {
      const cents = BigInt(parseRangeParam("payment", args.payment, 1, 2 ** 48));
      [amountWei] = await escrow.usdCentsToWei(cents);
      sent = await sendTx(escrow.postJobUsd(request, cents, { value: amountWei }));
    } else {
      amountWei = parseEthParam(hre, "payment", args.payment);
      if (amountWei === 0n) fail("--payment must be above 0");
      sent = await sendTx(escrow.postJob(request, hre.ethers.ZeroAddress, amountWei, { value: amountWei }));
    }
    const ev = await eventOf(hre, escrow, sent.tx, "JobPosted");
    printResult(args.json, { jobId: ev.jobId, amountWei, startDeadline: request.startDeadline, ...sent });
  });

task("compute:claim", "Claim an open job as a provider (locks your bond) and start it")
  .addParam("job", "Job id")
  .addFlag("noStart", "Claim only; start later")
  .addOptionalParam("from", "Provider address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("job", args.job);
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const job = await jobOf(hre, escrow, id);
    if (Number(job.status) !== 1) fail(`job ${id} is ${JOB_STATUS[Number(job.status)]}, not open`);
    const sent = await sendTx(escrow.claim(id));
    if (!args.noStart && Number(job.mode) === 0) await sendTx(escrow.start(id));
    printResult(args.json, { ...jobSummary(id, await escrow.jobOf(id)), ...sent });
  });

task("compute:submit", "Submit a job's result hash and URI (provider)")
  .addParam("job", "Job id")
  .addParam("uri", "Where the result can be fetched")
  .addOptionalParam("hash", "Result hash (default: keccak256 of --uri)")
  .addOptionalParam("from", "Provider address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("job", args.job);
    const hash = args.hash ? parseBytes32Param(hre, "hash", args.hash) : hre.ethers.id(args.uri);
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const job = await jobOf(hre, escrow, id);
    if (Number(job.status) !== 3 && Number(job.status) !== 2)
      fail(`job ${id} is ${JOB_STATUS[Number(job.status)]}: results are submitted while running`);
    const sent = await sendTx(escrow.submitResult(id, hash, args.uri));
    printResult(args.json, { ...jobSummary(id, await escrow.jobOf(id)), resultHash: hash, ...sent });
  });

task("compute:accept", "Accept a submitted result and pay the provider (requester)")
  .addParam("job", "Job id")
  .addOptionalParam("from", "Requester address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("job", args.job);
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const job = await jobOf(hre, escrow, id);
    if (Number(job.status) !== 4) fail(`job ${id} is ${JOB_STATUS[Number(job.status)]}, not submitted`);
    const sent = await sendTx(escrow.accept(id));
    printResult(args.json, { ...jobSummary(id, await escrow.jobOf(id)), ...sent });
  });

task("compute:dispute", "Dispute a submitted result within the challenge window (requester)")
  .addParam("job", "Job id")
  .addParam("reason", "Reason / evidence (hashed on-chain)")
  .addOptionalParam("from", "Requester address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("job", args.job);
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const job = await jobOf(hre, escrow, id);
    if (Number(job.status) !== 4) fail(`job ${id} is ${JOB_STATUS[Number(job.status)]}, not submitted`);
    const sent = await sendTx(escrow.dispute(id, hre.ethers.id(args.reason)));
    printResult(args.json, { ...jobSummary(id, await escrow.jobOf(id)), ...sent });
  });

task("compute:resolve", "Rule on a disputed job (ARBITER_ROLE): the loser's side is refunded or slashed")
  .addParam("job", "Job id")
  .addParam("winner", "provider | requester")
  .addOptionalParam("from", "Arbiter address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const id = parseIdParam("job", args.job);
    const providerWins = parseChoiceParam("winner", args.winner, ["requester", "provider"]) === 1;
    const escrow = await axonContract(hre, "ComputeEscrow", args.from);
    const job = await jobOf(hre, escrow, id);
    if (Number(job.status) !== 5) fail(`job ${id} is ${JOB_STATUS[Number(job.status)]}, not disputed`);
    const sent = await sendTx(escrow.resolveDispute(id, providerWins));
    printResult(args.json, { ...jobSummary(id, await escrow.jobOf(id)), providerWins, ...sent });
  });
