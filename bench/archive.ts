// `npm run bench:archive`: issue 6's archive workloads alone, pixvault only — the same ones and
// the same sizes as in `npm run bench` (a zip of the 200 bulk images and of 5 × 200 MiB noise
// PNGs, `zip -0` of the same files, the AES-256-GCM decrypt limit), printed, RESULTS.md untouched.
// The server is src/ compiled like `npm run build` (PIXVAULT_BIN overrides).
// Env: BENCH_QUICK=1 (40 images, 5 × 32 MiB), BENCH_ARCHIVE_RUNS, BENCH_ARCHIVE_LARGE_RUNS, BENCH_DIR.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pngOfSize } from "../tests/support/images.ts";
import { bulkArchive, largeArchive, largeArchiveSkipReason } from "./archive-downloads.ts";
import {
  archiveDetailRows,
  archiveLimitRows,
  archiveNotes,
  archiveSummaryRows,
  type ArchiveResults,
  type Outcome,
} from "./archive-report.ts";
import { config } from "./config.ts";
import { aesGcmDecryptLimit, benchBaseDir, filesystemOf, machineSummary, opensslAesGcm } from "./lib/machine.ts";
import { fmt, MIB, sha256Hex } from "./lib/stats.ts";
import { pixvaultBuild, type PixvaultBuild } from "./pixvault.ts";
import { targetKinds, type Target } from "./targets.ts";
import * as w from "./workloads.ts";

const started = performance.now();
const say = (line: string) => console.error(`[${fmt((performance.now() - started) / 1000)} s] ${line}`);
const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-archive-"));

async function withServer<T>(build: PixvaultBuild, phase: string, run: (t: Target) => Promise<T>): Promise<Outcome<T>> {
  const kind = targetKinds(build).find((k) => k.name === "pixvault")!;
  const server = await kind.start(join(work, phase));
  try {
    return await run(await kind.connect(server));
  } catch (e) {
    const failed = e instanceof Error ? e.message : String(e);
    say(`${phase} failed: ${failed}`);
    return { failed };
  } finally {
    await server.stop();
  }
}

async function measure(): Promise<void> {
  const build = pixvaultBuild(join(work, "build"));
  say(`pixvault: ${build.description}; data in ${work}`);
  const machine = machineSummary(work);
  const payload = (seed: number) => {
    const bytes = pngOfSize(config.bulkBytes, seed);
    return { bytes, sha256: sha256Hex(bytes) };
  };
  const bulk = Array.from({ length: config.bulkCount }, (_, i) => payload(i + 1));
  const warm = Array.from({ length: 16 }, (_, i) => payload(2_000_000 + i));

  const openssl = opensslAesGcm(config.opensslSeconds);
  const decrypt = aesGcmDecryptLimit(config.decryptMiB, config.decryptPasses);
  say(
    `AES-256-GCM decrypt in Bun: ${fmt(decrypt.best, 0)} MiB/s; openssl: ${"mbs" in openssl ? `${fmt(openssl.mbs, 0)} MB/s` : openssl.skipped}`,
  );

  const results: ArchiveResults = { bulk: undefined, large: undefined, decrypt };
  results.bulk = await withServer(build, "bulk", async (t) => {
    await w.warmUp(t, warm, config.bulkConcurrency, config.warmSeconds);
    await w.bulkUpload(t, bulk, config.bulkConcurrency);
    return bulkArchive(t, bulk, join(work, "archive-bulk"), config.archiveRuns);
  });
  const skip = largeArchiveSkipReason(filesystemOf(work).availKiB * 1024, config.archiveLargeCount, config.largeBytes);
  results.large = skip
    ? { skipped: skip }
    : await withServer(build, "large", (t) =>
        largeArchive(t, config.archiveLargeCount, config.largeBytes, join(work, "archive-large"), config.archiveLargeRuns),
      );

  const sizes = { bulkCount: config.bulkCount, largeCount: config.archiveLargeCount, largeMiB: config.largeBytes / MIB };
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC in ${fmt((performance.now() - started) / 1000, 0)} s${config.quick ? " with BENCH_QUICK=1" : ""}, on ${machine}.`,
    `Server: ${build.description}; client (Bun fetch) on the same machine.`,
    "",
    "| workload | pixvault | goal | met? |",
    "|---|---:|---|---|",
    ...archiveSummaryRows(results, sizes).map((r) => `| ${r.label} | ${r.value} | ${r.goal} | ${r.verdict} |`),
    "",
    "| machine limit | measured | pixvault against it |",
    "|---|---:|---|",
    ...archiveLimitRows(results).map((r) => `| ${r.join(" | ")} |`),
    "skipped" in openssl
      ? `| \`openssl speed -evp aes-256-gcm\` | skipped: ${openssl.skipped} | |`
      : `| \`openssl speed -evp aes-256-gcm\`, 16 KiB blocks, one core, MB/s | ${fmt(openssl.mbs, 0)} | |`,
    "",
    "| archive | MiB/s median (min–max) | TTFB median, ms | wall median, ms | server RSS before → peak, MiB | cores busy |",
    "|---|---:|---:|---:|---|---|",
    ...archiveDetailRows(results).map((r) => `| ${r.join(" | ")} |`),
    "",
    ...archiveNotes(results),
  ];
  console.log(lines.join("\n"));
}

try {
  await measure();
} finally {
  rmSync(work, { recursive: true, force: true });
}
