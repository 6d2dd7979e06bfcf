import { Wallet, formatEther, parseEther, type Contract } from "ethers";
import { HeartbeatLoop } from "../../offchain/src/heartbeat";
import { decodeClassification } from "../../sdk/src/canonical";
import { UptimeTree } from "../../tasks/edgeTree";
import { heldOutDigits, type DemoPart } from "./context";
import { startDemoRunner } from "./runner";

/**
 * DePIN edge nodes (issue 16): two devices in two regions run heartbeat loops for two epochs; an honest report pays
 * them by uptime; both also serve the bundled model as oracle nodes, and requests routed to a region are answered by
 * that region's runner; then the US node reports full uptime it did not have, cannot answer the challenge with signed
 * heartbeats, and is slashed through OperatorStaking.
 */
export const edgeSteps: DemoPart = {
  count: 4,
  async run({ hre, narrator, deployment, balances, shared, actors }) {
    const { ethers } = hre;
    const { edge, staking, services, oracle, registry: models } = deployment;
    const [admin] = await ethers.getSigners();
    const de = Wallet.createRandom().connect(ethers.provider);
    const us = Wallet.createRandom().connect(ethers.provider);
    const registry = await edge.getAddress();
    const cfg = await edge.config();
    const slots = Number(cfg.epochSeconds / cfg.slotSeconds);
    const timing = {
      genesis: Number(await edge.epochStart(0)),
      epochSeconds: Number(cfg.epochSeconds),
      slotSeconds: Number(cfg.slotSeconds),
    };
    const chainNow = async () => (await ethers.provider.getBlock("latest"))!.timestamp;
    const loops = new Map<string, HeartbeatLoop>();

    await narrator.step("Two edge nodes (DE, US) stake and register; a sponsor funds the reward pool", async () => {
      for (const [w, region] of [
        [de, "DE"],
        [us, "US"],
      ] as const) {
        await (await admin.sendTransaction({ to: w.address, value: parseEther("2") })).wait();
        await narrator.tx(
          `${region} node stakes 0.5 ETH for the edge service`,
          staking.connect(w).stake(services.edge, { value: parseEther("0.5") }),
        );
        await narrator.tx(
          `${region} node registers (region ${region}, arm64, serves model 1)`,
          edge
            .connect(w)
            .register(
              w.address,
              ethers.hexlify(ethers.toUtf8Bytes(region)),
              1,
              [ethers.toBeHex(1, 32)],
              `https://${region.toLowerCase()}.edge.example/node.json`,
            ),
        );
        loops.set(
          w.address,
          new HeartbeatLoop({ wallet: w, node: w.address, chainId: 31337, registry, timing, region, now: chainNow }),
        );
      }
      await narrator.tx(
        "sponsor funds the pool with 1 ETH",
        edge.connect(admin).fund(parseEther("1"), { value: parseEther("1") }),
      );
    });

    /** Runs one epoch slot by slot: DE signs every slot, US only every other one (it is offline half the time). */
    const runEpoch = async (): Promise<number> => {
      const epoch = Number(await edge.currentEpoch()) + 1;
      for (let slot = 0; slot < slots; slot++) {
        const at = timing.genesis + epoch * timing.epochSeconds + slot * timing.slotSeconds + 1;
        await ethers.provider.send("evm_setNextBlockTimestamp", [at]);
        await ethers.provider.send("evm_mine", []);
        await loops.get(de.address)!.tick();
        if (slot % 2 === 0) await loops.get(us.address)!.tick();
      }
      await ethers.provider.send("evm_setNextBlockTimestamp", [timing.genesis + (epoch + 1) * timing.epochSeconds + 1]);
      await ethers.provider.send("evm_mine", []);
      return epoch;
    };
    const counts = (epoch: number) =>
      [de, us].map((w) => ({ node: w.address, uptime: loops.get(w.address)!.heartbeats(epoch).length }));

    await narrator.step(
      "An epoch of heartbeats; the DE node reports it honestly; both nodes claim by uptime",
      async () => {
        const epoch = await runEpoch();
        const tree = new UptimeTree(epoch, counts(epoch));
        narrator.say(`epoch ${epoch}: ${tree.entries.map((e) => `${e.uptime}/${slots} slots`).join(", ")} (DE, US)`);
        await narrator.tx(
          `DE node posts epoch ${epoch}'s uptime root (one transaction for every node)`,
          edge.connect(de).postReport(epoch, tree.root, tree.total),
        );
        await ethers.provider.send("evm_increaseTime", [Number(cfg.challengeWindowSeconds) + 1]);
        await narrator.tx("anyone finalizes the epoch after the challenge window", edge.finalizeEpoch(epoch));
        for (const [w, name] of [
          [de, "DE"],
          [us, "US"],
        ] as const) {
          const { uptime, proof } = tree.proofOf(w.address);
          await narrator.tx(
            `${name} node claims its share for ${uptime} slots`,
            edge.connect(w).claimUptime(epoch, uptime, proof),
          );
        }
      },
    );

    await narrator.step(
      "Region routing: both devices serve the bundled model as oracle nodes; each region's request goes to its node",
      async () => {
        const modelId = shared.modelId ?? 1n;
        const owner = await ethers.getSigner(await models.ownerOf(modelId));
        for (const [w, region] of [
          [de, "DE"],
          [us, "US"],
        ] as const) {
          await narrator.tx(
            `${region} node stakes 1 ETH for the oracle service`,
            staking.connect(w).stake(services.oracle, { value: parseEther("1") }),
          );
          await narrator.tx(
            `model owner adds the ${region} node to model ${modelId}`,
            models.connect(owner).addNode(modelId, w.address),
          );
        }
        const consumer = (await ethers.deployContract("StoringConsumer")) as unknown as Contract;
        await consumer.waitForDeployment();
        const stops = [
          await startDemoRunner(hre, deployment, actors.node.address, modelId, { nodeKey: de.privateKey }),
          await startDemoRunner(hre, deployment, actors.node.address, modelId, { nodeKey: us.privateKey }),
        ];
        try {
          const digits = heldOutDigits(2, 300);
          const fee = await oracle.quote(modelId, 100_000);
          for (const [k, [w, region]] of (
            [
              [de, "DE"],
              [us, "US"],
            ] as const
          ).entries()) {
            const code = ethers.hexlify(ethers.toUtf8Bytes(region));
            const receipt = await narrator.tx(
              `a consumer asks for a reading of a "${digits[k].label}" routed to ${region}`,
              oracle
                .connect(actors.consumers[0])
                .requestInRegion(modelId, digits[k].pixels, await consumer.getAddress(), 100_000, "0x", code, {
                  value: fee,
                }),
            );
            const events = receipt.logs.map((l) => oracle.interface.parseLog(l));
            const routed = events.find((e) => e?.name === "RequestRouted")!;
            const created = events.find((e) => e?.name === "RequestCreated")!;
            const requestId = created.args.requestId as bigint;
            const filter = oracle.filters.RequestFulfilled(requestId);
            const started = Date.now();
            let fulfilled = (await oracle.queryFilter(filter, receipt.blockNumber))[0];
            while (!fulfilled) {
              if (Date.now() - started > 60_000) throw new Error(`routed request ${requestId} was not answered`);
              await new Promise((r) => setTimeout(r, 100));
              fulfilled = (await oracle.queryFilter(filter, receipt.blockNumber))[0];
            }
            const mined = await ethers.provider.getTransactionReceipt(fulfilled.transactionHash);
            narrator.addGas(mined!.gasUsed, 1);
            const word = (await consumer.results(requestId)) as string;
            // StoringConsumer keeps the first 32 bytes: the whole 21-byte canonical classification of 10 digits.
            const { label } = decodeClassification(`0x${word.slice(2, 2 + 42)}`);
            const by = fulfilled.args.node === w.address ? `the ${region} node` : fulfilled.args.node;
            narrator.say(
              `request ${requestId}: routed to ${region} (matched ${routed.args.matched}), assigned ` +
                `${created.args.request.nodes[0] === w.address ? `the ${region} node` : created.args.request.nodes[0]}, ` +
                `answered by ${by}'s runner: read "${label}" (true "${digits[k].label}")`,
            );
          }
        } finally {
          for (const stop of stops) await stop();
        }
        const [seed, matched] = await models.regionSeed(modelId, ethers.hexlify(ethers.toUtf8Bytes("JP")), 1n);
        narrator.say(
          `no JP device serves model ${modelId}: a JP request falls back to the plain assignment ` +
            `(regionSeed -> seed ${seed}, matched ${matched})`,
        );
      },
    );

    await narrator.step(
      "The US node reports full uptime it did not have; challenged, it cannot answer and is slashed",
      async () => {
        const epoch = await runEpoch();
        const lie = counts(epoch).map((e) => (e.node === us.address ? { ...e, uptime: slots } : e));
        const tree = new UptimeTree(epoch, lie);
        narrator.say(
          `US node signed ${loops.get(us.address)!.heartbeats(epoch).length} heartbeats but reports ${slots}`,
        );
        await narrator.tx(
          `US node posts epoch ${epoch}'s root with the lie (its 0.05 ETH bond locked)`,
          edge.connect(us).postReport(epoch, tree.root, tree.total),
        );
        const { uptime, proof } = tree.proofOf(us.address);
        await narrator.tx(
          "DE node challenges the US count (posting the challenge bond)",
          edge.connect(de).challengeUptime(epoch, us.address, uptime, proof, { value: cfg.challengeBondWei }),
        );
        const before = (await staking.stakeOf(us.address, services.edge)).activeWei;
        await ethers.provider.send("evm_increaseTime", [Number(cfg.answerWindowSeconds) + 1]);
        await narrator.tx(
          "no answer with signed heartbeats: anyone resolves, the reporter is slashed once",
          edge.resolveChallenge(epoch, us.address),
        );
        const after = (await staking.stakeOf(us.address, services.edge)).activeWei;
        narrator.say(`US stake ${formatEther(before)} → ${formatEther(after)} ETH; the epoch is void and pays nothing`);
        await narrator.tx("DE node withdraws its challenge bond", edge.connect(de).withdrawCredit());
      },
    );

    for (const [name, w] of [
      ["edge node DE", de],
      ["edge node US (liar)", us],
    ] as const)
      balances.push({
        name,
        values: { ETH: Number(formatEther(await ethers.provider.getBalance(w.address))).toFixed(6) },
      });
  },
};
