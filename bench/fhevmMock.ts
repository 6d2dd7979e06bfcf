import path from "node:path";
import { ethers } from "hardhat";

// The fhevm plugin deploys its mock coprocessor only inside `hardhat test`; `hardhat run bench/gas.ts` must do it
// itself, and again after each `hardhat_reset` (the plugin remembers having deployed, the chain does not).
interface FhevmEnvironmentInternals {
  isDeployed: boolean;
  deploy(): Promise<void>;
  _deployCore(): Promise<void>;
}

const MOCK_ACL_ADDRESS = "0x50157CFfD6bBFA2DECe204a89ec419c23ef5755D";

/** Makes the fhevm mock (ACL, executor, input verifier) available on the in-process Hardhat network. */
export async function ensureFhevmMock(): Promise<void> {
  // The plugin's package exports hide its internals; an absolute path reaches the same module instance.
  const extender = path.join(path.dirname(require.resolve("@fhevm/hardhat-plugin")), "internal/EnvironmentExtender.js");
  const { fhevmContext } = require(extender) as { fhevmContext: { get(): FhevmEnvironmentInternals } };
  const env = fhevmContext.get();
  if (!env.isDeployed) await env.deploy();
  else if ((await ethers.provider.getCode(MOCK_ACL_ADDRESS)) === "0x") await env._deployCore();
}
