import { expect } from "chai";
import { ethers } from "ethers";
import type { BaseContract, FunctionFragment, ParamType, Signer } from "ethers";
import { DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "./constants";

/**
 * How an external state-changing function is guarded.
 * - `anyone`: no caller restriction (it may still revert on its own checks).
 * - `role`: OpenZeppelin AccessControl role; callers without it get AccessControlUnauthorizedAccount(caller, role).
 * - `custom`: a guard of the contract's own; callers not in `allowed` get the custom error `error`.
 */
export type Guard =
  { kind: "anyone" } | { kind: "role"; role: string } | { kind: "custom"; error: string; allowed: string[] };

export interface AccessMatrixSpec {
  /** The contract under test, connected to any signer. */
  contract: BaseContract;
  /** Named callers: every role holder of interest plus at least one `stranger`. */
  callers: Record<string, Signer>;
  /** Which named callers hold each role id (for `role` guards). */
  roleHolders: Record<string, string[]>;
  /** Every non-view function of the ABI, by its full signature (e.g. "slash(address,bytes32,uint256,address,uint256,bytes32)"). */
  guards: Record<string, Guard>;
  /** Argument overrides for functions whose zero-value arguments would fail before the guard runs. */
  args?: Record<string, unknown[]>;
}

export const ANYONE: Guard = { kind: "anyone" };
export const role = (id: string): Guard => ({ kind: "role", role: id });
export const custom = (error: string, allowed: string[]): Guard => ({ kind: "custom", error, allowed });

/**
 * The guards every AxonUpgradeable contract inherits (AccessControlDefaultAdminRules, Pausable, UUPS). `renounceRole`
 * and `initialize` are left to each table: whether a zero-argument call reaches their checks depends on the contract.
 */
export const AXON_UPGRADEABLE_GUARDS: Record<string, Guard> = {
  "acceptDefaultAdminTransfer()": custom("AccessControlInvalidDefaultAdmin", []),
  "beginDefaultAdminTransfer(address)": role(DEFAULT_ADMIN_ROLE),
  "cancelDefaultAdminTransfer()": role(DEFAULT_ADMIN_ROLE),
  "changeDefaultAdminDelay(uint48)": role(DEFAULT_ADMIN_ROLE),
  "rollbackDefaultAdminDelay()": role(DEFAULT_ADMIN_ROLE),
  "grantRole(bytes32,address)": role(DEFAULT_ADMIN_ROLE),
  "revokeRole(bytes32,address)": role(DEFAULT_ADMIN_ROLE),
  "pause()": role(PAUSER_ROLE),
  "unpause()": role(PAUSER_ROLE),
  "upgradeToAndCall(address,bytes)": role(UPGRADER_ROLE),
};

/** The state-changing functions of a contract's ABI, by signature. */
export function mutatingSignatures(contract: BaseContract): string[] {
  const out: string[] = [];
  contract.interface.forEachFunction((f: FunctionFragment) => {
    if (f.stateMutability !== "view" && f.stateMutability !== "pure") out.push(f.format("sighash"));
  });
  return out.sort();
}

function zeroValue(p: ParamType): unknown {
  if (p.baseType === "array")
    return p.arrayLength && p.arrayLength > 0 ? Array(p.arrayLength).fill(zeroValue(p.arrayChildren!)) : [];
  if (p.baseType === "tuple") return p.components!.map(zeroValue);
  if (p.baseType === "address") return ethers.ZeroAddress;
  if (p.baseType === "bool") return false;
  if (p.baseType === "string") return "";
  if (p.baseType === "bytes") return "0x";
  if (p.baseType.startsWith("bytes")) return ethers.zeroPadValue("0x", Number(p.baseType.slice(5)));
  return 0n;
}

function revertData(err: unknown): string | undefined {
  const e = err as { data?: string; error?: { data?: string }; info?: { error?: { data?: string } } };
  return e?.data ?? e?.error?.data ?? e?.info?.error?.data;
}

/**
 * Registers mocha tests proving that every state-changing function is classified and that each guard admits exactly
 * its callers. A function added to the contract without a classification fails the first test.
 */
export function shouldEnforceAccessMatrix(name: string, build: () => Promise<AccessMatrixSpec>): void {
  describe(`${name} access matrix`, function () {
    it("classifies every state-changing function", async function () {
      const spec = await build();
      const abi = mutatingSignatures(spec.contract);
      const unclassified = abi.filter((s) => !(s in spec.guards));
      const stale = Object.keys(spec.guards).filter((s) => !abi.includes(s));
      expect(unclassified, "unclassified functions").to.deep.equal([]);
      expect(stale, "classified functions missing from the ABI").to.deep.equal([]);
    });

    it("admits exactly the callers each guard allows", async function () {
      const spec = await build();
      const iface = spec.contract.interface;
      for (const [sig, guard] of Object.entries(spec.guards)) {
        if (guard.kind === "anyone") continue;
        const fragment = iface.getFunction(sig)!;
        const args = spec.args?.[sig] ?? fragment.inputs.map(zeroValue);
        for (const [callerName, signer] of Object.entries(spec.callers)) {
          const address = await signer.getAddress();
          const allowed =
            guard.kind === "role"
              ? (spec.roleHolders[guard.role] ?? []).includes(callerName)
              : guard.allowed.includes(callerName);
          const expected = guard.kind === "role" ? "AccessControlUnauthorizedAccount" : guard.error;
          let denied: string | undefined;
          try {
            await (spec.contract.connect(signer) as BaseContract).getFunction(sig).staticCall(...args);
          } catch (err) {
            const data = revertData(err);
            const parsed = data && data !== "0x" ? iface.parseError(data) : null;
            if (parsed?.name === expected) {
              if (guard.kind === "role") {
                expect(parsed.args[0], `${sig} denial names the caller`).to.equal(address);
                expect(parsed.args[1], `${sig} denial names the role`).to.equal(guard.role);
              }
              denied = parsed.name;
            }
          }
          if (allowed) expect(denied, `${callerName} must pass the guard of ${sig}`).to.equal(undefined);
          else expect(denied, `${callerName} must be refused by ${sig}`).to.equal(expected);
        }
      }
    });
  });
}
