import { formatEther } from "ethers";
import { advance, type DemoPart } from "./context";

/** The oracle fees earned by the model flow to its token and stream to the IMO holders, who claim them. */
export const revenueSteps: DemoPart = {
  count: 1,
  async run({ hre, narrator, deployment, actors, shared, balances }) {
    const { ethers } = hre;
    const { oracle } = deployment;
    const token = await ethers.getContractAt("ModelToken", shared.modelToken!);
    const tokenAddress = await token.getAddress();

    await narrator.step("IMO holders claim the model's revenue", async () => {
      const owed = await oracle.creditOf(tokenAddress);
      narrator.say(`the oracle owes the AXD token ${formatEther(owed)} ETH of model fees`);
      await narrator.tx("anyone pushes the credit to the token (streamed to holders)", oracle.pushCredit(tokenAddress));
      const period = Number(await token.streamPeriodSeconds());
      await advance(hre, period);
      narrator.say(`one stream period (${period / 3600} h) later:`);
      for (const [i, inv] of actors.investors.entries()) {
        const claimable = await token.claimableOf(ethers.ZeroAddress, inv.address);
        await narrator.tx(
          `investor ${i + 1} (${formatEther(await token.balanceOf(inv.address))} AXD) claims ${formatEther(claimable)} ETH`,
          token.connect(inv).claim(ethers.ZeroAddress),
        );
      }
      narrator.say(`redeem pool: ${formatEther(await token.redeemPoolOf(ethers.ZeroAddress))} ETH backs token burns`);
    });

    balances.push({ name: "AXD token", values: { ETH: formatEther(await ethers.provider.getBalance(tokenAddress)) } });
  },
};
