// Image store end to end against a real `pixvault serve` (dist/pixvault if built and newer than
// src/, else bun src/main.ts; PIXVAULT_BIN overrides), beside this disk's own write+fsync ceiling
// measured in the same run:
//   1. 200 distinct ~500 KB PNGs uploaded at concurrency 8, then downloaded at 8, sha256-verified;
//   2. 20 KB PNGs uploaded for BENCH_SMALL_SECONDS (10) at concurrency 16: requests/s, p50, p99;
//   3. one 200 MiB PNG up then down (and 1 GiB if disk and time allow), server RSS idle and peak;
//   4. write+fsync(file)+fsync(dir) per file, 500 KB at concurrency 8 and 20 KB at 16, measured
//      before and after the server runs (the disk drifts on a shared VM; ratios use the mean).
// Run: npm run bench:images
// Env: BENCH_DIR=dir (default os.tmpdir(), or .bench-tmp/ when that is tmpfs), BENCH_SKIP_1G=1,
//      BENCH_CPU_PROF=dir: run only workload 2 against `bun --cpu-prof --cpu-prof-md src/main.ts`
//      and leave the profile (.cpuprofile and .md) in dir; BENCH_PROFILE_WORKLOAD=bulk profiles
//      the 200 × 500 KB uploads instead.
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, fsyncSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { promises as fs } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { call, loginToken, registerUser } from "../tests/support/accounts.ts";
import { PNG_SIGNATURE, pngChunk, pngOfSize } from "../tests/support/images.ts";
import { pixvaultCommand, startServer, type RunningServer } from "../tests/support/pixvault.ts";

const ROOT = join(import.meta.dir, "..");
const MIB = 2 ** 20;
const BULK_COUNT = 200;
const BULK_BYTES = 500_000;
const BULK_CONCURRENCY = 8;
const SMALL_BYTES = 20_000;
const SMALL_CONCURRENCY = 16;
const SMALL_SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 10);
const BIG_BYTES = 200 * MIB;
const HUGE_BYTES = 1024 * MIB;
const HUGE_BUDGET_SECONDS = 60;
const DISK_SMALL_SECONDS = 4;
const profileDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;

// ---------------------------------------------------------------- what runs, where

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const dist = join(ROOT, "dist/pixvault");
let note = "";
if (profileDir) {
  // A wrapper that execs bun (same pid) so startServer's PIXVAULT_BIN path can carry flags.
  mkdirSync(profileDir, { recursive: true });
  const wrapper = join(profileDir, "pixvault-profiled.sh");
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-md --cpu-prof-dir "${profileDir}" "${join(ROOT, "src/main.ts")}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  process.env.PIXVAULT_BIN = wrapper;
} else if (!process.env.PIXVAULT_BIN && existsSync(dist)) {
  if (statSync(dist).mtimeMs >= newestMtime(join(ROOT, "src"))) process.env.PIXVAULT_BIN = dist;
  else note = "dist/pixvault is older than src/ (npm run build); running the source instead";
}
const serverCommand = pixvaultCommand().join(" ");

function filesystemOf(dir: string): { type: string; source: string; availKiB: number } {
  const out = spawnSync("df", ["-PTk", dir], { encoding: "utf8" }).stdout.trim().split("\n").at(-1)!.split(/\s+/);
  return { source: out[0]!, type: out[1]!, availKiB: Number(out[4]) };
}

function baseDir(): string {
  if (process.env.BENCH_DIR) return resolve(process.env.BENCH_DIR);
  if (filesystemOf(tmpdir()).type !== "tmpfs") return tmpdir();
  const local = join(ROOT, ".bench-tmp"); // gitignored, on the repository's disk
  mkdirSync(local, { recursive: true });
  return local;
}

const work = mkdtempSync(join(baseDir(), "pixvault-bench-images-"));
const fsInfo = filesystemOf(work);
const cpuModel = /^model name\s*:\s*(.*)$/m.exec(spawnSync("cat", ["/proc/cpuinfo"], { encoding: "utf8" }).stdout)?.[1] ?? "unknown";

// ---------------------------------------------------------------- helpers

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** Runs work(0..count-1) with at most `concurrency` in flight; returns each one's latency in ms. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<number[]> {
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

/** Runs work(n) back to back on `concurrency` lanes for `seconds`; latencies of completed calls. */
async function forSeconds(seconds: number, concurrency: number, work: (n: number) => Promise<void>) {
  const latencies: number[] = [];
  let n = 0;
  let errors = 0;
  let firstError: unknown;
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
          firstError ??= e;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (firstError) console.error(`first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  return { latencies: latencies.sort((a, b) => a - b), elapsed, errors };
}

interface Created {
  id: string;
  sha256: string;
  size: number;
}

async function upload(url: string, token: string, filename: string, body: Uint8Array | Blob): Promise<Created> {
  const res = await call(url, "POST", `/api/v1/images?${new URLSearchParams({ filename })}`, {
    token,
    body,
    headers: { "content-type": "application/octet-stream" },
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`upload of ${filename}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text).created[0] as Created;
}

/** Streams the content through sha256 without keeping it; returns the byte count and digest. */
async function download(url: string, token: string, id: string): Promise<{ bytes: number; sha256: string }> {
  const res = await call(url, "GET", `/api/v1/images/${id}/content`, { token });
  if (res.status !== 200 || !res.body) throw new Error(`download of ${id}: ${res.status} ${await res.text()}`);
  const hasher = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  for await (const chunk of res.body) {
    hasher.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hasher.digest("hex") };
}

/** VmRSS / VmHWM of a process, in MiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = spawnSync("cat", [`/proc/${pid}/status`], { encoding: "utf8" }).stdout;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/** CPU seconds (user + system) of a process, and of its main (JavaScript) thread alone. */
function cpuOf(pid: number): { all: number; main: number } {
  const ticks = (file: string) => {
    const fields = spawnSync("cat", [file], { encoding: "utf8" }).stdout.split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  };
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

/** Runs `run`, then says how busy the server (all threads, main thread) and this client were. */
async function withCpu<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; cpu: string }> {
  const server = cpuOf(pid);
  const client = process.cpuUsage();
  const t = performance.now();
  const result = await run();
  const wall = (performance.now() - t) / 1000;
  const after = cpuOf(pid);
  const c = process.cpuUsage(client);
  const cores = (x: number) => fmt(x / wall, 2);
  return {
    result,
    cpu: `server ${cores(after.all - server.all)} (main thread ${cores(after.main - server.main)}), client ${cores((c.user + c.system) / 1e6)}`,
  };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, clear_refs "5"); false if not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS while `run` goes, as a cross-check on VmHWM (or the only figure without clear_refs). */
async function peakDuring<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; hwm: number; sampled: number }> {
  const reset = resetPeak(pid);
  let sampled = memoryOf(pid).rss;
  const timer = setInterval(() => (sampled = Math.max(sampled, memoryOf(pid).rss)), 25);
  try {
    const result = await run();
    const after = memoryOf(pid);
    sampled = Math.max(sampled, after.rss);
    return { result, hwm: reset ? after.peak : NaN, sampled };
  } finally {
    clearInterval(timer);
  }
}


/**
 * Writes a valid noise PNG of at least `bytes` to `path` piece by piece (stored deflate blocks,
 * one IDAT per ~1 MiB), so a 1 GiB image never sits in memory. Returns its size and sha256.
 */
function writeNoisePngFile(path: string, bytes: number, seed: number): { size: number; sha256: string } {
  const width = 4096;
  const stride = width * 3 + 1;
  const height = Math.ceil(bytes / stride);
  const rowsPerBatch = 85; // ~1 MiB of scanlines
  const fd = openSync(path, "w");
  const hasher = new Bun.CryptoHasher("sha256");
  let size = 0;
  const put = (b: Uint8Array) => {
    hasher.update(b);
    let at = 0;
    while (at < b.length) at += writeSync(fd, b, at, b.length - at);
    size += b.length;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  put(PNG_SIGNATURE);
  put(pngChunk("IHDR", ihdr));
  let s = seed >>> 0 || 0x9e3779b9;
  let a = 1;
  let b = 0;
  const raw = new Uint8Array(rowsPerBatch * stride + 3);
  for (let y = 0; y < height; y += rowsPerBatch) {
    const rows = Math.min(rowsPerBatch, height - y);
    const n = rows * stride;
    const words = new Uint32Array(raw.buffer, 0, Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      words[i] = s;
    }
    for (let r = 0; r < rows; r++) raw[r * stride] = 0; // filter None
    const data = raw.subarray(0, n);
    for (let i = 0; i < n; ) {
      const stop = Math.min(n, i + 5552); // zlib's NMAX: no overflow before the modulo
      for (; i < stop; i++) {
        a += data[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    const last = y + rows >= height;
    const blocks = Math.ceil(n / 65535);
    const idat = Buffer.alloc((y === 0 ? 2 : 0) + blocks * 5 + n + (last ? 4 : 0));
    let at = 0;
    if (y === 0) {
      idat[at++] = 0x78; // zlib header: deflate, 32 KiB window, no dictionary
      idat[at++] = 0x01;
    }
    for (let from = 0; from < n; from += 65535) {
      const len = Math.min(65535, n - from);
      idat[at++] = last && from + len === n ? 1 : 0; // BFINAL, BTYPE=00 (stored)
      idat.writeUInt16LE(len, at);
      idat.writeUInt16LE(~len & 0xffff, at + 2);
      at += 4;
      idat.set(data.subarray(from, from + len), at);
      at += len;
    }
    if (last) idat.writeUInt32BE(((b << 16) | a) >>> 0, at);
    put(pngChunk("IDAT", idat));
  }
  put(pngChunk("IEND", new Uint8Array(0)));
  fsyncSync(fd); // so its writeback does not land in the next measurement
  closeSync(fd);
  return { size, sha256: hasher.digest("hex") };
}

async function writeAndSync(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(join(dir, name), "wx", 0o600);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  const d = await fs.open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Write + fsync(file) + fsync(dir) per file, in a directory beside the data dirs: what a durable upload can reach. */
async function diskCeiling(when: string, bulk: Buffer[], smalls: Buffer[]): Promise<{ mibs: number; files: number; rows: Row[] }> {
  const dir = join(work, `fsync-${when}`);
  mkdirSync(dir);
  const t = performance.now();
  const lat = await pool(bulk.length, BULK_CONCURRENCY, (i) => writeAndSync(dir, `bulk-${i}`, bulk[i]!));
  const secs = (performance.now() - t) / 1000;
  const mibs = bulk.reduce((n, b) => n + b.length, 0) / MIB / secs;
  const small = await forSeconds(DISK_SMALL_SECONDS, SMALL_CONCURRENCY, (n) => writeAndSync(dir, `small-${n}`, smalls[n % smalls.length]!));
  const files = small.latencies.length / small.elapsed;
  rmSync(dir, { recursive: true, force: true });
  say(`disk ceiling (${when}): ${fmt(mibs)} MiB/s, ${fmt(files, 0)} files/s`);
  return {
    mibs,
    files,
    rows: [
      {
        workload: `4. disk (${when}): write+fsync+dir fsync, ${bulk.length} × ${fmt(bulk[0]!.length / 1000, 0)} KB files`,
        concurrency: String(BULK_CONCURRENCY),
        throughput: `**${fmt(mibs)} MiB/s**, ${fmt(bulk.length / secs)} files/s`,
        detail: `p50 ${fmt(quantile(lat, 0.5))} ms, p99 ${fmt(quantile(lat, 0.99))} ms`,
      },
      {
        workload: `4. disk (${when}): the same, ${fmt(smalls[0]!.length / 1000, 0)} KB files for ${DISK_SMALL_SECONDS} s`,
        concurrency: String(SMALL_CONCURRENCY),
        throughput: `**${fmt(files, 0)} files/s**`,
        detail: `p50 ${fmt(quantile(small.latencies, 0.5))} ms, p99 ${fmt(quantile(small.latencies, 0.99))} ms`,
      },
    ],
  };
}

/** Streams `from` into a new file in 1 MiB writes, then fsyncs it and its directory. */
async function copyAndSync(from: string, to: string): Promise<void> {
  const out = await fs.open(to, "wx", 0o600);
  try {
    for await (const chunk of Bun.file(from).stream()) await out.write(chunk);
    await out.sync();
  } finally {
    await out.close();
  }
  const d = await fs.open(dirname(to), "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function account(url: string): Promise<string> {
  const user = await registerUser(url);
  return loginToken(url, user.username, user.password);
}

async function serve(dataDir: string): Promise<RunningServer> {
  return startServer(["--data-dir", dataDir, "--max-image-bytes", "2GiB", "--host", "127.0.0.1"], { timeoutMs: 30_000 });
}

// ---------------------------------------------------------------- profile mode

if (profileDir) {
  const server = await serve(join(work, "data-profile"));
  try {
    const token = await account(server.url);
    if (process.env.BENCH_PROFILE_WORKLOAD === "bulk") {
      const bulk = Array.from({ length: BULK_COUNT }, (_, i) => pngOfSize(BULK_BYTES, i + 1));
      const rounds = 5; // enough samples to drown the one-off registration and login
      const t = performance.now();
      const lat = await pool(rounds * BULK_COUNT, BULK_CONCURRENCY, async (i) => {
        await upload(server.url, token, `p-${i}.png`, bulk[i % BULK_COUNT]!);
      });
      const secs = (performance.now() - t) / 1000;
      console.log(`profiled bulk uploads: ${fmt((rounds * BULK_COUNT * bulk[0]!.length) / MIB / secs)} MiB/s, p50 ${fmt(quantile(lat, 0.5))} ms`);
    } else {
      const smalls = Array.from({ length: 256 }, (_, i) => pngOfSize(SMALL_BYTES, 1_000_000 + i));
      const r = await forSeconds(SMALL_SECONDS, SMALL_CONCURRENCY, async (n) => {
        await upload(server.url, token, `p-${n}.png`, smalls[n % smalls.length]!);
      });
      console.log(
        `profiled small uploads: ${fmt(r.latencies.length / r.elapsed, 0)}/s, p50 ${fmt(quantile(r.latencies, 0.5))} ms, p99 ${fmt(quantile(r.latencies, 0.99))} ms`,
      );
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`profile written to ${profileDir}:`, readdirSync(profileDir).join(", "));
  process.exit(0);
}

// ---------------------------------------------------------------- the run

interface Row {
  workload: string;
  concurrency: string;
  throughput: string;
  detail: string;
  /** Cores kept busy, from /proc/<pid>/stat and process.cpuUsage(). */
  cpu?: string;
}
const rows: Row[] = [];
const diskRows: Row[] = [];
const copyRates: number[] = [];
const largeUploadRates: number[] = [];
const started = performance.now();
const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ");
const say = (line: string) => console.error(`[${fmt((performance.now() - started) / 1000)} s] ${line}`);
if (note) say(note);
say(`server: ${serverCommand}; data in ${work} (${fsInfo.type} on ${fsInfo.source})`);

let bulkUploadMiBs = 0;
let smallPerSecond = 0;
try {
  // Inputs first, so generating them never competes with the server.
  const bulk = Array.from({ length: BULK_COUNT }, (_, i) => pngOfSize(BULK_BYTES, i + 1));
  const bulkSha = bulk.map(sha256Hex);
  const bulkTotal = bulk.reduce((n, b) => n + b.length, 0);
  const smalls = Array.from({ length: 256 }, (_, i) => pngOfSize(SMALL_BYTES, 1_000_000 + i));
  const warm = Array.from({ length: 16 }, (_, i) => pngOfSize(BULK_BYTES, 2_000_000 + i));
  say(`generated ${BULK_COUNT} × ${bulk[0]!.length} B and ${smalls.length} × ${smalls[0]!.length} B PNGs`);
  // 4. This disk's ceiling for durable writes, before the server runs (and again after).
  const before = await diskCeiling("before", bulk, smalls);

  let server = await serve(join(work, "data"));
  try {
    const token = await account(server.url);
    // Warm-up (not measured): the JIT, the connection pool, the fan-out directories' first mkdirs.
    await pool(warm.length, BULK_CONCURRENCY, async (i) => {
      const c = await upload(server.url, token, `warm-${i}.png`, warm[i]!);
      await download(server.url, token, c.id);
    });

    // 1. Bulk upload, then bulk download with every body verified.
    const ids: string[] = new Array(BULK_COUNT);
    let t = performance.now();
    const { result: upLat, cpu: upCpu } = await withCpu(server.proc.pid, () =>
      pool(BULK_COUNT, BULK_CONCURRENCY, async (i) => {
        const c = await upload(server.url, token, `bulk-${i}.png`, bulk[i]!);
        if (c.sha256 !== bulkSha[i]) throw new Error(`server reports sha256 ${c.sha256} for bulk-${i}, expected ${bulkSha[i]}`);
        ids[i] = c.id;
      }),
    );
    let secs = (performance.now() - t) / 1000;
    bulkUploadMiBs = bulkTotal / MIB / secs;
    rows.push({
      workload: `1. upload ${BULK_COUNT} distinct ${fmt(bulk[0]!.length / 1000, 0)} KB PNGs`,
      concurrency: String(BULK_CONCURRENCY),
      throughput: `**${fmt(bulkUploadMiBs)} MiB/s**, ${fmt(BULK_COUNT / secs)} images/s`,
      detail: `p50 ${fmt(quantile(upLat, 0.5))} ms, p99 ${fmt(quantile(upLat, 0.99))} ms`,
      cpu: upCpu,
    });
    say(`bulk upload: ${rows.at(-1)!.throughput}`);

    t = performance.now();
    const { result: downLat, cpu: downCpu } = await withCpu(server.proc.pid, () =>
      pool(BULK_COUNT, BULK_CONCURRENCY, async (i) => {
        const got = await download(server.url, token, ids[i]!);
        if (got.sha256 !== bulkSha[i] || got.bytes !== bulk[i]!.length) throw new Error(`bulk-${i} came back different`);
      }),
    );
    secs = (performance.now() - t) / 1000;
    rows.push({
      workload: `1. download the same ${BULK_COUNT}, each sha256-verified`,
      concurrency: String(BULK_CONCURRENCY),
      throughput: `**${fmt(bulkTotal / MIB / secs)} MiB/s**, ${fmt(BULK_COUNT / secs)} images/s`,
      detail: `p50 ${fmt(quantile(downLat, 0.5))} ms, p99 ${fmt(quantile(downLat, 0.99))} ms`,
      cpu: downCpu,
    });
    say(`bulk download: ${rows.at(-1)!.throughput}`);

    // 2. Small uploads, sustained.
    const { result: small, cpu: smallCpu } = await withCpu(server.proc.pid, () =>
      forSeconds(SMALL_SECONDS, SMALL_CONCURRENCY, async (n) => {
        await upload(server.url, token, `small-${n}.png`, smalls[n % smalls.length]!);
      }),
    );
    smallPerSecond = small.latencies.length / small.elapsed;
    rows.push({
      workload: `2. upload ${fmt(smalls[0]!.length / 1000, 0)} KB PNGs for ${SMALL_SECONDS} s`,
      concurrency: String(SMALL_CONCURRENCY),
      throughput: `**${fmt(smallPerSecond, 0)} requests/s**`,
      detail: `p50 ${fmt(quantile(small.latencies, 0.5))} ms, p99 ${fmt(quantile(small.latencies, 0.99))} ms, ${small.errors} errors`,
      cpu: smallCpu,
    });
    say(`small uploads: ${rows.at(-1)!.throughput}, ${rows.at(-1)!.detail}`);
  } finally {
    await server.stop();
  }

  // 3. Large images, against a freshly started server so "idle" means idle.
  const bigFile = join(work, "big.png");
  const big = writeNoisePngFile(bigFile, BIG_BYTES, 42);
  say(`wrote ${bigFile} (${big.size} B)`);
  server = await serve(join(work, "data-large"));
  const pid = server.proc.pid;
  try {
    const token = await account(server.url);
    const idle = memoryOf(pid);
    const roundTrip = async (file: string, expected: { size: number; sha256: string }, label: string) => {
      // The disk's own rate for this one file first: a copy, fsynced, like the upload's blob.
      let t = performance.now();
      await copyAndSync(file, join(work, `${label}.copy`));
      const copySecs = (performance.now() - t) / 1000;
      rmSync(join(work, `${label}.copy`));
      copyRates.push(expected.size / MIB / copySecs);
      diskRows.push({
        workload: `4. disk: copy the ${fmt(expected.size / MIB, 0)} MiB PNG to a new file + fsync`,
        concurrency: "1",
        throughput: `**${fmt(expected.size / MIB / copySecs)} MiB/s**`,
        detail: "",
      });
      t = performance.now();
      const { result: up, cpu: upCpu } = await withCpu(pid, () =>
        peakDuring(pid, () => upload(server.url, token, `${label}.png`, Bun.file(file))),
      );
      const upSecs = (performance.now() - t) / 1000;
      if (up.result.sha256 !== expected.sha256) throw new Error(`${label}: server reports a different sha256`);
      t = performance.now();
      const { result: down, cpu: downCpu } = await withCpu(pid, () => peakDuring(pid, () => download(server.url, token, up.result.id)));
      const downSecs = (performance.now() - t) / 1000;
      if (down.result.sha256 !== expected.sha256 || down.result.bytes !== expected.size) throw new Error(`${label} came back different`);
      const peak = (m: { hwm: number; sampled: number }) =>
        Number.isNaN(m.hwm) ? `sampled peak RSS ${fmt(m.sampled, 0)} MiB` : `peak RSS ${fmt(m.hwm, 0)} MiB`;
      const mib = expected.size / MIB;
      rows.push({
        workload: `3. one ${fmt(mib, 0)} MiB PNG up (Blob from a file)`,
        concurrency: "1",
        throughput: `**${fmt(mib / upSecs)} MiB/s** (${fmt(upSecs)} s)`,
        detail: `${peak(up)} (idle ${fmt(idle.rss, 0)} MiB)`,
        cpu: upCpu,
      });
      rows.push({
        workload: `3. the same down, sha256-verified`,
        concurrency: "1",
        throughput: `**${fmt(mib / downSecs)} MiB/s** (${fmt(downSecs)} s)`,
        detail: peak(down),
        cpu: downCpu,
      });
      say(`${label}: up ${fmt(mib / upSecs)} MiB/s, down ${fmt(mib / downSecs)} MiB/s, peaks ${fmt(up.hwm, 0)} / ${fmt(down.hwm, 0)} MiB`);
      largeUploadRates.push(mib / upSecs);
      return { upSecs, downSecs };
    };
    const r200 = await roundTrip(bigFile, big, "big");
    rmSync(bigFile);

    const free = filesystemOf(work).availKiB * 1024;
    // Seconds the 1 GiB round trip would take at the 200 MiB rates, plus making the file.
    const estimate = ((r200.upSecs + r200.downSecs) * HUGE_BYTES) / big.size + 5;
    const skip =
      process.env.BENCH_SKIP_1G === "1"
        ? "BENCH_SKIP_1G=1"
        : free < 4 * HUGE_BYTES
          ? `only ${fmt(free / 2 ** 30)} GiB free`
          : estimate > HUGE_BUDGET_SECONDS
            ? `estimated ${fmt(estimate, 0)} s > ${HUGE_BUDGET_SECONDS} s`
            : undefined;
    if (skip) {
      rows.push({ workload: "3. one 1 GiB PNG up and down", concurrency: "1", throughput: "skipped", detail: skip });
    } else {
      const hugeFile = join(work, "huge.png");
      const huge = writeNoisePngFile(hugeFile, HUGE_BYTES, 43);
      say(`wrote ${hugeFile} (${huge.size} B)`);
      await roundTrip(hugeFile, huge, "huge");
      rmSync(hugeFile);
    }
  } finally {
    await server.stop();
  }

  // 4. The disk's ceiling again: it drifts on a shared VM, so the ratios use the mean of both.
  const after = await diskCeiling("after", bulk, smalls);
  rows.push(...before.rows, ...after.rows, ...diskRows);
  const ceilingMiBs = (before.mibs + after.mibs) / 2;
  const ceilingFiles = (before.files + after.files) / 2;

  // ---------------------------------------------------------------- report
  const date = new Date().toISOString().slice(0, 10);
  const kernel = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
  console.log(
    `Measured ${date}: ${cpus().length} CPUs (${cpuModel}), ${fsInfo.type} on ${fsInfo.source}, Linux ${kernel}, Bun ${Bun.version}; load average before the run ${loadBefore}.`,
  );
  console.log(`Server: \`${serverCommand.replace(ROOT + "/", "")}\`; client (Bun fetch) on the same machine.\n`);
  console.log(`| workload | concurrency | throughput | latency / memory | cores busy |`);
  console.log(`|---|---:|---|---|---|`);
  for (const r of rows) console.log(`| ${r.workload} | ${r.concurrency} | ${r.throughput} | ${r.detail} | ${r.cpu ?? ""} |`);
  console.log(`\nbulk upload / disk fsync ceiling (mean of before and after): ${fmt((100 * bulkUploadMiBs) / ceilingMiBs, 0)} %`);
  console.log(`small uploads / per-file fsync rate (mean of before and after): ${fmt((100 * smallPerSecond) / ceilingFiles, 0)} %`);
  largeUploadRates.forEach((rate, i) => {
    const label = i === 0 ? "200 MiB" : "1 GiB";
    console.log(`${label} upload / copy of the same file + fsync: ${fmt((100 * rate) / copyRates[i]!, 0)} %`);
  });
  say(`done`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
