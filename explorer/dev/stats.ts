/** The `p`th percentile (nearest rank) of ascending `sorted` values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** p50, p95 and max of `values` (any order), rounded to `decimals`. */
export function spread(values: number[], decimals = 1): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const k = 10 ** decimals;
  const round = (x: number) => Math.round(x * k) / k;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted[sorted.length - 1]),
  };
}

/** Runs a script's `main`, exiting 0 when it resolves and 1 (after printing the error) when it throws. */
export function runMain(main: () => Promise<unknown>): void {
  main()
    .then(() => process.exit(0))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
