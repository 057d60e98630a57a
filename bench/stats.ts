/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median, min and max of one figure over the runs (NaN-free values only). */
export function spread(values: number[]): Spread | null {
  const ok = values.filter((v) => Number.isFinite(v));
  if (ok.length === 0) return null;
  return { median: percentile(ok, 50), min: Math.min(...ok), max: Math.max(...ok), runs: ok.length };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`超时 (${Math.round(timeoutMs / 1000)} 秒): ${what}`);
    await sleep(intervalMs);
  }
}

export const MB = 1024 * 1024;
