// Workload sizes, from issue 5. BENCH_QUICK=1 shrinks them for trying the harness out (the
// numbers are then not comparable and RESULTS.md is left alone unless BENCH_WRITE=1).
import { MIB } from "./lib/stats.ts";

const quick = process.env.BENCH_QUICK === "1";
const num = (name: string, full: number, small: number) => Number(process.env[name] ?? (quick ? small : full));

export const config = {
  quick,
  bulkCount: quick ? 40 : 200,
  bulkBytes: 500_000,
  bulkConcurrency: 8,
  /** Rounds of the bulk upload and download per server, interleaved; the median is reported. */
  bulkRounds: num("BENCH_BULK_ROUNDS", 3, 1),
  /** Warm-up before workloads 1 and 2 (every target alike), seconds of 500 KB uploads and downloads. */
  warmSeconds: num("BENCH_WARM_SECONDS", 3, 1),
  /** Quiet time after a start before memory counts as idle (and before the large transfers). */
  settleMs: 3000,
  smallBytes: 20_000,
  smallConcurrency: 16,
  smallSeconds: num("BENCH_SMALL_SECONDS", 10, 2),
  largeBytes: (quick ? 32 : 200) * MIB,
  hugeBytes: 1024 * MIB,
  /** The 1 GiB round trip runs only if the 200 MiB one says it fits in this. */
  hugeBudgetSeconds: 60,
  /** Why the 1 GiB round trip is off, or undefined. */
  skipHuge: quick ? "BENCH_QUICK=1" : process.env.BENCH_SKIP_1G === "1" ? "BENCH_SKIP_1G=1" : undefined,
  coldStartRuns: num("BENCH_COLD_RUNS", 10, 3),
  diskSmallSeconds: quick ? 1 : 4,
  opensslSeconds: quick ? 1 : 3,
  loginSeconds: num("BENCH_LOGIN_SECONDS", 3, 1),
  loginConcurrencies: [1, 16],
  loopbackTimes: 3,
  /** Issue 6: timed downloads of the zip of the bulk images (also the time-to-first-byte samples). */
  archiveRuns: num("BENCH_ARCHIVE_RUNS", 7, 3),
  /** … and of the zip of archiveLargeCount noise PNGs of largeBytes (5 × 200 MiB ≈ 1 GiB). */
  archiveLargeRuns: num("BENCH_ARCHIVE_LARGE_RUNS", 3, 2),
  archiveLargeCount: 5,
  /** In-process AES-256-GCM decrypt limit: MiB per pass, passes. */
  decryptMiB: quick ? 128 : 512,
  decryptPasses: 5,
  /** Why `npm run bench` leaves out the preview workloads (bench/preview-suite.ts), or undefined. */
  skipPreviews: process.env.BENCH_SKIP_PREVIEWS === "1" ? "BENCH_SKIP_PREVIEWS=1" : undefined,
  writeResults: process.env.BENCH_WRITE ? process.env.BENCH_WRITE === "1" : !quick,
};

/** "median of 3 rounds", or "1 round", for the reports' labels. */
export const medianOfRounds = (): string => (config.bulkRounds === 1 ? "1 round" : `median of ${config.bulkRounds} rounds`);
