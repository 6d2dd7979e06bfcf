import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { ERRORS_FILE, collectErrors, renderErrorTable } from "../../scripts/errors";
import { runTaskJson } from "../deploy/helpers";

// Issue #20, point 3: the error table is generated from the ABIs and NatSpec, and CI fails when the committed one is stale.
describe("docs/reference/errors.md", function () {
  it("is what `npm run docs:errors` generates from the current ABIs", async function () {
    const committed = readFileSync(path.join(hre.config.paths.root, ERRORS_FILE), "utf8");
    const fresh = renderErrorTable(await collectErrors(hre));
    expect(committed, "docs/reference/errors.md is stale: run npm run docs:errors").to.equal(fresh);
  });

  it("lists the selector cast shows, the arguments and the NatSpec meaning", async function () {
    const errors = await collectErrors(hre);
    const zeroCallback = errors.find((e) => e.name === "AIOracleZeroCallback");
    expect(zeroCallback?.selector).to.equal(hre.ethers.id("AIOracleZeroCallback()").slice(0, 10));
    const expired = errors.find((e) => e.name === "AIOracleRequestExpired");
    expect(expired?.signature).to.equal("AIOracleRequestExpired(uint256,uint64)");
    expect(expired?.args).to.have.length(2);
    expect(expired?.meaning).to.not.equal("");
    expect(expired?.contracts).to.include("AIOracle");
  });

  it("`axon:decode-error` names any Axon error from raw revert data, and names data it cannot decode", async function () {
    const iface = new hre.ethers.Interface(["error ModelRegistryUnknownModel(uint256 modelId)"]);
    const data = iface.encodeErrorResult("ModelRegistryUnknownModel", [42n]);
    const out = await runTaskJson("axon:decode-error", { data });
    expect(out).to.deep.equal({ error: "ModelRegistryUnknownModel(42)", selector: data.slice(0, 10) });
    await expect(runTaskJson("axon:decode-error", { data: "0xdeadbeef" })).to.be.rejectedWith(
      /no Axon error has selector 0xdeadbeef/,
    );
    await expect(runTaskJson("axon:decode-error", { data: "0x12" })).to.be.rejectedWith(/--data must be 0x-prefixed/);
  });
});
