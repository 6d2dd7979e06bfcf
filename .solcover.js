// solidity-coverage settings for `npx hardhat coverage` (run it through `npm run coverage` = scripts/coverage.mjs).
module.exports = {
  // Mocks exist only to attack the real contracts and examples only to show integrators the API: neither is measured.
  skipFiles: ["mocks", "examples"],
  istanbulReporter: ["text", "json-summary", "lcov", "html"],
  mocha: { timeout: 600_000 },
};
