import { expect } from "chai";
import { hardhatCli } from "./helpers";

// The demo as CI runs it: a child process, short mode, must exit 0 and print its closing tables.
// SKIP_DEMO_TEST=1 skips it (e.g. when iterating on other deploy tests).
(process.env.SKIP_DEMO_TEST === "1" ? describe.skip : describe)("npm run demo (DEMO_SHORT=1)", function () {
  it("runs every narrated step and ends with the balance and gas tables", async function () {
    const res = await hardhatCli(["run", "scripts/demo.ts"], { DEMO_SHORT: "1" }, 240_000);
    expect(res.code, `${res.stdout}\n${res.stderr}`).to.equal(0);
    const steps = [...res.stdout.matchAll(/^\[(\d+)\/(\d+)\] /gm)];
    expect(steps.length).to.be.greaterThan(10);
    expect(Number(steps.at(-1)![1])).to.equal(Number(steps.at(-1)![2]));
    expect(res.stdout).to.match(/^Balances$/m);
    expect(res.stdout).to.match(/^Gas per step$/m);
    expect(res.stdout).to.match(/all \d+ answered in [\d.]+ s by \d+ batch fulfilment tx/);
    expect(res.stdout).to.match(/buyer decrypted the dataset key/);
    expect(res.stdout).to.match(/^Demo finished in [\d.]+ s$/m);
  });
});
