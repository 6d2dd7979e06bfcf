import type { Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { LIBRARIES, PROXIES } from "./axon";
import { readManifest, writeManifest } from "./manifest";

export interface UpgradeOptions {
  /** Proxies to upgrade (default: every proxy in the manifest). */
  only?: string[];
  /** Artifact of the new implementation per proxy (default: the proxy's own artifact, i.e. the current sources). */
  implementations?: Record<string, string>;
  log?: (line: string) => void;
}

export interface UpgradeResult {
  name: string;
  from: string;
  to: string;
  changed: boolean;
  /**
   * Set when the signer does not hold UPGRADER_ROLE (the roles were handed to AXON_OWNER): the implementation `to`
   * is deployed and validated, nothing is upgraded, and the owner (e.g. through its timelock) must call the proxy
   * with this `upgradeToAndCall(to, data)` calldata (`data`: the migration the upgrade needs, if any, else "0x"); the
   * manifest keeps the current implementation until then.
   */
  ownerCalldata?: string;
}

/**
 * One-off calls an upgrade makes in its own transaction (`upgradeToAndCall`) when the proxy comes from a layout that
 * needs them. AIOracle's hot slot (issue 13) is filled from the fields before it by `migrateHotSlot`; until then the
 * oracle reads as paused. A proxy already on that layout answers `AIOracleAlreadyMigrated` and is upgraded without it.
 */
const MIGRATIONS: Record<string, { fn: string; done: string }> = {
  AIOracle: { fn: "migrateHotSlot", done: "AIOracleAlreadyMigrated" },
};

/** The calldata of the migration `name` needs on the way to `factory`'s implementation, if any. */
async function pendingMigration(
  hre: HardhatRuntimeEnvironment,
  name: string,
  address: string,
  factory: { interface: Interface },
): Promise<string | undefined> {
  const m = MIGRATIONS[name];
  if (!m || !factory.interface.getFunction(m.fn)) return undefined;
  const data = factory.interface.encodeFunctionData(m.fn);
  try {
    // Succeeds on an implementation that has the migration and has not run it.
    await hre.ethers.provider.call({ to: address, data });
    return data;
  } catch (e) {
    const revert = (e as { data?: string }).data ?? "0x";
    // An implementation from before the migration has no such function (an empty revert): it is needed.
    return revert.startsWith(factory.interface.getError(m.done)!.selector) ? undefined : data;
  }
}

/**
 * Upgrades the manifest's proxies: for each, `validateUpgrade` against the deployed proxy first (storage layout,
 * UUPS safety), then `upgradeProxy`; the manifest records the new implementation. Linked libraries are redeployed
 * only when their bytecode changed (the plugin reuses an identical implementation).
 */
export async function upgradeAxon(hre: HardhatRuntimeEnvironment, opts: UpgradeOptions = {}): Promise<UpgradeResult[]> {
  const { ethers, upgrades, network } = hre;
  const log = opts.log ?? (() => {});
  const root = hre.config.paths.root;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const manifest = readManifest(root, network.name, chainId);
  if (!manifest)
    throw new Error(`no deployments/${chainId}.json (or ${network.name}.json): deploy first (deploy/index.ts)`);
  const names = opts.only ?? PROXIES.filter((n) => manifest.contracts[n]);
  for (const n of names) {
    if (!(PROXIES as readonly string[]).includes(n))
      throw new Error(`${n} is not an Axon proxy (${PROXIES.join(", ")})`);
    if (!manifest.contracts[n]) throw new Error(`${n} is not in the manifest of chain ${chainId}`);
  }
  const results: UpgradeResult[] = [];
  for (const name of names) {
    const entry = manifest.contracts[name];
    const artifact = opts.implementations?.[name] ?? entry.artifact;
    const libraries: Record<string, string> = {};
    for (const lib of LIBRARIES[name] ?? []) {
      const known = entry.libraries?.[lib] ?? manifest.contracts[lib]?.address;
      // A deployed library's code embeds its own address where the artifact has 20 zero bytes.
      const wanted = (await hre.artifacts.readArtifact(lib)).deployedBytecode.toLowerCase();
      const self = known ? `0x73${known.slice(2).toLowerCase()}` : "";
      if (known && (await ethers.provider.getCode(known)).toLowerCase() === wanted.replace(/^0x73(00){20}/, self)) {
        libraries[lib] = known;
        continue;
      }
      const fresh = await ethers.deployContract(lib);
      await fresh.waitForDeployment();
      libraries[lib] = await fresh.getAddress();
      const receipt = await fresh.deploymentTransaction()?.wait();
      manifest.contracts[lib] = { address: libraries[lib], artifact: lib, blockNumber: receipt?.blockNumber ?? 0 };
      log(`  ${lib} redeployed at ${libraries[lib]} (bytecode changed)`);
    }
    const factory = await ethers.getContractFactory(artifact, { libraries });
    const unsafeAllowLinkedLibraries = Object.keys(libraries).length > 0;
    await upgrades.validateUpgrade(entry.address, factory, { kind: "uups", unsafeAllowLinkedLibraries });
    log(`  ${name}: storage layout of ${artifact} is compatible`);
    const migration = await pendingMigration(hre, name, entry.address, factory);
    if (migration) log(`  ${name}: the upgrade calls ${MIGRATIONS[name].fn}() (coming from the layout before it)`);
    const proxy = await ethers.getContractAt("AxonUpgradeable", entry.address);
    const [signer] = await ethers.getSigners();
    if (!(await proxy.hasRole(await proxy.UPGRADER_ROLE(), signer.address))) {
      const prepared = await upgrades.prepareUpgrade(entry.address, factory, {
        kind: "uups",
        unsafeAllowLinkedLibraries,
      });
      const to = typeof prepared === "string" ? prepared : ((await prepared.wait())?.contractAddress ?? "");
      const from = entry.implementation ?? "";
      const ownerCalldata = proxy.interface.encodeFunctionData("upgradeToAndCall", [to, migration ?? "0x"]);
      log(`  ${name}: ${signer.address} is not an upgrader; the owner must send ${ownerCalldata} to ${entry.address}`);
      results.push({ name, from, to, changed: from.toLowerCase() !== to.toLowerCase(), ownerCalldata });
      continue;
    }
    const upgraded = await upgrades.upgradeProxy(entry.address, factory, {
      kind: "uups",
      unsafeAllowLinkedLibraries,
      ...(migration ? { call: { fn: MIGRATIONS[name].fn } } : {}),
    });
    await upgraded.waitForDeployment();
    const to = await upgrades.erc1967.getImplementationAddress(entry.address);
    const from = entry.implementation ?? "";
    manifest.contracts[name] = {
      ...entry,
      artifact,
      implementation: to,
      ...(unsafeAllowLinkedLibraries ? { libraries } : {}),
    };
    writeManifest(root, manifest);
    results.push({ name, from, to, changed: from.toLowerCase() !== to.toLowerCase() });
  }
  return results;
}
