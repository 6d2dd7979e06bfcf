// Mocha root hooks: one anvil deployment for every test file, stopped at the end.
import { stopTestChain } from "./chain";

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestChain();
  },
};
