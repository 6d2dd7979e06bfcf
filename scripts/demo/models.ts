import { formatEther, parseEther } from "ethers";
import path from "node:path";
import { hashModelFile } from "../../offchain/src/modelHash";
import type { DemoPart } from "./context";

export const BUNDLED_MODEL = path.join(__dirname, "..", "..", "offchain", "models", "mnist-mlp.onnx");
const DAY = 24 * 3600;

/** The digit classifier is registered by the hash of its weights, served by a staked node and tokenised in an IMO. */
export const modelSteps: DemoPart = {
  count: 2,
  async run({ hre, narrator, deployment, actors, shared, balances }) {
    const { ethers } = hre;
    const { registry, offering, staking, services } = deployment;
    const { modelCreator: creator, node, investors } = actors;

    await narrator.step(
      "The model is registered by the keccak256 of its ONNX weights and served by a node",
      async () => {
        const weightsHash = await hashModelFile(BUNDLED_MODEL);
        const none = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
        const receipt = await narrator.tx(
          `creator registers mnist-mlp.onnx (${weightsHash.slice(0, 14)}...) at 0.001 ETH per request`,
          registry
            .connect(creator)
            .registerModel(weightsHash, "ipfs://axon-demo/mnist-mlp.json", parseEther("0.001"), none),
        );
        const ev = receipt.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "ModelRegistered");
        shared.modelId = ev!.args.modelId as bigint;
        if (!(await staking.isActiveOperator(node.address, services.oracle)))
          await narrator.tx(
            "node stakes 2 ETH for the oracle service",
            staking.connect(node).stake(services.oracle, { value: parseEther("2") }),
          );
        await narrator.tx(
          "creator adds the staked node to the model",
          registry.connect(creator).addNode(shared.modelId, node.address),
        );
      },
    );

    await narrator.step("An Initial Model Offering tokenises the model's revenue", async () => {
      const modelId = shared.modelId!;
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const params = {
        name: "Axon Digits",
        symbol: "AXD",
        totalSupply: parseEther("1000000"),
        creatorAllocation: parseEther("200000"),
        cliffSeconds: 30 * DAY,
        vestingSeconds: 360 * DAY,
        priceMode: 0,
        startPriceWei: parseEther("0.0001"),
        slopeWei: 0n,
        hardCapTokens: parseEther("100000"),
        softCapTokens: parseEther("40000"),
        deadline: now + 7 * DAY,
        streamPeriodSeconds: DAY,
        redeemBps: 1_000,
      };
      await narrator.tx(
        "creator launches AXD: 100k tokens for sale at 0.0001 ETH",
        offering.connect(creator).launch(modelId, params),
      );
      const token = (await offering.offeringOf(modelId)).token;
      shared.modelToken = token;
      const purchases = [
        { who: investors[0], tokens: 60_000 },
        { who: investors[1], tokens: 40_000 },
      ];
      for (const [i, { who, tokens }] of purchases.entries()) {
        const amount = parseEther(String(tokens));
        const cost = await offering.quote(modelId, amount);
        await narrator.tx(
          `investor ${i + 1} buys ${tokens.toLocaleString("en-US")} AXD for ${formatEther(cost)} ETH`,
          offering.connect(who).buy(modelId, amount, cost, { value: cost }),
        );
      }
      await narrator.tx("the sold-out offering is finalized", offering.finalize(modelId));
      narrator.say(`revenue receiver of model ${modelId} is now the token ${token} (locked)`);
      if ((await registry.revenueReceiverOf(modelId)) !== token)
        throw new Error("the revenue receiver is not the token");
    });

    balances.push({
      name: "ModelOffering",
      values: { ETH: formatEther(await ethers.provider.getBalance(await offering.getAddress())) },
    });
  },
};
