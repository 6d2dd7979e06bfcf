import { FhevmType } from "@fhevm/hardhat-plugin";
import { ensureFhevm } from "../../tasks/fhe";
import type { DemoPart } from "./context";

const WORD = 1n << 64n;
const toWord = (v: bigint) => ((v % WORD) + WORD) % WORD;

/** A private score: the user's features are encrypted, the score is computed under FHE and only the user decrypts. */
export const privacySteps: DemoPart = {
  count: 1,
  async run({ hre, narrator, deployment, actors }) {
    const { fhevm } = hre;
    const { scoring } = deployment;
    const user = actors.scoringUser;

    await narrator.step(
      "A private FHE score: encrypted features in, an encrypted score only the user can read",
      async () => {
        await ensureFhevm(hre);
        const weights = [3n, -2n, 5n, 1n];
        const bias = -7n;
        const threshold = 10n;
        await narrator.tx("admin sets a 4-feature linear model", scoring.setModel(weights, bias, threshold));
        const features = [4n, 1n, 2n, -3n];
        const address = await scoring.getAddress();
        const input = fhevm.createEncryptedInput(address, user.address);
        for (const x of features) input.add64(toWord(x));
        const enc = await input.encrypt();
        await narrator.tx(
          "user submits 4 encrypted features",
          scoring.connect(user).score(enc.handles, enc.inputProof),
        );
        const result = await scoring.lastResultOf(user.address);
        const score = BigInt.asIntN(64, await fhevm.userDecryptEuint(FhevmType.euint64, result.score, address, user));
        const decision = await fhevm.userDecryptEbool(result.decision, address, user);
        const expected = features.reduce((acc, x, i) => acc + x * weights[i], bias);
        if (score !== expected) throw new Error(`decrypted score ${score} differs from the plaintext ${expected}`);
        narrator.say(`user decrypts score ${score} (>= ${threshold}: ${decision}); nobody else can read it`);
      },
    );
  },
};
