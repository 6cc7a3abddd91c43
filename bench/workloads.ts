// The workloads, each written once against the Target interface so every server runs exactly
// the same client code. They return numbers; formatting is the report's business.
import { peakDuring, withCpu, type Cores } from "./lib/proc.ts";
import type { Server } from "./lib/server.ts";
import { forSeconds, MIB, pool, quantile } from "./lib/stats.ts";
import type { Target, TargetKind } from "./targets.ts";

/** "jpg" for a JPEG, else "png": the names the workloads store files under say what they hold. */
export const extensionOf = (bytes: Uint8Array): string => (bytes[0] === 0xff && bytes[1] === 0xd8 ? "jpg" : "png");

/** The name the bulk workloads store file `i` under. */
export const bulkName = (prefix: string, i: number, bytes: Uint8Array): string => `${prefix}bulk-${i}.${extensionOf(bytes)}`;

export interface Transfer {
  /** Payload MiB/s (request or response bodies). */
  mibs: number;
  /** Requests completed per second. */
  perSecond: number;
  p50: number;
  p99: number;
  seconds: number;
  errors: number;
  firstError?: string;
  cores: Cores;
}

export interface Payload {
  bytes: Uint8Array;
  sha256: string;
}

function transfer(
  bytes: number,
  count: number,
  latencies: number[],
  seconds: number,
  cores: Cores,
  errors = 0,
  firstError?: string,
): Transfer {
  return {
    mibs: bytes / MIB / seconds,
    perSecond: count / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    seconds,
    errors,
    firstError,
    cores,
  };
}

async function verifiedDownload(target: Target, name: string, expected: { size: number; sha256: string }): Promise<void> {
  const got = await target.download(name);
  if (got.sha256 !== expected.sha256 || got.bytes !== expected.size) {
    throw new Error(`${target.name}: ${name} came back different (${got.bytes} B, sha256 ${got.sha256.slice(0, 12)}…)`);
  }
}

/**
 * Not measured: the JIT, connection pools and first directory creations, so the runs that
 * follow show a server in its steady state (a server runs for weeks; its first second is
 * not what users see). Rounds of uploads and downloads for at least `seconds`, the same for
 * every target. pixvault's JIT needs a few hundred requests: after 16 its 500 KB uploads
 * and downloads ran ~30 % slower than later in the same process.
 */
export async function warmUp(target: Target, files: Payload[], concurrency: number, seconds: number): Promise<void> {
  const until = performance.now() + seconds * 1000;
  for (let round = 0; round === 0 || performance.now() < until; round++) {
    await pool(files.length, concurrency, async (i) => {
      const name = `warm-${round}-${i}.${extensionOf(files[i]!.bytes)}`;
      await target.upload(name, files[i]!.bytes);
      await verifiedDownload(target, name, { size: files[i]!.bytes.length, sha256: files[i]!.sha256 });
    });
  }
}

/** Every file uploaded at `concurrency` as `<prefix>bulk-<i>.<jpg|png>`. */
export async function bulkUpload(target: Target, files: Pick<Payload, "bytes">[], concurrency: number, prefix = ""): Promise<Transfer> {
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  const { result, seconds, cores } = await withCpu(target.server.pids(), () =>
    pool(files.length, concurrency, (i) => target.upload(bulkName(prefix, i, files[i]!.bytes), files[i]!.bytes)),
  );
  return transfer(total, files.length, result, seconds, cores);
}

/** Every file of a bulkUpload with the same prefix downloaded and sha256-checked at `concurrency`. */
export async function bulkDownload(target: Target, files: Payload[], concurrency: number, prefix = ""): Promise<Transfer> {
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  const { result, seconds, cores } = await withCpu(target.server.pids(), () =>
    pool(files.length, concurrency, (i) =>
      verifiedDownload(target, bulkName(prefix, i, files[i]!.bytes), { size: files[i]!.bytes.length, sha256: files[i]!.sha256 }),
    ),
  );
  return transfer(total, files.length, result, seconds, cores);
}

/** Every file of a bulkUpload with the same prefix deleted at `concurrency` (mibs counts the bytes deleted). */
export async function bulkDelete(target: Target, files: Pick<Payload, "bytes">[], concurrency: number, prefix: string): Promise<Transfer> {
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  const { result, seconds, cores } = await withCpu(target.server.pids(), () =>
    pool(files.length, concurrency, (i) => target.remove(bulkName(prefix, i, files[i]!.bytes))),
  );
  return transfer(total, files.length, result, seconds, cores);
}

/** The run with the median rate of several (the middle one of an odd count). */
export function medianRun(runs: Transfer[]): Transfer | undefined {
  return [...runs].sort((a, b) => a.mibs - b.mibs)[Math.floor(runs.length / 2)];
}

/** Server CPU seconds per request and per MiB of a run. */
export const cpuPerRequest = (t: Transfer): number => t.cores.serverSeconds / (t.perSecond * t.seconds);
export const cpuPerMiB = (t: Transfer): number => t.cores.serverSeconds / (t.mibs * t.seconds);

/** Small uploads back to back for `seconds`; failures are counted, not fatal. */
export async function smallUploads(target: Target, files: Uint8Array[], seconds: number, concurrency: number): Promise<Transfer> {
  const { result, cores } = await withCpu(target.server.pids(), () =>
    forSeconds(seconds, concurrency, (n) => {
      const file = files[n % files.length]!;
      return target.upload(`small-${n}.${extensionOf(file)}`, file);
    }),
  );
  const mean = files.reduce((sum, f) => sum + f.length, 0) / files.length;
  const bytes = result.latencies.length * mean;
  return transfer(bytes, result.latencies.length, result.latencies, result.elapsed, cores, result.errors, result.firstError);
}

export interface LargeRoundTrip {
  up: Transfer;
  down: Transfer;
  /** VmHWM over the server's processes during the upload, and during the download, MiB. */
  upPeak: number;
  downPeak: number;
}

/** One large file up (a Blob streamed from disk) and down (hashed as it arrives), peak RSS of each. */
export async function largeRoundTrip(
  target: Target,
  file: string,
  expected: { size: number; sha256: string },
  name: string,
): Promise<LargeRoundTrip> {
  const pids = target.server.pids();
  const up = await withCpu(pids, () => peakDuring(pids, () => target.upload(name, Bun.file(file))));
  const down = await withCpu(pids, () => peakDuring(pids, () => verifiedDownload(target, name, expected)));
  return {
    up: transfer(expected.size, 1, [up.seconds * 1000], up.seconds, up.cores),
    down: transfer(expected.size, 1, [down.seconds * 1000], down.seconds, down.cores),
    upPeak: up.result.peak,
    downPeak: down.result.peak,
  };
}

/**
 * Why a round trip of `hugeBytes` should not run now, or undefined: judged from the free space
 * (the file, its copy and the server's blob) and from the rates of the round trip just made.
 */
export function hugeSkipReason(
  freeBytes: number,
  hugeBytes: number,
  previous: LargeRoundTrip,
  previousBytes: number,
  budgetSeconds: number,
): string | undefined {
  const estimate = ((previous.up.seconds + previous.down.seconds) * hugeBytes) / previousBytes + 5; // + making the file
  if (freeBytes < 4 * hugeBytes) return `only ${(freeBytes / 2 ** 30).toFixed(1)} GiB free`;
  if (estimate > budgetSeconds) return `estimated ${estimate.toFixed(0)} s > ${budgetSeconds} s`;
  return undefined;
}

export interface ColdStarts {
  /** The first start, on an empty state dir (pixvault: creates its database and key). */
  fresh: number;
  /** Later starts on the state the first one left (with `files` stored), ascending. */
  existing: number[];
  /** How many files the existing state holds. */
  stored: number;
}

/**
 * Spawn to the first 200 from the health URL: once on an empty dir (that server then stores
 * `files`, pixvault under a new account), then `runs` times on the data it left.
 */
export async function coldStarts(kind: TargetKind, dir: string, runs: number, files: Pick<Payload, "bytes">[]): Promise<ColdStarts> {
  const first = await kind.start(dir);
  try {
    const target = await kind.connect(first);
    for (const [i, f] of files.entries()) await target.upload(bulkName("cold-", i, f.bytes), f.bytes);
  } finally {
    await first.stop();
  }
  const existing: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server: Server = await kind.start(dir);
    await server.stop();
    existing.push(server.coldStartMs);
  }
  return { fresh: first.coldStartMs, existing: existing.sort((a, b) => a - b), stored: files.length };
}

/** Best of `times` GETs of `url` drained by Bun's fetch (the client of every workload here), MiB/s. */
export async function drainedGet(url: string, times: number): Promise<number> {
  let best = 0;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    const res = await fetch(url);
    if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: ${res.status}`);
    let bytes = 0;
    for await (const chunk of res.body) bytes += chunk.length;
    best = Math.max(best, bytes / MIB / ((performance.now() - t) / 1000));
  }
  return best;
}

/** The same with curl into /dev/null, which costs the client less: closer to what loopback HTTP itself allows. */
export function curlGet(url: string, times: number): number | undefined {
  if (!Bun.which("curl")) return undefined;
  let best = 0;
  for (let i = 0; i < times; i++) {
    const out = Bun.spawnSync(["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download}", url]);
    if (out.exitCode !== 0) return undefined;
    best = Math.max(best, Number(out.stdout.toString()) / MIB);
  }
  return best;
}
