import type { TransactionResponse } from "ethers";

/** Narrates the demo: numbered steps, the gas of every transaction they send, and a closing summary. */
export class Narrator {
  private readonly steps: { title: string; gas: bigint; txs: number; ms: number }[] = [];
  private current?: { title: string; gas: bigint; txs: number; ms: number };
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly out: (line: string) => void = console.log,
  ) {}

  /** Runs one narrated step; any failure aborts the demo with the step's name. */
  async step(title: string, body: () => Promise<void>): Promise<void> {
    const n = this.steps.length + 1;
    this.current = { title, gas: 0n, txs: 0, ms: 0 };
    this.out(`\n[${n}/${this.total}] ${title}`);
    const t0 = Date.now();
    try {
      await body();
    } catch (err) {
      throw new Error(`demo step ${n} "${title}" failed: ${(err as Error).message}`, { cause: err });
    }
    this.current.ms = Date.now() - t0;
    this.steps.push(this.current);
    this.current = undefined;
  }

  /** Prints one line of the current step. */
  say(line: string): void {
    this.out(`      ${line}`);
  }

  /** Waits for a transaction, adds its gas to the current step and returns the receipt. */
  async tx(label: string, pending: Promise<TransactionResponse> | TransactionResponse, opts: { quiet?: boolean } = {}) {
    const receipt = await (await pending).wait();
    if (!receipt) throw new Error(`${label}: no receipt`);
    if (this.current) {
      this.current.gas += receipt.gasUsed;
      this.current.txs += 1;
    }
    if (!opts.quiet) this.say(`${label}  (gas ${receipt.gasUsed.toLocaleString("en-US")})`);
    return receipt;
  }

  /** Adds gas spent outside the narrator (e.g. by the runner's fulfilment transactions) to the current step. */
  addGas(gas: bigint, txs: number): void {
    if (!this.current) return;
    this.current.gas += gas;
    this.current.txs += txs;
  }

  /** The closing tables: balances, then gas and time per step. */
  summary(balances: { name: string; values: Record<string, string> }[]): void {
    const cols = [...new Set(balances.flatMap((b) => Object.keys(b.values)))];
    this.out("\nBalances");
    this.out(["account".padEnd(22), ...cols.map((c) => c.padStart(22))].join(""));
    // Balances are rounded to 6 decimals so the columns line up.
    const fmt = (v: string | undefined) => (v === undefined ? "" : Number(v).toFixed(6));
    for (const b of balances) this.out([b.name.padEnd(22), ...cols.map((c) => fmt(b.values[c]).padStart(22))].join(""));
    this.out("\nGas per step");
    this.out(`${"step".padEnd(64)}${"txs".padStart(5)}${"gas".padStart(14)}${"ms".padStart(9)}`);
    let gas = 0n;
    for (const [i, s] of this.steps.entries()) {
      gas += s.gas;
      this.out(
        `${`${i + 1}. ${s.title}`.slice(0, 63).padEnd(64)}${String(s.txs).padStart(5)}${s.gas.toLocaleString("en-US").padStart(14)}${String(s.ms).padStart(9)}`,
      );
    }
    this.out(`${"total".padEnd(69)}${gas.toLocaleString("en-US").padStart(14)}`);
    this.out(`\nDemo finished in ${((Date.now() - this.started) / 1000).toFixed(1)} s`);
  }
}
