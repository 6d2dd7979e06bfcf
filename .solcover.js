// solidity-coverage settings for `npx hardhat coverage` (run it through `npm run coverage` = scripts/coverage.mjs).
module.exports = {
  // Mocks exist only to attack the real contracts and examples only to show integrators the API: neither is measured.
  skipFiles: ["mocks", "examples"],
  // Gates (scripts/coverage.mjs): lines >= 98 %, branches >= 92 % over contracts/ without mocks/ and examples/.
  istanbulReporter: ["text", "json-summary", "lcov", "html"],
  mocha: { timeout: 600_000 },
};
