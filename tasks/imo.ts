import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  axonContract,
  eventOf,
  fail,
  knownContract,
  parseAddressParam,
  parseChoiceParam,
  parseEthParam,
  parseIdParam,
  parseRangeParam,
  printResult,
  sendTx,
  signerOf,
} from "./lib";

/** Offering statuses as ModelOffering numbers them. */
export const OFFERING_STATUS = ["none", "selling", "succeeded", "failed"] as const;
const PRICE_MODES = ["fixed", "linear"] as const;
const DAY = 24 * 3600;

async function tokenOf(hre: HardhatRuntimeEnvironment, modelId: bigint, from?: string) {
  const offering = await axonContract(hre, "ModelOffering", from);
  const o = await offering.offeringOf(modelId);
  if (o.token === hre.ethers.ZeroAddress) fail(`model ${modelId} has no offering (run imo:launch)`);
  const signer = from ? await hre.ethers.getSigner(from) : (await hre.ethers.getSigners())[0];
  return { offering, token: knownContract(await hre.ethers.getContractAt("ModelToken", o.token, signer)) };
}

task("imo:launch", "Launch an Initial Model Offering: a per-model ERC-20 whose holders receive the model's revenue")
  .addParam("model", "Model id (you must own it)")
  .addParam("name", "Token name")
  .addParam("symbol", "Token symbol")
  .addParam("supply", "Total supply in whole tokens")
  .addParam("price", "Price in ETH per whole token (start price for --price-mode linear)")
  .addParam("hardCap", "Tokens for sale (whole tokens)")
  .addParam("softCap", "Tokens that must sell for the offering to succeed")
  .addOptionalParam("creatorAllocation", "Creator's vested tokens (whole tokens)", "0")
  .addOptionalParam("priceMode", "fixed | linear", "fixed")
  .addOptionalParam("slope", "Linear mode: ETH added to the price per whole token sold", "0")
  .addOptionalParam("days", "Sale duration in days", "7")
  .addOptionalParam("cliffDays", "Creator vesting cliff in days", "30")
  .addOptionalParam("vestingDays", "Creator vesting duration in days", "360")
  .addOptionalParam("streamDays", "Revenue release period in days", "7")
  .addOptionalParam("redeemBps", "Share of revenue kept in the redeem pool (basis points)", "1000")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const { ethers } = hre;
    const modelId = parseIdParam("model", args.model);
    const whole = (name: string, v: string) => {
      if (!/^\d+(\.\d+)?$/.test(v)) fail(`--${name} must be a number of tokens (got "${v}")`);
      return ethers.parseEther(v);
    };
    const supply = whole("supply", args.supply);
    const hardCap = whole("hard-cap", args.hardCap);
    const softCap = whole("soft-cap", args.softCap);
    const creatorAllocation = whole("creator-allocation", args.creatorAllocation);
    if (softCap > hardCap) fail(`--soft-cap ${args.softCap} exceeds --hard-cap ${args.hardCap}`);
    if (hardCap + creatorAllocation > supply)
      fail(
        `--hard-cap + --creator-allocation (${args.hardCap} + ${args.creatorAllocation}) exceed --supply ${args.supply}`,
      );
    const days = parseRangeParam("days", args.days, 1, 365);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const params = {
      name: args.name,
      symbol: args.symbol,
      totalSupply: supply,
      creatorAllocation,
      cliffSeconds: parseRangeParam("cliff-days", args.cliffDays, 0, 3650) * DAY,
      vestingSeconds: parseRangeParam("vesting-days", args.vestingDays, 0, 3650) * DAY,
      priceMode: parseChoiceParam("price-mode", args.priceMode, PRICE_MODES),
      startPriceWei: parseEthParam(hre, "price", args.price),
      slopeWei: parseEthParam(hre, "slope", args.slope),
      hardCapTokens: hardCap,
      softCapTokens: softCap,
      deadline: now + days * DAY,
      streamPeriodSeconds: parseRangeParam("stream-days", args.streamDays, 0, 3650) * DAY,
      redeemBps: parseRangeParam("redeem-bps", args.redeemBps, 0, 10_000),
    };
    const offering = await axonContract(hre, "ModelOffering", args.from);
    const sent = await sendTx(offering.launch(modelId, params));
    const ev = await eventOf(hre, offering, sent.tx, "OfferingLaunched");
    printResult(args.json, { modelId, token: ev.token, creator: ev.creator, deadline: params.deadline, ...sent });
  });

task("imo:buy", "Buy model tokens in a running offering (price-protected)")
  .addParam("model", "Model id")
  .addParam("tokens", "Whole tokens to buy, e.g. 100")
  .addOptionalParam("maxCost", "Refuse to pay more than this many ETH (default: the current quote)")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    if (!/^\d+(\.\d+)?$/.test(args.tokens) || Number(args.tokens) <= 0)
      fail(`--tokens must be a positive number of tokens (got "${args.tokens}")`);
    const amount = hre.ethers.parseEther(args.tokens);
    const offering = await axonContract(hre, "ModelOffering", args.from);
    const status = Number(await offering.statusOf(modelId));
    if (status !== 1) fail(`the offering of model ${modelId} is ${OFFERING_STATUS[status]}, not selling`);
    const cost: bigint = await offering.quote(modelId, amount);
    const maxCost = args.maxCost !== undefined ? parseEthParam(hre, "max-cost", args.maxCost) : cost;
    const sent = await sendTx(offering.buy(modelId, amount, maxCost, { value: maxCost }));
    const buyer = await signerOf(offering);
    const [tokens, paidWei] = await offering.purchaseOf(modelId, buyer);
    printResult(args.json, {
      modelId,
      buyer,
      boughtTokens: amount,
      costWei: cost,
      totalTokens: tokens,
      paidWei,
      ...sent,
    });
  });

task("imo:finalize", "Finalize an offering whose soft cap was met after its deadline or hard cap (anyone)")
  .addParam("model", "Model id")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    const offering = await axonContract(hre, "ModelOffering", args.from);
    const sent = await sendTx(offering.finalize(modelId));
    const ev = await eventOf(hre, offering, sent.tx, "OfferingFinalized");
    printResult(args.json, { modelId, raisedWei: ev.raisedWei, protocolFeeWei: ev.protocolFeeWei, ...sent });
  });

task("imo:claim", "Claim your released share of a model token's revenue (collects the oracle's credit first)")
  .addParam("model", "Model id")
  .addOptionalParam("asset", "Revenue asset (default: ETH)")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    const asset = args.asset ? parseAddressParam(hre, "asset", args.asset) : hre.ethers.ZeroAddress;
    const { token } = await tokenOf(hre, modelId, args.from);
    const tokenAddress = await token.getAddress();
    const oracle = await axonContract(hre, "AIOracle", args.from);
    let collectedWei = 0n;
    if (asset === hre.ethers.ZeroAddress) {
      collectedWei = await oracle.creditOf(tokenAddress);
      if (collectedWei > 0n) await sendTx(oracle.pushCredit(tokenAddress));
    }
    const holder = await signerOf(token);
    const claimable: bigint = await token.claimableOf(asset, holder);
    if (claimable === 0n) fail(`nothing to claim yet for ${holder} (revenue streams over the release period)`);
    const sent = await sendTx(token.claim(asset));
    printResult(args.json, {
      modelId,
      token: tokenAddress,
      holder,
      asset,
      collectedFromOracleWei: collectedWei,
      claimedWei: claimable,
      ...sent,
    });
  });

task("imo:redeem", "Burn model tokens for a share of the token's redeem pool")
  .addParam("model", "Model id")
  .addParam("tokens", "Whole tokens to burn")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    if (!/^\d+(\.\d+)?$/.test(args.tokens) || Number(args.tokens) <= 0)
      fail(`--tokens must be a positive number of tokens (got "${args.tokens}")`);
    const amount = hre.ethers.parseEther(args.tokens);
    const { token } = await tokenOf(hre, modelId, args.from);
    const holder = await signerOf(token);
    const balance: bigint = await token.balanceOf(holder);
    if (amount > balance) fail(`--tokens ${args.tokens} exceeds your balance ${hre.ethers.formatEther(balance)}`);
    const preview: bigint = await token.previewRedeem(hre.ethers.ZeroAddress, amount);
    const sent = await sendTx(token.redeem(amount));
    printResult(args.json, { modelId, holder, burnedTokens: amount, creditedWei: preview, ...sent });
  });
