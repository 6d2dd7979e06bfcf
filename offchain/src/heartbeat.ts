import http from "node:http";
import { Contract, type Provider, type Wallet } from "ethers";

/** The registry's epoch clock: epoch e starts at genesis + e × epochSeconds and has epochSeconds / slotSeconds slots. */
export interface HeartbeatTiming {
  genesis: number;
  epochSeconds: number;
  slotSeconds: number;
}

/** One signed heartbeat: the device's EIP-712 signature of Heartbeat(node, epoch, slot). */
export interface SignedHeartbeat {
  slot: number;
  signature: string;
}

/** What `doctor` and /heartbeats report about the loop. */
export interface HeartbeatState {
  running: boolean;
  node: string;
  signer: string;
  region: string | null;
  lastEpoch: number | null;
  lastSlot: number | null;
  lastSignedAt: number | null;
  signed: number;
  errors: number;
  lastError: string | null;
}

export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "node", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "slot", type: "uint32" },
  ],
};

const REGISTRY_ABI = [
  "function epochStart(uint64 epoch) view returns (uint256)",
  "function config() view returns (tuple(uint32 epochSeconds, uint32 slotSeconds, uint32 reportDeadlineSeconds, uint32 challengeWindowSeconds, uint32 answerWindowSeconds, uint128 reporterBondWei, uint128 challengeBondWei, uint128 epochRewardWei, uint128 servedRewardWei))",
  "function nodeOf(address node) view returns (tuple(address signer, uint64 registeredAt, uint64 deregisteredAt, bytes2 region, uint8 hardwareClass, bool active))",
];

/** Reads the epoch clock from an EdgeNodeRegistry. */
export async function readTiming(provider: Provider, registry: string): Promise<HeartbeatTiming> {
  const c = new Contract(registry, REGISTRY_ABI, provider);
  const [genesis, cfg] = await Promise.all([c.epochStart(0), c.config()]);
  return { genesis: Number(genesis), epochSeconds: Number(cfg.epochSeconds), slotSeconds: Number(cfg.slotSeconds) };
}

/** A node's device registration as routing sees it: active, and its region's two letters ("" when none). */
export interface DeviceRegistration {
  active: boolean;
  region: string;
}

/** Reads `node`'s device registration from an EdgeNodeRegistry. */
export async function readDevice(provider: Provider, registry: string, node: string): Promise<DeviceRegistration> {
  const d = await new Contract(registry, REGISTRY_ABI, provider).nodeOf(node);
  const code = String(d.region);
  return {
    active: Boolean(d.active),
    region: code === "0x0000" ? "" : Buffer.from(code.slice(2), "hex").toString("ascii"),
  };
}

/**
 * Whether requests routed to the configured region reach this node: `AIOracle.requestInRegion` assigns by the
 * device's on-chain registration, not by the runner's config, so the two must agree (and the device be active).
 */
export function regionCheck(configured: string | null, device: DeviceRegistration): { ok: boolean; detail: string } {
  if (!device.active) {
    return {
      ok: configured === null,
      detail:
        "no active device registration: requests routed to a region are never assigned to this node" +
        (configured ? ` (config says ${configured}; edge:register --region ${configured})` : ""),
    };
  }
  if (configured === null)
    return { ok: true, detail: `registered in ${device.region}; set "region": "${device.region}" in the config` };
  if (configured !== device.region)
    return {
      ok: false,
      detail:
        `config says ${configured} but the device is registered in ${device.region}: requests routed to ` +
        `${configured} are not assigned here (edge:update the registration, or fix the config)`,
    };
  return { ok: true, detail: `registered in ${device.region}: requests routed to ${device.region} are assigned here` };
}

/** The epoch and slot containing `unixSeconds` (null before genesis). */
export function slotAt(unixSeconds: number, t: HeartbeatTiming): { epoch: number; slot: number } | null {
  if (unixSeconds < t.genesis) return null;
  const since = unixSeconds - t.genesis;
  return { epoch: Math.floor(since / t.epochSeconds), slot: Math.floor((since % t.epochSeconds) / t.slotSeconds) };
}

/** What the loop needs of a key: an ethers Wallet, HDNodeWallet or signer with a known address. */
export type HeartbeatKey = Pick<Wallet, "address" | "signTypedData">;

export interface HeartbeatLoopOptions {
  /** Device key: the `signer` the node registered with. */
  wallet: HeartbeatKey;
  /** The registered node (operator address). */
  node: string;
  chainId: bigint | number;
  registry: string;
  timing: HeartbeatTiming;
  region?: string | null;
  /** Clock in unix seconds (tests and the demo pass chain time). */
  now?: () => number | Promise<number>;
  /** Epochs of heartbeats kept for reporters to collect (default 4). */
  keepEpochs?: number;
}

/**
 * Signs one heartbeat per slot and serves them: `GET /heartbeats` (the loop's state) and `GET /heartbeats/<epoch>`
 * (`{ node, signer, epoch, heartbeats: [{ slot, signature }] }`), which a reporter collects to build its epoch root
 * and to answer challenges. Only slots the loop was alive for are signed: a missed slot stays missing.
 */
export class HeartbeatLoop {
  private readonly byEpoch = new Map<number, Map<number, string>>();
  private timer: NodeJS.Timeout | null = null;
  private server: http.Server | null = null;
  private st: HeartbeatState;

  constructor(private readonly opts: HeartbeatLoopOptions) {
    this.st = {
      running: false,
      node: opts.node,
      signer: opts.wallet.address,
      region: opts.region ?? null,
      lastEpoch: null,
      lastSlot: null,
      lastSignedAt: null,
      signed: 0,
      errors: 0,
      lastError: null,
    };
  }

  /** Signs the current slot's heartbeat unless it is signed already; returns the slot signed, or null. */
  async tick(): Promise<{ epoch: number; slot: number } | null> {
    try {
      const now = Math.floor(await (this.opts.now ?? (() => Date.now() / 1000))());
      const at = slotAt(now, this.opts.timing);
      if (!at) return null;
      let slots = this.byEpoch.get(at.epoch);
      if (!slots) {
        slots = new Map();
        this.byEpoch.set(at.epoch, slots);
        const keep = this.opts.keepEpochs ?? 4;
        for (const e of this.byEpoch.keys()) if (e <= at.epoch - keep) this.byEpoch.delete(e);
      }
      if (slots.has(at.slot)) return null;
      const signature = await this.opts.wallet.signTypedData(
        {
          name: "Axon EdgeNodeRegistry",
          version: "1",
          chainId: this.opts.chainId,
          verifyingContract: this.opts.registry,
        },
        HEARTBEAT_TYPES,
        { node: this.opts.node, epoch: at.epoch, slot: at.slot },
      );
      slots.set(at.slot, signature);
      this.st = { ...this.st, lastEpoch: at.epoch, lastSlot: at.slot, lastSignedAt: now, signed: this.st.signed + 1 };
      return at;
    } catch (err) {
      this.st = { ...this.st, errors: this.st.errors + 1, lastError: (err as Error).message };
      return null;
    }
  }

  /** The epoch's heartbeats in slot order. */
  heartbeats(epoch: number): SignedHeartbeat[] {
    const slots = this.byEpoch.get(epoch);
    if (!slots) return [];
    return [...slots.entries()].sort(([a], [b]) => a - b).map(([slot, signature]) => ({ slot, signature }));
  }

  state(): HeartbeatState {
    return { ...this.st };
  }

  /** Ticks every `intervalMs` (a fraction of a slot, so no slot is missed while alive). */
  start(intervalMs = Math.max(1000, (this.opts.timing.slotSeconds * 1000) / 4)): void {
    if (this.timer) return;
    this.st = { ...this.st, running: true };
    void this.tick();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Serves the heartbeats over HTTP; returns the port bound. */
  listen(port: number, host = "127.0.0.1"): Promise<number> {
    this.server = http.createServer((req, res) => {
      const m = /^\/heartbeats(?:\/(\d+))?\/?$/.exec((req.url ?? "").split("?")[0]);
      if (req.method !== "GET" || !m) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "GET /heartbeats or /heartbeats/<epoch>" }));
        return;
      }
      const body =
        m[1] === undefined
          ? this.state()
          : {
              node: this.opts.node,
              signer: this.st.signer,
              epoch: Number(m[1]),
              heartbeats: this.heartbeats(Number(m[1])),
            };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    return new Promise((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => {
        const addr = this.server!.address();
        resolve(typeof addr === "object" && addr ? addr.port : port);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.st = { ...this.st, running: false };
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** Collects a node's heartbeats of `epoch` from its endpoint (what a reporter does for each registered node). */
export async function collectHeartbeats(baseUrl: string, epoch: number): Promise<SignedHeartbeat[]> {
  const res = await fetch(`${baseUrl.replace(/\/$/, "")}/heartbeats/${epoch}`);
  if (!res.ok) throw new Error(`heartbeats of epoch ${epoch} from ${baseUrl}: HTTP ${res.status}`);
  const body = (await res.json()) as { heartbeats: SignedHeartbeat[] };
  return body.heartbeats;
}
