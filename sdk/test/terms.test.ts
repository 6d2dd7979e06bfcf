import { expect } from "chai";
import fc from "fast-check";
import * as runner from "../../offchain/src/requestTerms";
import { type RequestSnapshotTerms, packRequestTerms, requestFeeWei, unpackRequestTerms } from "../src/index.js";

const word = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
// `timing` uses its low 240 bits (exclusiveUntil 40, deadline 40, challenge window 32, bond 128).
const timingWord = fc.bigInt({ min: 0n, max: (1n << 240n) - 1n });

// The oracle's packed request terms are decoded in two places: the SDK (this package) and the runner, which must not
// depend on the SDK (its bundle carries only its own code). Both must agree bit for bit.
describe("request terms: the SDK and the runner decode the same layout", function () {
  it("unpacks any three words identically", function () {
    fc.assert(
      fc.property(word, word, word, (receiverFee, fees, timing) => {
        const words = { receiverFee, fees, timing };
        expect(unpackRequestTerms(words)).to.deep.equal(runner.unpackRequestTerms(words));
      }),
      { numRuns: 200 },
    );
  });

  it("packs back to the same words and prices the request the same way", function () {
    fc.assert(
      fc.property(word, word, timingWord, (receiverFee, fees, timing) => {
        const terms: RequestSnapshotTerms = unpackRequestTerms({ receiverFee, fees, timing });
        expect(packRequestTerms(terms)).to.deep.equal(runner.packRequestTerms(terms));
        expect(packRequestTerms(terms)).to.deep.equal({ receiverFee, fees, timing });
        expect(requestFeeWei(terms)).to.equal(runner.requestFeeWei(terms));
      }),
      { numRuns: 200 },
    );
  });
});
