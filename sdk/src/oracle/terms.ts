// The bit layout of the oracle's compact `Request` (IAIOracle.Request, decoded on chain by `AIOracleRequests`): the
// terms snapshotted at request time are packed into three words. This module is the only off-chain place that
// knows the layout; the runner's codec, the tasks and the demo read the terms through it. No dependencies, so the
// Hardhat tasks import it without loading the runner or viem. The runner carries this very file:
// offchain/src/requestTerms.ts is a link to it (the runner's tsc compiles it as one of its own sources).

/** The `Request` fields in declaration (ABI) order. */
export const REQUEST_FIELDS = [
  "requester",
  "callback",
  "modelId",
  "inputHash",
  "receiverFee",
  "fees",
  "timing",
  "callbackData",
  "nodes",
] as const;

/** The terms a request snapshotted, unpacked from `receiverFee`, `fees` and `timing`. */
export interface RequestTerms {
  /** The model's revenue receiver at request time (lower case). */
  revenueReceiver: string;
  modelFeeWei: bigint;
  nodeFeeWei: bigint;
  gasFeeWei: bigint;
  protocolFeeBps: number;
  callbackGasLimit: number;
  /** `ModelRegistryModes.MODE_*`. */
  mode: number;
  /** Quorum: agreeing votes needed; Optimistic: bonded node votes that decide a challenge (0: the arbiter). */
  quorumK: number;
  exclusiveUntil: number;
  deadline: number;
  challengeWindowSeconds: number;
  bondWei: bigint;
}

/** `[lowest bit, width]` of each packed field, by word. */
const LAYOUT = {
  receiverFee: { revenueReceiver: [0, 160], modelFeeWei: [160, 96] },
  fees: {
    nodeFeeWei: [0, 96],
    gasFeeWei: [96, 96],
    protocolFeeBps: [192, 16],
    callbackGasLimit: [208, 32],
    mode: [240, 8],
    quorumK: [248, 8],
  },
  timing: { exclusiveUntil: [0, 40], deadline: [40, 40], challengeWindowSeconds: [80, 32], bondWei: [112, 128] },
} as const;

type Word = keyof typeof LAYOUT;
type Field<W extends Word> = keyof (typeof LAYOUT)[W];

function bits<W extends Word>(word: bigint, w: W, f: Field<W>): bigint {
  const [at, width] = LAYOUT[w][f] as readonly [number, number];
  return (word >> BigInt(at)) & ((1n << BigInt(width)) - 1n);
}

/** Unpacks the terms of a request from its three packed words (as bigints, e.g. from an ethers-decoded struct). */
export function unpackRequestTerms(words: { receiverFee: bigint; fees: bigint; timing: bigint }): RequestTerms {
  const { receiverFee, fees, timing } = words;
  return {
    revenueReceiver: `0x${bits(receiverFee, "receiverFee", "revenueReceiver").toString(16).padStart(40, "0")}`,
    modelFeeWei: bits(receiverFee, "receiverFee", "modelFeeWei"),
    nodeFeeWei: bits(fees, "fees", "nodeFeeWei"),
    gasFeeWei: bits(fees, "fees", "gasFeeWei"),
    protocolFeeBps: Number(bits(fees, "fees", "protocolFeeBps")),
    callbackGasLimit: Number(bits(fees, "fees", "callbackGasLimit")),
    mode: Number(bits(fees, "fees", "mode")),
    quorumK: Number(bits(fees, "fees", "quorumK")),
    exclusiveUntil: Number(bits(timing, "timing", "exclusiveUntil")),
    deadline: Number(bits(timing, "timing", "deadline")),
    challengeWindowSeconds: Number(bits(timing, "timing", "challengeWindowSeconds")),
    bondWei: bits(timing, "timing", "bondWei"),
  };
}

function put<W extends Word>(w: W, f: Field<W>, v: bigint | number): bigint {
  const [at, width] = LAYOUT[w][f] as readonly [number, number];
  const n = BigInt(v);
  if (n < 0n || n >= 1n << BigInt(width))
    throw new RangeError(`request terms: ${String(f)} ${n} does not fit ${width} bits`);
  return n << BigInt(at);
}

/** Packs terms into the three words (the inverse of `unpackRequestTerms`; the oracle does this on chain). */
export function packRequestTerms(t: RequestTerms): { receiverFee: bigint; fees: bigint; timing: bigint } {
  return {
    receiverFee:
      put("receiverFee", "revenueReceiver", BigInt(t.revenueReceiver)) |
      put("receiverFee", "modelFeeWei", t.modelFeeWei),
    fees:
      put("fees", "nodeFeeWei", t.nodeFeeWei) |
      put("fees", "gasFeeWei", t.gasFeeWei) |
      put("fees", "protocolFeeBps", t.protocolFeeBps) |
      put("fees", "callbackGasLimit", t.callbackGasLimit) |
      put("fees", "mode", t.mode) |
      put("fees", "quorumK", t.quorumK),
    timing:
      put("timing", "exclusiveUntil", t.exclusiveUntil) |
      put("timing", "deadline", t.deadline) |
      put("timing", "challengeWindowSeconds", t.challengeWindowSeconds) |
      put("timing", "bondWei", t.bondWei),
  };
}

/** What the requester paid: model + node + gas shares and the protocol share `⌊(model + node + gas) · bps / 10⁴⌋`. */
export function requestFeeWei(t: RequestTerms): bigint {
  const base = t.modelFeeWei + t.nodeFeeWei + t.gasFeeWei;
  return base + (base * BigInt(t.protocolFeeBps)) / 10_000n;
}
