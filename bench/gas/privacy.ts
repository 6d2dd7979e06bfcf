import { ethers, fhevm, upgrades } from "hardhat";
import type { PrivateScoring } from "../../typechain-types";
import { ensureFhevmMock } from "../fhevmMock";
import type { GasRecorder } from "../lib";

// PrivateScoring: setting a model and scoring encrypted feature vectors of 1, 4 and 8 features (the FHE work,
// and so the gas, grows with the model's dimension, not with the number of users).
export default async function (gas: GasRecorder): Promise<void> {
  await ensureFhevmMock();
  const [admin, user] = await ethers.getSigners();
  const proxy = await upgrades.deployProxy(await ethers.getContractFactory("PrivateScoring"), [admin.address, 0], {
    kind: "uups",
  });
  await proxy.waitForDeployment();
  const scoring = proxy as unknown as PrivateScoring;
  const address = await scoring.getAddress();

  for (const n of [1, 4, 8]) {
    const weights = Array.from({ length: n }, (_, i) => BigInt(i % 2 === 0 ? i + 1 : -(i + 1)));
    await gas.record(`set_model_${n}_features`, await scoring.setModel(weights, -5n, 10n));
    const input = fhevm.createEncryptedInput(address, user.address);
    for (let i = 0; i < n; i++) input.add64(BigInt(100 + i));
    const enc = await input.encrypt();
    await gas.record(`score_${n}_features`, await scoring.connect(user).score(enc.handles, enc.inputProof));
  }
}
