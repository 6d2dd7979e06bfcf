// Lets ts-node (CommonJS) run the SDK's sources, whose relative imports name the emitted `.js` files as ES modules
// require: `./x.js` resolves to `./x.ts` when only the TypeScript source exists.
const Module = require("node:module");
const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  try {
    return original.call(this, request, parent, ...rest);
  } catch (err) {
    if (request.startsWith(".") && request.endsWith(".js"))
      return original.call(this, request.slice(0, -3) + ".ts", parent, ...rest);
    throw err;
  }
};
