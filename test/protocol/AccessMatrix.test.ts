import { expect } from "chai";
import { artifacts, ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, Signer } from "ethers";
import { ANYONE, shouldEnforceAccessMatrix } from "../helpers/accessMatrix";
import type { AccessMatrixSpec, Guard } from "../helpers/accessMatrix";
import { PAUSER_ROLE } from "../helpers/constants";
import { ALL_ROLES, CHECKED_IN_DOMAIN_SUITE, CLASSIFICATION } from "./accessClassification";
import { deployProtocolWithEntities } from "./fixture";

/** Source folders whose contracts are not deployed protocol contracts. */
const NOT_DEPLOYED = [/^contracts\/mocks\//, /^contracts\/examples\//, /\/interfaces\//, /\/libraries\//];

/** Every deployable (non-abstract, non-library) contract under contracts/ without mocks, examples and interfaces. */
async function deployableContracts(): Promise<{ name: string; signatures: string[] }[]> {
  const out: { name: string; signatures: string[] }[] = [];
  for (const fqn of await artifacts.getAllFullyQualifiedNames()) {
    const [source] = fqn.split(":");
    if (!source.startsWith("contracts/") || NOT_DEPLOYED.some((re) => re.test(source))) continue;
    const artifact = await artifacts.readArtifact(fqn);
    if (artifact.bytecode === "0x") continue;
    const iface = new ethers.Interface(artifact.abi);
    const signatures: string[] = [];
    iface.forEachFunction((f) => {
      if (f.stateMutability !== "view" && f.stateMutability !== "pure") signatures.push(f.format("sighash"));
    });
    out.push({ name: artifact.contractName, signatures: signatures.sort() });
  }
  return out;
}

describe("Protocol access matrix", function () {
  describe("classification", function () {
    it("has a table for every deployable contract under contracts/ and no table for a contract that is gone", async function () {
      const names = (await deployableContracts()).map((c) => c.name).sort();
      expect(names.length, "deployable contracts found").to.be.greaterThan(5);
      expect(
        names.filter((n) => !(n in CLASSIFICATION)),
        "contracts without a classification table",
      ).to.deep.equal([]);
      expect(
        Object.keys(CLASSIFICATION).filter((n) => !names.includes(n)),
        "tables of unknown contracts",
      ).to.deep.equal([]);
    });

    it("classifies every state-changing function of every contract and nothing else", async function () {
      for (const { name, signatures } of await deployableContracts()) {
        const table = CLASSIFICATION[name] ?? {};
        expect(
          signatures.filter((s) => !(s in table)),
          `${name}: unclassified functions`,
        ).to.deep.equal([]);
        expect(
          Object.keys(table).filter((s) => !signatures.includes(s)),
          `${name}: stale entries`,
        ).to.deep.equal([]);
      }
    });

    it("routes pause, unpause and upgrades through roles on every AxonUpgradeable contract", async function () {
      for (const [name, table] of Object.entries(CLASSIFICATION)) {
        if (!("upgradeToAndCall(address,bytes)" in table)) continue;
        for (const sig of ["pause()", "unpause()", "upgradeToAndCall(address,bytes)", "grantRole(bytes32,address)"]) {
          expect(table[sig].kind, `${name}.${sig}`).to.equal("role");
        }
      }
    });
  });

  type Entities = Awaited<ReturnType<typeof deployProtocolWithEntities>>;

  /** A spec over the full deployment: the table's guards, role holders read from the chain, fixture-specific args. */
  async function spec(
    name: string,
    contract: BaseContract,
    callers: Record<string, Signer>,
    args: Record<string, unknown[]> = {},
  ): Promise<AccessMatrixSpec> {
    const guards: Record<string, Guard> = { ...CLASSIFICATION[name] };
    // Guards that need a state this fixture does not build are exercised by their domain suite (see the table).
    for (const sig of Object.keys(CHECKED_IN_DOMAIN_SUITE[name] ?? {})) guards[sig] = ANYONE;
    const roleHolders: Record<string, string[]> = {};
    const hasRole = contract.interface.getFunction("hasRole(bytes32,address)");
    for (const r of ALL_ROLES) {
      roleHolders[r] = [];
      if (!hasRole) continue;
      for (const [callerName, signer] of Object.entries(callers)) {
        if (await contract.getFunction("hasRole")(r, await signer.getAddress())) roleHolders[r].push(callerName);
      }
    }
    return { contract, callers, roleHolders, guards, args };
  }

  /** Arguments shared by the AxonUpgradeable role-guarded functions. */
  async function upgradeArgs(f: Entities, implementationName: string, libraries?: Record<string, string>) {
    const implementation = await (await ethers.getContractFactory(implementationName, { libraries })).deploy();
    return {
      "grantRole(bytes32,address)": [PAUSER_ROLE, f.stranger.address],
      "revokeRole(bytes32,address)": [PAUSER_ROLE, f.stranger.address],
      "upgradeToAndCall(address,bytes)": [await implementation.getAddress(), "0x"],
    };
  }

  shouldEnforceAccessMatrix("Treasury (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    return spec(
      "Treasury",
      f.treasury,
      { admin: f.admin, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "Treasury")),
        "withdrawETH(address,uint256)": [f.stranger.address, 0n],
      },
    );
  });

  shouldEnforceAccessMatrix("OperatorStaking (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    const svc = await f.registry.ORACLE_SERVICE();
    return spec(
      "OperatorStaking",
      f.staking,
      { admin: f.admin, node: f.node, provider: f.provider, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "OperatorStaking")),
        "lock(address,bytes32,uint256)": [f.node.address, svc, 1n],
        "unlock(address,bytes32,uint256)": [f.node.address, svc, 1n],
        "slash(address,bytes32,uint256,address,uint256,bytes32)": [
          f.node.address,
          svc,
          1n,
          ethers.ZeroAddress,
          0n,
          ethers.id("evidence"),
        ],
        "jail(address,bytes32,uint64)": [f.node.address, svc, 2n ** 40n],
      },
    );
  });

  shouldEnforceAccessMatrix("ModelRegistry (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    const m = f.modelId;
    return spec(
      "ModelRegistry",
      f.registry,
      { admin: f.admin, creator: f.creator, node: f.node, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "ModelRegistry")),
        "setFee(uint256,uint96)": [m, 1n],
        "setMetadataURI(uint256,string)": [m, "ipfs://x"],
        "setWeightsHash(uint256,bytes32)": [m, ethers.id("w2")],
        "setVerification(uint256,(uint8,uint8,uint8,uint32,uint128))": [
          m,
          { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0n },
        ],
        "setRevenueReceiver(uint256,address)": [m, f.stranger.address],
        "transferModelOwnership(uint256,address)": [m, f.stranger.address],
        "addNode(uint256,address)": [m, f.node2.address],
        "lockRevenueReceiver(uint256,address)": [m, f.stranger.address],
        "setModelActive(uint256,bool)": [m, false],
        "removeNode(uint256,address)": [m, f.node.address],
      },
    );
  });

  shouldEnforceAccessMatrix("AIOracle (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    const { requestId, req } = f.pending;
    const lib = await (await ethers.getContractFactory("AIOracleLogic")).deploy();
    const reqSig = Object.keys(CLASSIFICATION.AIOracle).find((s) => s.startsWith("fulfil("))!;
    const resolveSig = Object.keys(CLASSIFICATION.AIOracle).find((s) => s.startsWith("resolveChallenge("))!;
    return spec(
      "AIOracle",
      f.oracle,
      { admin: f.admin, node: f.node, arbiter: f.arbiter, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "AIOracle", { AIOracleLogic: await lib.getAddress() })),
        [reqSig]: [requestId, req, "0x07", 0],
        [resolveSig]: [requestId, req, true],
        "setTreasury(address)": [f.stranger.address],
        "setFeeConfig((uint96,uint16,uint64,uint64))": [
          { nodeFeeWei: 1n, protocolFeeBps: 100, minGasPriceWei: 1n, maxGasPriceWei: 10n ** 11n },
        ],
      },
    );
  });

  shouldEnforceAccessMatrix("ModelOffering (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    return spec(
      "ModelOffering",
      f.offering,
      { admin: f.admin, creator: f.creator, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "ModelOffering")),
        "setTokenImplementation(address)": [f.stranger.address],
        "setTreasury(address)": [f.stranger.address],
        "setTokenRedeemBps(uint256,uint16)": [f.modelId, 0],
        "setTokenRevenueAsset(uint256,address,bool)": [f.modelId, f.stranger.address, true],
        "setTokenStreamPeriod(uint256,uint32)": [f.modelId, 3600],
      },
    );
  });

  shouldEnforceAccessMatrix("ModelToken (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    const offering = await ethers.getImpersonatedSigner(await f.offering.getAddress());
    return spec(
      "ModelToken",
      f.token,
      { offering, creator: f.creator, stranger: f.stranger },
      {
        "setStreamPeriod(uint32)": [3600],
        "setRevenueAsset(address,bool)": [f.stranger.address, true],
      },
    );
  });

  shouldEnforceAccessMatrix("ComputeEscrow (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    const lib = await (await ethers.getContractFactory("ComputeEscrowLib")).deploy();
    return spec(
      "ComputeEscrow",
      f.escrow,
      { admin: f.admin, requester: f.requester, provider: f.provider, arbiter: f.arbiter, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "ComputeEscrow", { ComputeEscrowLib: await lib.getAddress() })),
        "cancel(uint256)": [f.openJob],
        "start(uint256)": [f.claimedJob],
        "submitResult(uint256,bytes32,string)": [f.runningJob, ethers.id("r"), "ipfs://r"],
        "accept(uint256)": [f.submittedJob],
        "dispute(uint256,bytes32)": [f.submittedJob, ethers.id("why")],
        "resolveDispute(uint256,bool)": [f.submittedJob, true],
      },
    );
  });

  shouldEnforceAccessMatrix("LabelingBounties (full protocol)", async () => {
    const f = await loadFixture(deployProtocolWithEntities);
    return spec(
      "LabelingBounties",
      f.bounties,
      { admin: f.admin, requester: f.requester, stranger: f.stranger },
      {
        ...(await upgradeArgs(f, "LabelingBounties")),
        "setExporter(address)": [f.stranger.address],
        "setTreasury(address)": [f.stranger.address],
      },
    );
  });
});
