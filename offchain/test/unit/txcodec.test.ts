import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Transaction, Wallet, getAddress, hexlify, keccak256 } from "ethers";
import fc from "fast-check";
import { FastSigner, checksumAddress, keccak256Hex, rlpEncode, uintBytes } from "../../src/txcodec";
import { DEV_KEYS } from "../helpers/nodes";

const RUNS = process.env.DEEP ? 500 : 60;
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

describe("fast transaction codec", () => {
  it("hashes like ethers' keccak256, including empty and large inputs", () => {
    for (const b of [new Uint8Array(0), new Uint8Array(135), new Uint8Array(136), new Uint8Array(131_072).fill(7)])
      assert.equal(keccak256Hex(b), keccak256(b));
  });

  it("checksums addresses as EIP-55 (ethers' getAddress) does, and refuses what is not 20 bytes of hex", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (b) => {
        const hex = Buffer.from(b).toString("hex");
        assert.equal(checksumAddress(hex), getAddress(`0x${hex}`));
        assert.equal(checksumAddress(hex.toUpperCase()), getAddress(`0x${hex}`));
      }),
      { numRuns: RUNS * 5 },
    );
    assert.throws(() => checksumAddress("12"), /expected 40 hex digits, got 12/);
  });

  it("encodes RLP integers minimally and long strings and lists with length-of-length prefixes", () => {
    assert.deepEqual(uintBytes(0), Buffer.alloc(0));
    assert.deepEqual(uintBytes(0x0400), Buffer.from([4, 0]));
    assert.throws(() => uintBytes(-1n), /negative/);
    assert.equal(rlpEncode(Buffer.from([0x7f])).toString("hex"), "7f");
    assert.equal(rlpEncode(Buffer.from([0x80])).toString("hex"), "8180");
    assert.equal(rlpEncode([]).toString("hex"), "c0");
    const long = Buffer.alloc(1024, 1);
    assert.equal(rlpEncode(long).subarray(0, 3).toString("hex"), "b90400");
  });

  it("signs EIP-1559 transactions byte for byte as ethers' Wallet does", async () => {
    const key = DEV_KEYS[1];
    const wallet = new Wallet(key);
    const signer = new FastSigner(key);
    assert.equal(getAddress(signer.address()), wallet.address);
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({
            chainId: fc.integer({ min: 1, max: 2 ** 31 }),
            nonce: fc.integer({ min: 0, max: 2 ** 40 }),
            maxPriorityFeePerGas: uint(64),
            maxFeePerGas: uint(96),
            gasLimit: uint(32),
            to: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b))),
            value: uint(128),
            data: fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 60_000, maxLength: 70_000 })),
          })
          .map((t) => ({ ...t, maxPriorityFeePerGas: t.maxPriorityFeePerGas % (t.maxFeePerGas + 1n) })),
        async (tx) => {
          const expected = await wallet.signTransaction({ type: 2, ...tx, data: hexlify(tx.data) });
          const got = signer.signEip1559(tx);
          assert.equal(got.raw, expected);
          assert.equal(got.hash, keccak256(expected));
          assert.equal(Transaction.from(got.raw).from, wallet.address);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("refuses a malformed key or recipient, naming what was wrong", () => {
    assert.throws(() => new FastSigner("0x1234"), /invalid private key/);
    const signer = new FastSigner(DEV_KEYS[0]);
    assert.throws(
      () =>
        signer.signEip1559({
          chainId: 1,
          nonce: 0,
          maxFeePerGas: 1n,
          maxPriorityFeePerGas: 1n,
          gasLimit: 21000,
          to: "0x1234",
          data: new Uint8Array(0),
        }),
      /'to' must be 20 bytes, got 0x1234/,
    );
    assert.throws(
      () =>
        signer.signEip1559({
          chainId: 1,
          nonce: 0,
          maxFeePerGas: 1n,
          maxPriorityFeePerGas: 2n,
          gasLimit: 21000,
          to: DEV_KEYS[0].slice(0, 42),
          data: new Uint8Array(0),
        }),
      /maxPriorityFeePerGas 2 exceeds maxFeePerGas 1/,
    );
  });
});
