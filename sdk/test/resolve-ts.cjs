// Lets ts-node (CommonJS) run the SDK's sources, whose relative imports name the emitted `.js` files as ES modules
// require: `./x.js` resolves to `./x.ts` when only the TypeScript source exists. `@axon/sdk` (not linked until the
// package joins the root workspaces) resolves to the sources, so the docs' scripts run as written.
const Module = require("node:module");
const path = require("node:path");
const original = Module._resolveFilename;
const SDK = path.join(__dirname, "..", "src", "index.ts");
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === "@axon/sdk") return SDK;
  try {
    return original.call(this, request, parent, ...rest);
  } catch (err) {
    if (request.startsWith(".") && request.endsWith(".js"))
      return original.call(this, request.slice(0, -3) + ".ts", parent, ...rest);
    throw err;
  }
};
