// The runner's hot path: a fulfilment transaction carries ~130 KB of calldata, and ethers' pure-JS keccak and
// hex-string RLP cost milliseconds per transaction (and per request, once divided by batch size only barely less).
// Here the EIP-1559 transaction is RLP-encoded on Buffers, hashed with native keccak and signed with native
// secp256k1 (both loaded through their packages, which fall back to JS when no prebuilt binding fits the host).

/* eslint-disable @typescript-eslint/no-require-imports */
const createKeccak = require("keccak") as (alg: "keccak256") => {
  update(b: Buffer): { digest(): Buffer };
};
const secp = require("secp256k1") as {
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(key: Uint8Array, compressed: boolean): Uint8Array;
  privateKeyVerify(key: Uint8Array): boolean;
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function keccak256Bytes(b: Uint8Array): Buffer {
  // the binding takes Buffers only: wrap (no copy) other views
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return createKeccak("keccak256").update(buf).digest();
}

export function keccak256Hex(b: Uint8Array): string {
  return `0x${keccak256Bytes(b).toString("hex")}`;
}

/** EIP-55 mixed-case checksum of 40 hex digits (no 0x), with native keccak: ethers' getAddress costs ~0.1 ms. */
export function checksumAddress(hex40: string): string {
  const lower = hex40.toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error(`address: expected 40 hex digits, got ${hex40}`);
  const h = keccak256Bytes(Buffer.from(lower, "ascii"));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (h[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

export function hexToBuffer(hex: string): Buffer {
  return Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
}

/** Minimal big-endian bytes of a non-negative integer (0 is the empty string, as RLP wants it). */
export function uintBytes(v: bigint | number): Buffer {
  const n = BigInt(v);
  if (n < 0n) throw new RangeError(`rlp: negative integer ${n}`);
  if (n === 0n) return Buffer.alloc(0);
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, "hex");
}

type RlpItem = Uint8Array | RlpItem[];

function rlpLength(len: number, offset: number): Buffer {
  if (len < 56) return Buffer.from([offset + len]);
  const l = uintBytes(len);
  return Buffer.concat([Buffer.from([offset + 55 + l.length]), l]);
}

/** RLP of byte strings and lists (the Ethereum yellow paper, appendix B). */
export function rlpEncode(item: RlpItem): Buffer {
  if (Array.isArray(item)) {
    const body = Buffer.concat(item.map(rlpEncode));
    return Buffer.concat([rlpLength(body.length, 0xc0), body]);
  }
  if (item.length === 1 && item[0] < 0x80) return Buffer.from(item);
  return Buffer.concat([rlpLength(item.length, 0x80), item]);
}

export interface Eip1559Tx {
  chainId: number;
  nonce: number;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  gasLimit: bigint | number;
  to: string;
  value?: bigint;
  data: Uint8Array;
}

export interface SignedTx {
  /** 0x-prefixed hex of the typed envelope, exactly what `eth_sendRawTransaction` takes. */
  raw: string;
  /** keccak256 of the envelope: the transaction hash. */
  hash: string;
}

function fields(tx: Eip1559Tx): RlpItem[] {
  const to = hexToBuffer(tx.to);
  if (to.length !== 20) throw new Error(`tx: 'to' must be 20 bytes, got ${tx.to}`);
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas)
    throw new Error(`tx: maxPriorityFeePerGas ${tx.maxPriorityFeePerGas} exceeds maxFeePerGas ${tx.maxFeePerGas}`);
  return [
    uintBytes(tx.chainId),
    uintBytes(tx.nonce),
    uintBytes(tx.maxPriorityFeePerGas),
    uintBytes(tx.maxFeePerGas),
    uintBytes(tx.gasLimit),
    to,
    uintBytes(tx.value ?? 0n),
    tx.data,
    [],
  ];
}

/** Signs with a node key kept as bytes; one instance per key. */
export class FastSigner {
  private readonly key: Buffer;

  constructor(privateKeyHex: string) {
    this.key = hexToBuffer(privateKeyHex);
    if (this.key.length !== 32 || !secp.privateKeyVerify(this.key)) throw new Error("tx: invalid private key");
  }

  /** Address of the key (checksummed by the caller when shown). */
  address(): string {
    const pub = secp.publicKeyCreate(this.key, false);
    return `0x${keccak256Bytes(pub.subarray(1)).subarray(12).toString("hex")}`;
  }

  /** Signs an EIP-1559 (type 2) transaction with an empty access list. */
  signEip1559(tx: Eip1559Tx): SignedTx {
    const body = fields(tx);
    const digest = keccak256Bytes(Buffer.concat([Buffer.from([2]), rlpEncode(body)]));
    const { signature, recid } = secp.ecdsaSign(digest, this.key);
    const r = uintBytes(BigInt(`0x${Buffer.from(signature.subarray(0, 32)).toString("hex")}`));
    const s = uintBytes(BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString("hex")}`));
    const envelope = Buffer.concat([Buffer.from([2]), rlpEncode([...body, uintBytes(recid), r, s])]);
    return { raw: `0x${envelope.toString("hex")}`, hash: keccak256Hex(envelope) };
  }
}
