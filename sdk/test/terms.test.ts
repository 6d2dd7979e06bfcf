import { expect } from "chai";
import fc from "fast-check";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { type RequestSnapshotTerms, packRequestTerms, requestFeeWei, unpackRequestTerms } from "../src/index.js";

const word = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
// `timing` uses its low 240 bits (exclusiveUntil 40, deadline 40, challenge window 32, bond 128).
const timingWord = fc.bigInt({ min: 0n, max: (1n << 240n) - 1n });
const ROOT = join(__dirname, "..", "..");

// One encoding in the repo: the runner's request-terms and canonical-output modules are links to the SDK's, so the
// runner, the tasks, the demo and integrators read the same bytes the same way.
describe("request terms and canonical output: one implementation", function () {
  it("the runner's modules are the SDK's files", function () {
    const real = (p: string) => realpathSync(join(ROOT, p));
    expect(real("offchain/src/requestTerms.ts")).to.equal(real("sdk/src/oracle/terms.ts"));
    expect(real("offchain/src/canonical.ts")).to.equal(real("sdk/src/canonical.ts"));
  });

  it("unpacks any three words and packs them back (to 240 bits of timing)", function () {
    fc.assert(
      fc.property(word, word, timingWord, (receiverFee, fees, timing) => {
        const terms: RequestSnapshotTerms = unpackRequestTerms({ receiverFee, fees, timing });
        expect(packRequestTerms(terms)).to.deep.equal({ receiverFee, fees, timing });
        const base = terms.modelFeeWei + terms.nodeFeeWei + terms.gasFeeWei;
        expect(requestFeeWei(terms)).to.equal(base + (base * BigInt(terms.protocolFeeBps)) / 10_000n);
      }),
      { numRuns: 200 },
    );
  });
});
