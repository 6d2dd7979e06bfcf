import { expect } from "chai";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import {
  ROOT,
  compileInFoundryProject,
  compileInHardhatProject,
  compileInRepoWithForge,
  solidityFiles,
} from "../../scripts/outside-project";

// Issue #20, point 2: the consumer in docs/INTEGRATING.md, exactly as written, compiles against the @axon/contracts
// package (contracts/package.json) in an outside Hardhat project, an outside Foundry project and this repository.
(process.env.SOLIDITY_COVERAGE === "true" ? describe.skip : describe)(
  "docs/INTEGRATING.md's Solidity compiles as written",
  function () {
    this.timeout(600_000);
    const sources = solidityFiles(path.join(ROOT, "docs", "INTEGRATING.md"));
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    it("has a whole consumer contract importing @axon/contracts", function () {
      expect(sources.map((s) => s.name)).to.include("DigitReader");
      for (const s of sources) expect(s.source).to.match(/from "@axon\/contracts\//);
    });

    it("in an outside Hardhat project with @axon/contracts installed", function () {
      const res = compileInHardhatProject(sources);
      dirs.push(res.dir);
      expect(res.code, res.output).to.equal(0);
      for (const s of sources)
        expect(existsSync(path.join(res.dir, "artifacts", "contracts", `${s.name}.sol`, `${s.name}.json`))).to.equal(
          true,
        );
    });

    it("in an outside Foundry project with the documented remapping", function () {
      const res = compileInFoundryProject(sources);
      dirs.push(res.dir);
      expect(res.code, res.output).to.equal(0);
      for (const s of sources)
        expect(existsSync(path.join(res.dir, "out", `${s.name}.sol`, `${s.name}.json`))).to.equal(true);
    });

    it("inside this repository with forge", function () {
      const res = compileInRepoWithForge(sources);
      dirs.push(res.dir);
      expect(res.code, res.output).to.equal(0);
      for (const s of sources)
        expect(existsSync(path.join(res.dir, "out", `${s.name}.sol`, `${s.name}.json`))).to.equal(true);
    });
  },
);
