import { formatEther, parseEther } from "ethers";
import type { DemoPart } from "./context";

/** Operators bond stake, a module slashes a provable fault, an operator unbonds and withdraws. */
export const stakingSteps: DemoPart = {
  count: 2,
  async run({ hre, narrator, deployment, balances }) {
    const { ethers, network } = hre;
    const { staking, treasury, services } = deployment;
    const [admin, node, provider, module] = await ethers.getSigners();

    await narrator.step("Operators stake: an oracle node and a GPU provider bond ETH", async () => {
      await narrator.tx(
        "node stakes 2 ETH for the oracle service",
        staking.connect(node).stake(services.oracle, { value: parseEther("2") }),
      );
      await narrator.tx(
        "provider stakes 5 ETH for the compute service",
        staking.connect(provider).stake(services.compute, { value: parseEther("5") }),
      );
      narrator.say(`node active for oracle: ${await staking.isActiveOperator(node.address, services.oracle)}`);
    });

    await narrator.step("A provable fault is slashed; the provider unbonds and withdraws after the delay", async () => {
      await narrator.tx(
        "admin authorises a slashing module for compute",
        staking.connect(admin).setModule(services.compute, module.address, true),
      );
      await narrator.tx(
        "module slashes 1 ETH (0.6 to the harmed party, 0.4 to the Treasury)",
        staking
          .connect(module)
          .slash(
            provider.address,
            services.compute,
            parseEther("1"),
            admin.address,
            parseEther("0.6"),
            ethers.id("demo-fault-1"),
          ),
      );
      await narrator.tx(
        "provider requests to unbond 2 ETH",
        staking.connect(provider).requestUnbond(services.compute, parseEther("2")),
      );
      const cfg = await staking.serviceConfig(services.compute);
      await network.provider.send("evm_increaseTime", [Number(cfg.unbondingDelaySeconds)]);
      await narrator.tx(
        "provider withdraws after the unbonding delay",
        staking.connect(provider).withdraw(services.compute),
      );
      const st = await staking.stakeOf(provider.address, services.compute);
      narrator.say(
        `provider stake now ${formatEther(st.activeWei)} ETH active, ${formatEther(st.unbondingWei)} unbonding`,
      );
      narrator.say(`Treasury holds ${formatEther(await ethers.provider.getBalance(await treasury.getAddress()))} ETH`);
    });

    balances.push(
      {
        name: "OperatorStaking",
        values: { ETH: formatEther(await ethers.provider.getBalance(await staking.getAddress())) },
      },
      { name: "Treasury", values: { ETH: formatEther(await ethers.provider.getBalance(await treasury.getAddress())) } },
    );
  },
};
