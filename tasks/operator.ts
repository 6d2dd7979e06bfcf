import { task } from "hardhat/config";
import { axonContract, parseEthParam, printResult, sendTx, serviceId, signerOf } from "./lib";

task("operator:stake", "Stake ETH as an operator of a service (oracle node, compute provider or edge device)")
  .addParam("service", "oracle | compute | edge")
  .addParam("amount", "ETH to add to the active stake, e.g. 1.5")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const service = serviceId(hre, args.service);
    const amount = parseEthParam(hre, "amount", args.amount);
    const staking = await axonContract(hre, "OperatorStaking", args.from);
    const sent = await sendTx(staking.stake(service, { value: amount }));
    const operator = await signerOf(staking);
    const st = await staking.stakeOf(operator, service);
    printResult(args.json, {
      operator,
      service: args.service,
      ...sent,
      activeWei: st.activeWei,
      active: await staking.isActiveOperator(operator, service),
    });
  });

task("operator:unbond", "Start unbonding part of an operator's free stake")
  .addParam("service", "oracle | compute | edge")
  .addParam("amount", "ETH to unbond")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const service = serviceId(hre, args.service);
    const amount = parseEthParam(hre, "amount", args.amount);
    const staking = await axonContract(hre, "OperatorStaking", args.from);
    const sent = await sendTx(staking.requestUnbond(service, amount));
    const operator = await signerOf(staking);
    const st = await staking.stakeOf(operator, service);
    printResult(args.json, {
      operator,
      service: args.service,
      ...sent,
      unbondingWei: st.unbondingWei,
      releaseAt: st.unbondingReleaseAt,
    });
  });

task("operator:withdraw", "Withdraw unbonded stake after the unbonding delay")
  .addParam("service", "oracle | compute | edge")
  .addOptionalParam("from", "Signer address (default: first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const service = serviceId(hre, args.service);
    const staking = await axonContract(hre, "OperatorStaking", args.from);
    const operator = await signerOf(staking);
    const before = await staking.stakeOf(operator, service);
    const sent = await sendTx(staking.withdraw(service));
    printResult(args.json, { operator, service: args.service, ...sent, withdrawnWei: before.unbondingWei });
  });

task("operator:status", "Show an operator's stake in a service")
  .addParam("service", "oracle | compute | edge")
  .addParam("operator", "Operator address")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) => {
    const service = serviceId(hre, args.service);
    const staking = await axonContract(hre, "OperatorStaking");
    const st = await staking.stakeOf(args.operator, service);
    printResult(args.json, {
      operator: args.operator,
      service: args.service,
      active: await staking.isActiveOperator(args.operator, service),
      activeWei: st.activeWei,
      lockedWei: st.lockedWei,
      unbondingWei: st.unbondingWei,
      unbondingReleaseAt: st.unbondingReleaseAt,
      jailedUntil: st.jailedUntil,
    });
  });
