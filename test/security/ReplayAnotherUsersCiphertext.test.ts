import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PrivateScoring } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import { fheCatchUp, userDecrypt64 } from "../helpers/fhevm";

const WORD = 1n << 64n;
const toWord = (v: bigint) => ((v % WORD) + WORD) % WORD;

// Attacks on PrivateScoring by a party who wants a victim's private score: (1) copy the victim's `score` calldata
// (its ciphertexts and input proof) from the mempool and submit it as its own, to get a score handle it may decrypt;
// (2) pass the victim's stored score handle (public through `lastResultOf`) as a "feature" with an empty proof, so
// that its own result is a function of the victim's score; (3) decrypt the victim's handles directly. Defence (no
// exploit): `FHE.fromExternal` verifies the proof against (contract, msg.sender), an empty proof is accepted only for
// a handle msg.sender is already allowed on (SenderNotAllowedToUseHandle otherwise), and results are allowed to the
// contract and the scorer only.
describe("Security: replaying or reusing another user's ciphertexts in PrivateScoring", function () {
  async function fixture() {
    const [admin, victim, attacker] = await ethers.getSigners();
    const scoring = await deployProxy<PrivateScoring>("PrivateScoring", [admin.address, ADMIN_DELAY_SECONDS]);
    await scoring.setModel([3n, -2n], 1n, 0n);
    return { scoring, address: await scoring.getAddress(), victim, attacker };
  }

  async function victimScores(f: Awaited<ReturnType<typeof fixture>>) {
    const input = fhevm.createEncryptedInput(f.address, f.victim.address);
    input.add64(toWord(40n));
    input.add64(toWord(-7n));
    const enc = await input.encrypt();
    await f.scoring.connect(f.victim).score(enc.handles, enc.inputProof);
    return enc;
  }

  it("refuses the victim's ciphertexts and proof replayed by another account", async function () {
    const f = await loadFixture(fixture);
    await fheCatchUp();
    const enc = await victimScores(f);
    // The input verifier recovers a signer that is not the coprocessor's, since the signed payload names the victim.
    const verifier = new ethers.Interface(["error InvalidSigner(address signerRecovered)"]);
    const data = await f.scoring
      .connect(f.attacker)
      .score.staticCall(enc.handles, enc.inputProof)
      .then(
        () => "0x",
        (e: { data: string }) => e.data,
      );
    expect(verifier.parseError(data)?.name).to.equal("InvalidSigner");
    await expect(f.scoring.connect(f.attacker).score(enc.handles, enc.inputProof)).to.be.reverted;
    expect((await f.scoring.lastResultOf(f.attacker.address)).modelVersion).to.equal(0n);
  });

  it("refuses the victim's stored score handle passed as a feature with an empty proof", async function () {
    const f = await loadFixture(fixture);
    await fheCatchUp();
    await victimScores(f);
    const stolen = (await f.scoring.lastResultOf(f.victim.address)).score;
    await expect(f.scoring.connect(f.attacker).score([stolen, stolen], "0x"))
      .to.be.revertedWithCustomError(f.scoring, "SenderNotAllowedToUseHandle")
      .withArgs(stolen, f.attacker.address);
  });

  it("lets only the victim decrypt its score", async function () {
    const f = await loadFixture(fixture);
    await fheCatchUp();
    await victimScores(f);
    const { score } = await f.scoring.lastResultOf(f.victim.address);
    expect(await userDecrypt64(score, f.address, f.victim)).to.equal(toWord(3n * 40n - 2n * -7n + 1n));
    await expect(userDecrypt64(score, f.address, f.attacker)).to.be.rejected;
  });
});
