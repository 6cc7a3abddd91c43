// Small numeric and load-generation helpers shared by the benchmark scripts.

export const MIB = 2 ** 20;

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** Seconds as milliseconds, or as microseconds; undefined stays undefined. */
export const inMs = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);
export const inUs = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1e6);

/** The q-quantile of an ascending array (nearest rank), NaN when empty. */
export function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** Drains a body through sha256 without keeping it, so 1 GiB downloads cost no memory. */
export async function digestStream(body: ReadableStream<Uint8Array>): Promise<{ bytes: number; sha256: string }> {
  const hasher = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  for await (const chunk of body) {
    hasher.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hasher.digest("hex") };
}

/** Runs work(0..count-1) with at most `concurrency` in flight; returns each one's latency in ms, ascending. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await work(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

export interface Sustained {
  /** Latencies of the calls that succeeded, ascending, in ms. */
  latencies: number[];
  elapsed: number;
  errors: number;
  firstError?: string;
}

/** Runs work(n) back to back on `concurrency` lanes for `seconds`; a failed call counts as an error, not a crash. */
export async function forSeconds(seconds: number, concurrency: number, work: (n: number) => Promise<void>): Promise<Sustained> {
  const latencies: number[] = [];
  let n = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await work(n++);
          latencies.push(performance.now() - t);
        } catch (e) {
          errors += 1;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), elapsed: (performance.now() - started) / 1000, errors, firstError };
}
