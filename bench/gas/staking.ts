import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { GasRecorder } from "../lib";
import { deployCore } from "../../test/helpers/core";
import { ORACLE_SERVICE, UNBONDING_DELAY_SECONDS } from "../../test/helpers/constants";

const ONE = ethers.parseEther("1");

// OperatorStaking and Treasury: each operation measured once, on a warm path where that matters (second stake).
export default async function (gas: GasRecorder): Promise<void> {
  const { admin, others, treasury, staking } = await deployCore();
  const [module, operator, beneficiary, recipient] = others;
  await staking.setModule(ORACLE_SERVICE, module.address, true);

  await gas.record("stake.first", await staking.connect(operator).stake(ORACLE_SERVICE, { value: 5n * ONE }));
  await gas.record("stake.topUp", await staking.connect(operator).stake(ORACLE_SERVICE, { value: ONE }));
  await gas.record("lock", await staking.connect(module).lock(operator.address, ORACLE_SERVICE, 2n * ONE));
  await gas.record("unlock", await staking.connect(module).unlock(operator.address, ORACLE_SERVICE, ONE));
  await gas.record("requestUnbond", await staking.connect(operator).requestUnbond(ORACLE_SERVICE, 2n * ONE));
  await gas.record(
    "slash",
    await staking
      .connect(module)
      .slash(operator.address, ORACLE_SERVICE, ONE, beneficiary.address, ONE / 10n, ethers.id("bench-evidence")),
  );
  await gas.record("withdrawCredit", await staking.connect(beneficiary).withdrawCredit());
  await gas.record(
    "jail",
    await staking.connect(module).jail(operator.address, ORACLE_SERVICE, BigInt(await time.latest()) + 3600n),
  );
  await time.increase(UNBONDING_DELAY_SECONDS);
  await gas.record("withdraw", await staking.connect(operator).withdraw(ORACLE_SERVICE));

  const token = await (await ethers.getContractFactory("MockERC20")).deploy("Mock", "MOCK");
  await treasury.setTokenAllowed(await token.getAddress(), true);
  await token.mint(admin.address, 10n * ONE);
  await token.approve(await treasury.getAddress(), ethers.MaxUint256);
  await gas.record("treasury.depositETH", await treasury.depositETH({ value: ONE }));
  await gas.record("treasury.depositToken", await treasury.depositToken(await token.getAddress(), ONE));
  await gas.record("treasury.withdrawETH", await treasury.withdrawETH(recipient.address, ONE));
  await gas.record(
    "treasury.withdrawToken",
    await treasury.withdrawToken(await token.getAddress(), recipient.address, ONE / 2n),
  );
}
