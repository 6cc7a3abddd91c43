// pixvault's image store alone, in more detail than `npm run bench` (which runs the same
// workloads against the peers too), beside this disk's own write+fsync ceiling in the same run:
//   1. 200 distinct ~500 KB PNGs uploaded at concurrency 8, then downloaded at 8, sha256-verified;
//   2. 20 KB PNGs uploaded for BENCH_SMALL_SECONDS (10) at concurrency 16: requests/s, p50, p99;
//   3. one 200 MiB PNG up then down (and 1 GiB if disk and time allow), server RSS idle and peak;
//   4. write+fsync(file)+fsync(dir) per file, 500 KB at concurrency 8 and 20 KB at 16, measured
//      before and after the server runs (the disk drifts on a shared VM; ratios use the mean).
// The server is src/ compiled like `npm run build` (PIXVAULT_BIN overrides).
// Run: npm run bench:images
// Env: BENCH_QUICK=1, BENCH_DIR=dir, BENCH_SKIP_1G=1,
//      BENCH_CPU_PROF=dir: run only workload 2 against `bun --cpu-prof --cpu-prof-md src/main.ts`
//      and leave the profile (.cpuprofile and .md) in dir; BENCH_PROFILE_WORKLOAD=bulk profiles
//      the 200 × 500 KB uploads instead.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pngOfSize } from "../tests/support/images.ts";
import { config } from "./config.ts";
import { benchBaseDir, copyAndSync, diskCeiling, filesystemOf, machineSummary, type DiskCeiling } from "./lib/machine.ts";
import { writeNoisePngFile } from "./lib/png-file.ts";
import { describeCores } from "./lib/proc.ts";
import { fmt, MIB, sha256Hex } from "./lib/stats.ts";
import { pixvaultBuild, type PixvaultBuild } from "./pixvault.ts";
import { targetKinds, type Target } from "./targets.ts";
import * as w from "./workloads.ts";

const started = performance.now();
const say = (line: string) => console.error(`[${fmt((performance.now() - started) / 1000)} s] ${line}`);
const profileDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-images-"));

async function open(build: PixvaultBuild, phase: string): Promise<Target> {
  const kind = targetKinds(build).find((k) => k.name === "pixvault")!;
  const server = await kind.start(join(work, phase));
  return kind.connect(server);
}

interface Row {
  workload: string;
  concurrency: number;
  throughput: string;
  detail: string;
  cpu?: string;
}

const latency = (t: w.Transfer) => `p50 ${fmt(t.p50)} ms, p99 ${fmt(t.p99)} ms`;

function diskRows(when: string, d: DiskCeiling, bulkBytes: number): Row[] {
  return [
    {
      workload: `4. disk (${when}): write+fsync+dir fsync, ${config.bulkCount} × ${fmt(bulkBytes / 1000, 0)} KB files`,
      concurrency: config.bulkConcurrency,
      throughput: `**${fmt(d.bulkMiBs)} MiB/s**, ${fmt(d.bulkFilesPerSecond)} files/s`,
      detail: `p50 ${fmt(d.bulkP50)} ms, p99 ${fmt(d.bulkP99)} ms`,
    },
    {
      workload: `4. disk (${when}): the same, ${fmt(config.smallBytes / 1000, 0)} KB files for ${config.diskSmallSeconds} s`,
      concurrency: config.smallConcurrency,
      throughput: `**${fmt(d.smallFilesPerSecond, 0)} files/s**`,
      detail: `p50 ${fmt(d.smallP50)} ms, p99 ${fmt(d.smallP99)} ms`,
    },
  ];
}

/** Workload 2 (or 5 rounds of workload 1) against the source under Bun's CPU profiler. */
async function profile(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const build = {
    command: [process.execPath, "--cpu-prof", "--cpu-prof-md", "--cpu-prof-dir", dir, join(import.meta.dir, "../src/main.ts")],
    description: "bun --cpu-prof src/main.ts",
  };
  const target = await open(build, "data-profile");
  try {
    if (process.env.BENCH_PROFILE_WORKLOAD === "bulk") {
      const distinct = Array.from({ length: config.bulkCount }, (_, i) => pngOfSize(config.bulkBytes, i + 1));
      // Five rounds, so the one-off registration and login drown in the samples.
      const bulk = Array.from({ length: 5 * distinct.length }, (_, i) => ({ bytes: distinct[i % distinct.length]! }));
      const r = await w.bulkUpload(target, bulk, config.bulkConcurrency);
      console.log(`profiled bulk uploads: ${fmt(r.mibs)} MiB/s, ${latency(r)}`);
    } else {
      const smalls = Array.from({ length: 256 }, (_, i) => pngOfSize(config.smallBytes, 1_000_000 + i));
      const r = await w.smallUploads(target, smalls, config.smallSeconds, config.smallConcurrency);
      console.log(`profiled small uploads: ${fmt(r.perSecond, 0)}/s, ${latency(r)}`);
    }
  } finally {
    await target.server.stop();
  }
  console.log(`profile written to ${dir}:`, readdirSync(dir).join(", "));
}

async function measure(): Promise<void> {
  const build = pixvaultBuild(join(work, "build"));
  const fsInfo = filesystemOf(work);
  say(`server: ${build.description}; data in ${work} (${fsInfo.type} on ${fsInfo.source})`);
  const bulk = Array.from({ length: config.bulkCount }, (_, i) => pngOfSize(config.bulkBytes, i + 1)).map((bytes) => ({
    bytes,
    sha256: sha256Hex(bytes),
  }));
  const warm = Array.from({ length: 16 }, (_, i) => pngOfSize(config.bulkBytes, 2_000_000 + i)).map((bytes) => ({
    bytes,
    sha256: sha256Hex(bytes),
  }));
  const smalls = Array.from({ length: 256 }, (_, i) => pngOfSize(config.smallBytes, 1_000_000 + i));
  const bulkBytes = bulk[0]!.bytes.length;
  const ceiling = (when: string) =>
    diskCeiling(
      join(work, `fsync-${when}`),
      bulk.map((b) => b.bytes),
      config.bulkConcurrency,
      smalls,
      config.smallConcurrency,
      config.diskSmallSeconds,
    );
  const machine = machineSummary(work);
  const before = await ceiling("before");
  say(`disk ceiling before: ${fmt(before.bulkMiBs)} MiB/s, ${fmt(before.smallFilesPerSecond, 0)} files/s`);
  const rows: Row[] = [];

  let target = await open(build, "data");
  let bulkUp: w.Transfer, small: w.Transfer;
  try {
    await w.warmUp(target, warm, config.bulkConcurrency, config.warmSeconds);
    bulkUp = await w.bulkUpload(target, bulk, config.bulkConcurrency);
    const bulkDown = await w.bulkDownload(target, bulk, config.bulkConcurrency);
    small = await w.smallUploads(target, smalls, config.smallSeconds, config.smallConcurrency);
    rows.push(
      {
        workload: `1. upload ${config.bulkCount} distinct ${fmt(bulkBytes / 1000, 0)} KB PNGs`,
        concurrency: config.bulkConcurrency,
        throughput: `**${fmt(bulkUp.mibs)} MiB/s**, ${fmt(bulkUp.perSecond)} images/s`,
        detail: latency(bulkUp),
        cpu: describeCores(bulkUp.cores),
      },
      {
        workload: `1. download the same ${config.bulkCount}, each sha256-verified`,
        concurrency: config.bulkConcurrency,
        throughput: `**${fmt(bulkDown.mibs)} MiB/s**, ${fmt(bulkDown.perSecond)} images/s`,
        detail: latency(bulkDown),
        cpu: describeCores(bulkDown.cores),
      },
      {
        workload: `2. upload ${fmt(config.smallBytes / 1000, 0)} KB PNGs for ${config.smallSeconds} s`,
        concurrency: config.smallConcurrency,
        throughput: `**${fmt(small.perSecond, 0)} requests/s**`,
        detail: `${latency(small)}, ${small.errors} errors${small.firstError ? ` (first: ${small.firstError})` : ""}`,
        cpu: describeCores(small.cores),
      },
    );
    for (const r of rows) say(`${r.workload}: ${r.throughput}`);
  } finally {
    await target.server.stop();
  }

  // 3. Large images, against a freshly started server so "idle" means idle.
  const copies: { label: string; copy: number; up: number }[] = [];
  target = await open(build, "data-large");
  try {
    await Bun.sleep(config.settleMs); // as in `npm run bench`: idle means idle
    const idle = target.rss().rss;
    const roundTrip = async (bytes: number, seed: number) => {
      const file = join(work, `large-${seed}.png`);
      const expected = writeNoisePngFile(file, bytes, seed);
      const mib = expected.size / MIB;
      // The disk's own rate for this one file first: a copy, fsynced, like the upload's blob.
      const copy = await copyAndSync(file, join(work, "large.copy"));
      const r = await w.largeRoundTrip(target, file, expected, `large-${seed}.png`);
      rmSync(file);
      rows.push(
        {
          workload: `3. one ${fmt(mib, 0)} MiB PNG up (Blob from a file)`,
          concurrency: 1,
          throughput: `**${fmt(r.up.mibs)} MiB/s** (${fmt(r.up.seconds)} s)`,
          detail: `peak RSS ${fmt(r.upPeak, 0)} MiB (idle ${fmt(idle, 0)} MiB)`,
          cpu: describeCores(r.up.cores),
        },
        {
          workload: "3. the same down, sha256-verified",
          concurrency: 1,
          throughput: `**${fmt(r.down.mibs)} MiB/s** (${fmt(r.down.seconds)} s)`,
          detail: `peak RSS ${fmt(r.downPeak, 0)} MiB`,
          cpu: describeCores(r.down.cores),
        },
      );
      copies.push({ label: `${fmt(mib, 0)} MiB`, copy, up: r.up.mibs });
      say(
        `${fmt(mib, 0)} MiB: up ${fmt(r.up.mibs)} MiB/s, down ${fmt(r.down.mibs)} MiB/s, peaks ${fmt(r.upPeak, 0)} / ${fmt(r.downPeak, 0)} MiB`,
      );
      return { r, size: expected.size };
    };
    const large = await roundTrip(config.largeBytes, 42);
    const skip =
      config.skipHuge ??
      w.hugeSkipReason(filesystemOf(work).availKiB * 1024, config.hugeBytes, large.r, large.size, config.hugeBudgetSeconds);
    if (skip) rows.push({ workload: "3. one 1 GiB PNG up and down", concurrency: 1, throughput: "skipped", detail: skip });
    else await roundTrip(config.hugeBytes, 43);
  } finally {
    await target.server.stop();
  }

  const after = await ceiling("after");
  say(`disk ceiling after: ${fmt(after.bulkMiBs)} MiB/s, ${fmt(after.smallFilesPerSecond, 0)} files/s`);
  rows.push(...diskRows("before", before, bulkBytes), ...diskRows("after", after, bulkBytes));
  for (const c of copies)
    rows.push({
      workload: `4. disk: copy the ${c.label} PNG to a new file + fsync`,
      concurrency: 1,
      throughput: `**${fmt(c.copy)} MiB/s**`,
      detail: "",
    });

  console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${machine}.`);
  console.log(`Server: ${build.description}; client (Bun fetch) on the same machine.\n`);
  console.log("| workload | concurrency | throughput | latency / memory | cores busy |");
  console.log("|---|---:|---|---|---|");
  for (const r of rows) console.log(`| ${r.workload} | ${r.concurrency} | ${r.throughput} | ${r.detail} | ${r.cpu ?? ""} |`);
  const pct = (a: number, b: number) => `${fmt((100 * a) / b, 0)} %`;
  console.log(`\nbulk upload / disk fsync ceiling (mean of before and after): ${pct(bulkUp.mibs, (before.bulkMiBs + after.bulkMiBs) / 2)}`);
  console.log(
    `small uploads / per-file fsync rate (mean of before and after): ${pct(small.perSecond, (before.smallFilesPerSecond + after.smallFilesPerSecond) / 2)}`,
  );
  for (const c of copies) console.log(`${c.label} upload / copy of the same file + fsync: ${pct(c.up, c.copy)}`);
  say("done");
}

try {
  if (profileDir) await profile(profileDir);
  else await measure();
} finally {
  rmSync(work, { recursive: true, force: true });
}
