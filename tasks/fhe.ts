import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

interface FhevmEnvironmentInternals {
  isDeployed: boolean;
  deploy(): Promise<void>;
  _deployCore(): Promise<void>;
}

/** The fhevm mock's ACL address (its code tells whether the mock is deployed on the current chain). */
const MOCK_ACL_ADDRESS = "0x50157CFfD6bBFA2DECe204a89ec419c23ef5755D";

/**
 * Makes `hre.fhevm` usable outside `hardhat test`: on the in-process Hardhat network it deploys the mock coprocessor
 * (the plugin only does so for tests); on a Hardhat node or Sepolia it runs the plugin's CLI initialisation (on
 * Sepolia that reaches Zama's relayer, so encryption and user decryption need network access to it).
 */
export async function ensureFhevm(hre: HardhatRuntimeEnvironment): Promise<void> {
  if (hre.network.name !== "hardhat") {
    await hre.fhevm.initializeCLIApi();
    return;
  }
  // The plugin's package exports hide its internals; an absolute path reaches the same module instance.
  const extender = path.join(path.dirname(require.resolve("@fhevm/hardhat-plugin")), "internal/EnvironmentExtender.js");
  const { fhevmContext } = require(extender) as { fhevmContext: { get(): FhevmEnvironmentInternals } };
  const env = fhevmContext.get();
  if (!env.isDeployed) await env.deploy();
  else if ((await hre.ethers.provider.getCode(MOCK_ACL_ADDRESS)) === "0x") await env._deployCore();
}
