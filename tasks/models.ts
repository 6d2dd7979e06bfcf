import { task } from "hardhat/config";
import { existsSync } from "node:fs";
import { hashModelFile } from "../offchain/src/modelHash";
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
} from "./lib";

const MODES = ["none", "quorum", "optimistic", "proof"] as const;
const MODE_PROOF = 3;

task("model:register", "Register a model by the hash of its weights (the caller owns it and receives its revenue)")
  .addOptionalParam("file", "Model file (ONNX): its keccak256 is the weights hash")
  .addOptionalParam("hash", "Weights hash (0x..32 bytes) instead of --file")
  .addParam("uri", "Metadata URI (model card), e.g. ipfs://...")
  .addParam("fee", "Fee per request in ETH, paid to the model's revenue receiver")
  .addOptionalParam("mode", "Verification: none | quorum | optimistic | proof", "none")
  .addOptionalParam("verifier", "Proof: the model's IProofVerifier (e.g. a Groth16ProofVerifier)")
  .addOptionalParam("vkHash", "Proof: the verification key hash to check against the verifier's (default: its own)")
  .addOptionalParam("quorumK", "Quorum: agreeing votes needed; optimistic: votes resolving a challenge", "0")
  .addOptionalParam("quorumN", "Quorum: nodes assigned per request", "0")
  .addOptionalParam("challengeWindow", "Optimistic: challenge window in seconds", "0")
  .addOptionalParam("bond", "Optimistic: bond in ETH", "0")
  .addOptionalParam("node", "Also add this staked oracle node to the model's node set")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    if (!!args.file === !!args.hash) fail("give exactly one of --file or --hash");
    if (args.file && !existsSync(args.file)) fail(`--file ${args.file} does not exist`);
    const weightsHash = args.file ? await hashModelFile(args.file) : parseBytes32Param(hre, "hash", args.hash);
    const fee = parseEthParam(hre, "fee", args.fee);
    const mode = parseChoiceParam("mode", args.mode, MODES);
    const verification = {
      mode,
      quorumK: parseRangeParam("quorum-k", args.quorumK, 0, 255),
      quorumN: parseRangeParam("quorum-n", args.quorumN, 0, 255),
      challengeWindowSeconds: parseRangeParam("challenge-window", args.challengeWindow, 0, 2 ** 32 - 1),
      bondWei: parseEthParam(hre, "bond", args.bond),
    };
    const registry = await axonContract(hre, "ModelRegistry", args.from);
    if ((mode === MODE_PROOF) !== !!args.verifier) fail("--verifier is required with --mode proof and only then");
    let sent;
    if (mode === MODE_PROOF) {
      const verifier = parseAddressParam(hre, "verifier", args.verifier);
      if (verification.quorumK || verification.quorumN || verification.challengeWindowSeconds || verification.bondWei)
        fail("--mode proof takes no quorum, challenge window or bond");
      const vkHash = args.vkHash
        ? parseBytes32Param(hre, "vk-hash", args.vkHash)
        : await (await hre.ethers.getContractAt("IProofVerifier", verifier)).vkHash();
      sent = await sendTx(registry.registerProofModel(weightsHash, args.uri, fee, verifier, vkHash));
    } else {
      sent = await sendTx(registry.registerModel(weightsHash, args.uri, fee, verification));
    }
    const ev = await eventOf(hre, registry, sent.tx, "ModelRegistered");
    const modelId = ev.modelId as bigint;
    if (args.node) await sendTx(registry.addNode(modelId, args.node));
    printResult(args.json, {
      modelId,
      owner: ev.owner,
      weightsHash,
      feeWei: fee,
      mode: MODES[mode],
      ...(mode === MODE_PROOF ? { verifier: await registry.proofVerifierOf(modelId) } : {}),
      nodes: await registry.nodesOf(modelId),
      ...sent,
    });
  });

task("model:update", "Update a model you own: fee, metadata URI, weights hash (new version), node set or activity")
  .addParam("model", "Model id")
  .addOptionalParam("fee", "New fee per request in ETH")
  .addOptionalParam("uri", "New metadata URI")
  .addOptionalParam("file", "New model file (sets the weights hash to its keccak256)")
  .addOptionalParam("hash", "New weights hash")
  .addOptionalParam("addNode", "Add a staked oracle node")
  .addOptionalParam("removeNode", "Remove a node")
  .addOptionalParam("active", "true | false")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    if (args.file && args.hash) fail("give at most one of --file or --hash");
    if (args.active !== undefined && args.active !== "true" && args.active !== "false")
      fail(`--active must be true or false (got "${args.active}")`);
    const registry = await axonContract(hre, "ModelRegistry", args.from);
    if ((await registry.modelCount()) < modelId) fail(`--model ${modelId} is not registered`);
    const txs: Record<string, unknown> = {};
    if (args.fee !== undefined) txs.fee = await sendTx(registry.setFee(modelId, parseEthParam(hre, "fee", args.fee)));
    if (args.uri !== undefined) txs.uri = await sendTx(registry.setMetadataURI(modelId, args.uri));
    if (args.file || args.hash) {
      if (args.file && !existsSync(args.file)) fail(`--file ${args.file} does not exist`);
      const hash = args.file ? await hashModelFile(args.file) : parseBytes32Param(hre, "hash", args.hash);
      txs.weightsHash = await sendTx(registry.setWeightsHash(modelId, hash));
    }
    if (args.addNode) txs.addNode = await sendTx(registry.addNode(modelId, args.addNode));
    if (args.removeNode) txs.removeNode = await sendTx(registry.removeNode(modelId, args.removeNode));
    if (args.active !== undefined) txs.active = await sendTx(registry.setModelActive(modelId, args.active === "true"));
    if (Object.keys(txs).length === 0)
      fail("nothing to update: give --fee, --uri, --file, --hash, --add-node, --remove-node or --active");
    const m = await registry.modelOf(modelId);
    printResult(args.json, {
      modelId,
      owner: m.owner,
      active: m.active,
      feeWei: m.feeWei,
      weightsHash: m.weightsHash,
      revenueReceiver: m.revenueReceiver,
      nodes: await registry.nodesOf(modelId),
      updates: Object.keys(txs),
    });
  });

task("model:status", "Show a registered model")
  .addParam("model", "Model id")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const modelId = parseIdParam("model", args.model);
    const registry = await axonContract(hre, "ModelRegistry");
    if ((await registry.modelCount()) < modelId) fail(`--model ${modelId} is not registered`);
    const m = await registry.modelOf(modelId);
    printResult(args.json, {
      modelId,
      owner: m.owner,
      active: m.active,
      feeWei: m.feeWei,
      weightsHash: m.weightsHash,
      metadataURI: await registry.metadataURIOf(modelId),
      revenueReceiver: m.revenueReceiver,
      revenueLocked: m.revenueLocked,
      mode: MODES[Number(m.verification.mode)],
      nodes: await registry.nodesOf(modelId),
    });
  });
