import { task } from "hardhat/config";
import { decodeRevert, fail, loadAxonErrors, printResult } from "./lib";

// Names a revert that `cast` or a block explorer shows only as raw data (`custom error 0x…`).
task("axon:decode-error", "Decodes revert data into an Axon custom error with its arguments")
  .addParam("data", "revert data, 0x-prefixed (selector + ABI-encoded arguments)")
  .addFlag("json", "print JSON")
  .setAction(async (args: { data: string; json: boolean }, hre) => {
    if (!/^0x([0-9a-fA-F]{2}){4,}$/.test(args.data))
      fail(`--data must be 0x-prefixed hex revert data of at least 4 bytes (got "${args.data}")`);
    await loadAxonErrors(hre);
    const decoded = decodeRevert(args.data);
    if (!decoded) fail(`no Axon error has selector ${args.data.slice(0, 10)} (see docs/reference/errors.md)`);
    printResult(args.json, { error: decoded, selector: args.data.slice(0, 10).toLowerCase() });
  });
