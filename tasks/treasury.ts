import { task } from "hardhat/config";
import { axonContract, fail, parseAddressParam, parseEthParam, printResult, sendTx } from "./lib";

task("treasury:withdraw", "Withdraw protocol fees from the Treasury (TREASURER_ROLE)")
  .addParam("to", "Recipient address")
  .addParam("amount", "Amount in ETH (or token units with --token, as a decimal)")
  .addOptionalParam("token", "ERC-20 address (default: ETH)")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const to = parseAddressParam(hre, "to", args.to);
    const treasury = await axonContract(hre, "Treasury", args.from);
    if (!args.token) {
      const amount = parseEthParam(hre, "amount", args.amount);
      const available = await hre.ethers.provider.getBalance(await treasury.getAddress());
      if (amount > available)
        fail(`--amount ${args.amount} ETH exceeds the Treasury's ${hre.ethers.formatEther(available)} ETH`);
      printResult(args.json, {
        asset: "ETH",
        to,
        amountWei: amount,
        ...(await sendTx(treasury.withdrawETH(to, amount))),
      });
      return;
    }
    const token = parseAddressParam(hre, "token", args.token);
    const erc20 = await hre.ethers.getContractAt("IERC20Metadata", token);
    const amount = hre.ethers.parseUnits(args.amount, await erc20.decimals());
    const available = await treasury.tokenBalance(token);
    if (amount > available)
      fail(`--amount ${args.amount} exceeds the Treasury's credited ${available} units of ${token}`);
    printResult(args.json, { asset: token, to, amount, ...(await sendTx(treasury.withdrawToken(token, to, amount))) });
  });
