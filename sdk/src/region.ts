import { type Hex, stringToHex } from "viem";
import { AxonError } from "./errors/base.js";

/** The regions' one encoding: an ISO-3166-1 alpha-2 code as the contracts' `bytes2`, two ASCII letters A-Z. */
const ANY: Hex = "0x0000";

function bad(region: string): never {
  throw new AxonError(
    `region must be two ASCII letters A-Z (ISO 3166-1 alpha-2, e.g. "DE" or "de"), their bytes2 (0x4445) or "any", got "${region}"`,
  );
}

/**
 * A region as the contracts' bytes2: `"DE"` or `"de"` is 0x4445, a 0x-prefixed bytes2 of two letters A-Z is taken as
 * is, `"any"`, `""` and 0x0000 are 0x0000 (no region). Anything else throws AxonError.
 */
export function regionCode(region: string): Hex {
  if (region === "" || region.toLowerCase() === "any") return ANY;
  if (region.startsWith("0x")) {
    if (!/^0x[0-9a-fA-F]{4}$/.test(region)) bad(region);
    const hex = region.toLowerCase() as Hex;
    if (hex === ANY) return ANY;
    if (!/^[A-Z]{2}$/.test(regionName(hex))) bad(region);
    return hex;
  }
  if (!/^[A-Za-z]{2}$/.test(region)) bad(region);
  return stringToHex(region.toUpperCase(), { size: 2 });
}

/** The two letters of a bytes2 region ("" for 0x0000). */
export function regionName(code: Hex): string {
  const n = parseInt(code.slice(2, 6), 16);
  return n === 0 ? "" : String.fromCharCode(n >> 8, n & 0xff);
}
