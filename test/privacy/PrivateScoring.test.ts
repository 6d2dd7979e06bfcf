import { expect } from "chai";
import fc from "fast-check";
import { ethers, fhevm, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PrivateScoring } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { fheCatchUp, userDecrypt64, userDecryptBool } from "../helpers/fhevm";

const MODEL_MANAGER_ROLE = ethers.id("MODEL_MANAGER_ROLE");
const WORD = 1n << 64n;
const toWord = (v: bigint) => ((v % WORD) + WORD) % WORD;
const fromWord = (w: bigint) => BigInt.asIntN(64, w);
const DEEP = !!process.env.DEEP;

async function scoringFixture() {
  const [admin, manager, user, stranger] = await ethers.getSigners();
  const scoring = await deployProxy<PrivateScoring>("PrivateScoring", [admin.address, ADMIN_DELAY_SECONDS]);
  await scoring.grantRole(MODEL_MANAGER_ROLE, manager.address);
  return { scoring, address: await scoring.getAddress(), admin, manager, user, stranger };
}

async function modelFixture() {
  const f = await scoringFixture();
  await f.scoring.connect(f.manager).setModel([3n, -2n, 5n], -7n, 10n);
  return f;
}

async function encryptFeatures(contract: string, user: string, features: bigint[]) {
  const input = fhevm.createEncryptedInput(contract, user);
  for (const x of features) input.add64(toWord(x));
  return input.encrypt();
}

describe("PrivateScoring", function () {
  it("sets the coprocessor in initialize so the proxy can use FHE", async function () {
    const { scoring } = await loadFixture(scoringFixture);
    await fhevm.assertCoprocessorInitialized(scoring, "PrivateScoring");
  });

  describe("setModel", function () {
    it("stores the model, bumps the version and emits ModelSet", async function () {
      const { scoring, manager } = await loadFixture(scoringFixture);
      await expect(scoring.connect(manager).setModel([1n, -1n], 4n, -3n))
        .to.emit(scoring, "ModelSet")
        .withArgs(1, [1n, -1n], 4n, -3n);
      const [weights, bias, threshold, version] = await scoring.getModel();
      expect(weights).to.deep.equal([1n, -1n]);
      expect([bias, threshold, version]).to.deep.equal([4n, -3n, 1n]);
      await expect(scoring.connect(manager).setModel([2n], 0n, 0n))
        .to.emit(scoring, "ModelSet")
        .withArgs(2, [2n], 0n, 0n);
      expect((await scoring.getModel())[0]).to.deep.equal([2n]);
    });

    it("rejects an empty model and one wider than MAX_FEATURES", async function () {
      const { scoring, manager } = await loadFixture(scoringFixture);
      await expect(scoring.connect(manager).setModel([], 0n, 0n))
        .to.be.revertedWithCustomError(scoring, "PrivateScoringBadDimension")
        .withArgs(0, 8);
      await expect(scoring.connect(manager).setModel(Array(9).fill(1n), 0n, 0n))
        .to.be.revertedWithCustomError(scoring, "PrivateScoringBadDimension")
        .withArgs(9, 8);
      await expect(scoring.connect(manager).setModel(Array(8).fill(1n), 0n, 0n)).to.emit(scoring, "ModelSet");
    });

    it("refuses a caller without MODEL_MANAGER_ROLE", async function () {
      const { scoring, stranger } = await loadFixture(scoringFixture);
      await expect(scoring.connect(stranger).setModel([1n], 0n, 0n))
        .to.be.revertedWithCustomError(scoring, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, MODEL_MANAGER_ROLE);
    });
  });

  describe("score", function () {
    it("reverts before any model is set", async function () {
      const { scoring, address, user } = await loadFixture(scoringFixture);
      await fheCatchUp();
      const enc = await encryptFeatures(address, user.address, [1n]);
      await expect(scoring.connect(user).score(enc.handles, enc.inputProof)).to.be.revertedWithCustomError(
        scoring,
        "PrivateScoringNoModel",
      );
    });

    it("reverts when the feature count does not match the model", async function () {
      const { scoring, address, user } = await loadFixture(modelFixture);
      await fheCatchUp();
      const enc = await encryptFeatures(address, user.address, [1n, 2n]);
      await expect(scoring.connect(user).score(enc.handles, enc.inputProof))
        .to.be.revertedWithCustomError(scoring, "PrivateScoringFeatureCountMismatch")
        .withArgs(2, 3);
    });

    it("reverts while paused", async function () {
      const { scoring, address, user, admin } = await loadFixture(modelFixture);
      await fheCatchUp();
      await scoring.connect(admin).pause();
      const enc = await encryptFeatures(address, user.address, [1n, 2n, 3n]);
      await expect(scoring.connect(user).score(enc.handles, enc.inputProof)).to.be.revertedWithCustomError(
        scoring,
        "EnforcedPause",
      );
    });

    it("computes the score and the decision that only the user can decrypt", async function () {
      const { scoring, address, user, stranger } = await loadFixture(modelFixture);
      await fheCatchUp();
      // 3*4 - 2*(-1) + 5*2 - 7 = 17 >= 10
      const enc = await encryptFeatures(address, user.address, [4n, -1n, 2n]);
      const tx = scoring.connect(user).score(enc.handles, enc.inputProof);
      await expect(tx).to.emit(scoring, "Scored");
      const result = await scoring.lastResultOf(user.address);
      expect(result.modelVersion).to.equal(1n);
      await expect(tx).to.emit(scoring, "Scored").withArgs(user.address, 1, result.score, result.decision);
      const word = await userDecrypt64(result.score, address, user);
      expect(fromWord(word)).to.equal(17n);
      expect(await userDecryptBool(result.decision, address, user)).to.equal(true);
      await expect(userDecrypt64(result.score, address, stranger)).to.be.rejected;
      await expect(userDecryptBool(result.decision, address, stranger)).to.be.rejected;
    });

    it("takes the threshold as a signed bound (negative score below it decides false)", async function () {
      const { scoring, address, user } = await loadFixture(modelFixture);
      await fheCatchUp();
      // 3*(-5) - 2*3 + 5*0 - 7 = -28 < 10
      const enc = await encryptFeatures(address, user.address, [-5n, 3n, 0n]);
      await scoring.connect(user).score(enc.handles, enc.inputProof);
      const result = await scoring.lastResultOf(user.address);
      expect(fromWord(await userDecrypt64(result.score, address, user))).to.equal(-28n);
      expect(await userDecryptBool(result.decision, address, user)).to.equal(false);
    });

    it("decides true exactly at the threshold (T) and false one below (T-1)", async function () {
      const { scoring, address, user, manager } = await loadFixture(scoringFixture);
      await fheCatchUp();
      await scoring.connect(manager).setModel([1n], 0n, -4n);
      for (const [x, expected] of [
        [-5n, false],
        [-4n, true],
        [-3n, true],
      ] as const) {
        const enc = await encryptFeatures(address, user.address, [x]);
        await scoring.connect(user).score(enc.handles, enc.inputProof);
        const result = await scoring.lastResultOf(user.address);
        expect(await userDecryptBool(result.decision, address, user), `x=${x}`).to.equal(expected);
      }
    });

    it("matches the plaintext computation over random models and inputs", async function () {
      const { scoring, address, user, manager } = await loadFixture(scoringFixture);
      await fheCatchUp();
      const int = fc.bigInt({ min: -(1n << 20n), max: 1n << 20n });
      await fc.assert(
        fc.asyncProperty(
          fc
            .integer({ min: 1, max: 8 })
            .chain((n) =>
              fc.tuple(fc.array(int, { minLength: n, maxLength: n }), fc.array(int, { minLength: n, maxLength: n })),
            ),
          int,
          int,
          async ([weights, features], bias, threshold) => {
            await scoring.connect(manager).setModel(weights, bias, threshold);
            const enc = await encryptFeatures(address, user.address, features);
            await scoring.connect(user).score(enc.handles, enc.inputProof);
            const result = await scoring.lastResultOf(user.address);
            const expected = weights.reduce((acc, w, i) => acc + w * features[i], bias);
            const got = fromWord(await userDecrypt64(result.score, address, user));
            expect(got).to.equal(expected);
            expect(await userDecryptBool(result.decision, address, user)).to.equal(expected >= threshold);
          },
        ),
        { numRuns: DEEP ? 200 : 15, seed: 0x5c0de },
      );
    });
  });

  describe("state x action x caller", function () {
    type State = "noModel" | "modelSet" | "paused";
    type Caller = "manager" | "user";
    const TABLE: Record<State, Record<"setModel" | "score", Record<Caller, string>>> = {
      noModel: {
        setModel: { manager: "ok", user: "AccessControlUnauthorizedAccount" },
        score: { manager: "PrivateScoringNoModel", user: "PrivateScoringNoModel" },
      },
      modelSet: {
        setModel: { manager: "ok", user: "AccessControlUnauthorizedAccount" },
        score: { manager: "ok", user: "ok" },
      },
      paused: {
        setModel: { manager: "ok", user: "AccessControlUnauthorizedAccount" },
        score: { manager: "EnforcedPause", user: "EnforcedPause" },
      },
    };
    for (const [state, actions] of Object.entries(TABLE) as [State, (typeof TABLE)[State]][]) {
      for (const [action, callers] of Object.entries(actions) as ["setModel" | "score", Record<Caller, string>][]) {
        for (const [caller, expected] of Object.entries(callers) as [Caller, string][]) {
          it(`${state}: ${action} by ${caller} -> ${expected}`, async function () {
            const f = await loadFixture(state === "noModel" ? scoringFixture : modelFixture);
            if (state === "paused") await f.scoring.connect(f.admin).pause();
            const signer = caller === "manager" ? f.manager : f.user;
            const run = async () => {
              if (action === "setModel") return f.scoring.connect(signer).setModel([1n, 2n, 3n], 0n, 0n);
              const enc = await encryptFeatures(f.address, signer.address, [1n, 2n, 3n]);
              return f.scoring.connect(signer).score(enc.handles, enc.inputProof);
            };
            if (expected === "ok") await expect(run()).to.not.be.reverted;
            else await expect(run()).to.be.revertedWithCustomError(f.scoring, expected);
          });
        }
      }
    }
  });

  describe("upgrade", function () {
    it("keeps the model and results across an upgrade to the same implementation", async function () {
      const { scoring, address, user } = await loadFixture(modelFixture);
      await fheCatchUp();
      const enc = await encryptFeatures(address, user.address, [1n, 1n, 1n]);
      await scoring.connect(user).score(enc.handles, enc.inputProof);
      const before = await scoring.lastResultOf(user.address);
      const factory = await ethers.getContractFactory("PrivateScoring");
      await upgrades.validateUpgrade(address, factory, { kind: "uups" });
      const upgraded = (await upgrades.upgradeProxy(address, factory, { kind: "uups" })) as unknown as PrivateScoring;
      expect((await upgraded.getModel())[0]).to.deep.equal([3n, -2n, 5n]);
      expect(await upgraded.lastResultOf(user.address)).to.deep.equal(before);
      expect(fromWord(await userDecrypt64(before.score, address, user))).to.equal(-1n);
    });
  });

  shouldEnforceAccessMatrix("PrivateScoring", async () => {
    const { scoring, admin, manager, user } = await loadFixture(scoringFixture);
    const implementation = await (await ethers.deployContract("PrivateScoring")).getAddress();
    return {
      contract: scoring,
      callers: { admin, manager, stranger: user },
      roleHolders: {
        [DEFAULT_ADMIN_ROLE]: ["admin"],
        [PAUSER_ROLE]: ["admin"],
        [UPGRADER_ROLE]: ["admin"],
        [MODEL_MANAGER_ROLE]: ["admin", "manager"],
      },
      guards: {
        ...AXON_UPGRADEABLE_GUARDS,
        "renounceRole(bytes32,address)": custom("AccessControlBadConfirmation", ["admin"]),
        "initialize(address,uint48)": ANYONE,
        "setModel(int64[],int64,int64)": role(MODEL_MANAGER_ROLE),
        "score(bytes32[],bytes)": ANYONE,
      },
      args: {
        "setModel(int64[],int64,int64)": [[1n], 0n, 0n],
        "upgradeToAndCall(address,bytes)": [implementation, "0x"],
        "grantRole(bytes32,address)": [PAUSER_ROLE, user.address],
        "revokeRole(bytes32,address)": [PAUSER_ROLE, admin.address],
        "renounceRole(bytes32,address)": [PAUSER_ROLE, admin.address],
      },
    };
  });
});
