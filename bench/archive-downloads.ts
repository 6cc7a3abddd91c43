// Issue 6's archive workloads, pixvault only: stored images downloaded as one zip
// (`GET /api/v1/images/archive?ids=…`), one request at a time, beside `zip -0` of the same
// plaintext files from disk in the same run. Each timed body is counted, its length checked
// against Content-Length and its last 22 bytes against the end record; the first (untimed)
// download is written to disk and read back by unzip and Python's zipfile.
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syncDisks } from "./lib/machine.ts";
import { writeNoisePngFile } from "./lib/png-file.ts";
import { peakDuring, withCpu, type Cores } from "./lib/proc.ts";
import { MIB, median } from "./lib/stats.ts";
import { zipStoreRate, type ZipRate } from "./lib/zip-baseline.ts";
import { checkEndRecord, EOCD_LENGTH, Tail, verifyZipFile } from "./lib/zip-check.ts";
import type { Target } from "./targets.ts";
import { bulkName, type Payload } from "./workloads.ts";

/** A plaintext file on disk, stored in pixvault under the same name. */
export interface StoredFile {
  name: string;
  size: number;
  sha256: string;
}

export interface ArchiveDownloads {
  /** The zip's Content-Length, bytes (every timed body had exactly this many). */
  bytes: number;
  /** Each timed run, MiB/s of zip bytes from request sent to last byte, in run order. */
  rates: number[];
  /** Median of `rates`. */
  mibs: number;
  /** Each run, ms from request sent to the first body byte. */
  ttfb: number[];
  ttfbMedian: number;
  /** Each run's wall time, ms. */
  durations: number[];
  /** Highest VmHWM of the server over the runs, VmHWM reset before each request, MiB. */
  peak: number;
  /** The server's RSS before the first timed run, MiB. */
  rssBefore: number;
  /** Over all timed runs. */
  cores: Cores;
}

export interface ArchiveWorkload {
  files: number;
  /** Sum of the plaintext files, bytes. */
  fileBytes: number;
  download: ArchiveDownloads;
  /** `zip -0` of the same files from disk. */
  zip: ZipRate | { skipped: string };
  /** How the untimed first download was verified. */
  verified: string;
}

async function zipResponse(target: Target, names: string[]): Promise<{ res: Response; length: number }> {
  if (!target.archive) throw new Error(`${target.name} has no archive API`);
  const res = await target.archive(names);
  if (res.status !== 200 || !res.body) throw new Error(`archive of ${names.length}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  const length = Number(res.headers.get("content-length"));
  if (!Number.isSafeInteger(length) || length <= 0)
    throw new Error(`archive of ${names.length}: Content-Length ${res.headers.get("content-length")}`);
  return { res, length };
}

/** One download, drained and counted; its length and end record checked. */
async function timedDownload(target: Target, names: string[]): Promise<{ bytes: number; ttfb: number; ms: number }> {
  const t = performance.now();
  const { res, length } = await zipResponse(target, names);
  let ttfb = NaN;
  let bytes = 0;
  const tail = new Tail(EOCD_LENGTH);
  for await (const chunk of res.body!) {
    if (bytes === 0) ttfb = performance.now() - t;
    bytes += chunk.length;
    tail.push(chunk);
  }
  const ms = performance.now() - t;
  if (bytes !== length) throw new Error(`archive of ${names.length}: ${bytes} bytes for a Content-Length of ${length}`);
  checkEndRecord(tail.value, bytes, names.length);
  return { bytes, ttfb, ms };
}

/** `runs` downloads of the zip of `names`, one after another. */
export async function timedArchiveDownloads(target: Target, names: string[], runs: number): Promise<ArchiveDownloads> {
  const pids = target.server.pids();
  const rssBefore = target.rss().rss;
  const { result, cores } = await withCpu(pids, async () => {
    const each = [];
    for (let i = 0; i < runs; i++) each.push(await peakDuring(pids, () => timedDownload(target, names)));
    return each;
  });
  const rates = result.map((r) => r.result.bytes / MIB / (r.result.ms / 1000));
  const ttfb = result.map((r) => r.result.ttfb);
  return {
    bytes: result[0]!.result.bytes,
    rates,
    mibs: median(rates),
    ttfb,
    ttfbMedian: median(ttfb),
    durations: result.map((r) => r.result.ms),
    peak: Math.max(...result.map((r) => r.peak)),
    rssBefore,
    cores,
  };
}

/** The zip of `files` written to `path` and read back by real readers; also warms the server up. Removed after. */
async function verifiedDownload(target: Target, files: StoredFile[], path: string): Promise<string> {
  const { res, length } = await zipResponse(
    target,
    files.map((f) => f.name),
  );
  try {
    await Bun.write(path, res);
    const size = statSync(path).size;
    if (size !== length) throw new Error(`archive of ${files.length}: ${size} bytes for a Content-Length of ${length}`);
    return verifyZipFile(path, new Map(files.map((f) => [f.name, f.sha256])));
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * The whole workload over `files`, stored in pixvault and present as plaintext in `dir`:
 * a verified first download, `zip -0` of the files `runs` times, then `runs` timed downloads.
 */
export async function archiveWorkload(target: Target, files: StoredFile[], dir: string, runs: number): Promise<ArchiveWorkload> {
  const names = files.map((f) => f.name);
  const verified = await verifiedDownload(target, files, join(dir, "..", "verify.zip"));
  const zip = zipStoreRate(dir, names, join(dir, "..", "zip0.zip"), runs);
  syncDisks(); // the baseline's zip was removed, but do not leave its writeback to the downloads
  const download = await timedArchiveDownloads(target, names, runs);
  return { files: files.length, fileBytes: files.reduce((n, f) => n + f.size, 0), download, zip, verified };
}

/** The bulk images already uploaded as <prefix>bulk-<i>.<jpg|png>, written to `dir` as plaintext; the workload over them. */
export async function bulkArchive(target: Target, bulk: Payload[], dir: string, runs: number, prefix = ""): Promise<ArchiveWorkload> {
  mkdirSync(dir, { recursive: true });
  try {
    const files = bulk.map((b, i) => {
      const name = bulkName(prefix, i, b.bytes);
      writeFileSync(join(dir, name), b.bytes);
      return { name, size: b.bytes.length, sha256: b.sha256 };
    });
    syncDisks();
    return await archiveWorkload(target, files, dir, runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why `count` × `bytes` should not run here, or undefined: the files, their blobs, zip -0's copy and the verified download. */
export function largeArchiveSkipReason(freeBytes: number, count: number, bytes: number): string | undefined {
  const needed = 4 * count * bytes + 2 ** 30;
  return freeBytes < needed ? `only ${(freeBytes / 2 ** 30).toFixed(1)} GiB free, ${(needed / 2 ** 30).toFixed(1)} GiB needed` : undefined;
}

/** `count` noise PNGs of `bytes` written to `dir`, uploaded as big-<i>.png (untimed), then the workload. */
export async function largeArchive(target: Target, count: number, bytes: number, dir: string, runs: number): Promise<ArchiveWorkload> {
  mkdirSync(dir, { recursive: true });
  try {
    const files: StoredFile[] = [];
    for (let i = 1; i <= count; i++) {
      const name = `big-${i}.png`;
      const written = writeNoisePngFile(join(dir, name), bytes, 4400 + i);
      await target.upload(name, Bun.file(join(dir, name)));
      files.push({ name, ...written });
    }
    syncDisks();
    return await archiveWorkload(target, files, dir, runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
