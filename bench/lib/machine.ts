// This machine and its limits: where the data dirs go, what the disk sustains with fsync, what
// one core does with AES-256-GCM. Every server's numbers are read against these.
import { spawnSync } from "node:child_process";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { promises as fs } from "node:fs";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { forSeconds, MIB, pool, quantile } from "./stats.ts";

const ROOT = join(import.meta.dir, "../..");

export function filesystemOf(dir: string): { type: string; source: string; availKiB: number } {
  const out = spawnSync("df", ["-PTk", dir], { encoding: "utf8" }).stdout.trim().split("\n").at(-1)!.split(/\s+/);
  return { source: out[0]!, type: out[1]!, availKiB: Number(out[4]) };
}

/** BENCH_DIR, else the temp dir unless it is tmpfs (no disk to measure), else .bench-tmp/ on the repository's disk. */
export function benchBaseDir(): string {
  if (process.env.BENCH_DIR) return resolve(process.env.BENCH_DIR);
  if (filesystemOf(tmpdir()).type !== "tmpfs") return tmpdir();
  const local = join(ROOT, ".bench-tmp"); // gitignored
  mkdirSync(local, { recursive: true });
  return local;
}

export function machineSummary(dataDir: string): string {
  const fsInfo = filesystemOf(dataDir);
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? "unknown CPU";
  const os = /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux";
  const kernel = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
  return (
    `${cpus().length} CPUs (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os}, Linux ${kernel}, Bun ${Bun.version}; ` +
    `data dirs on ${fsInfo.type} (${fsInfo.source}); load average at the start ${load}`
  );
}

/** Flushes every dirty page, so one server's unsynced writes are not written back during the next one's run. */
export function syncDisks(): void {
  spawnSync("sync");
}

async function syncDir(dir: string): Promise<void> {
  const d = await fs.open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function writeAndSync(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(join(dir, name), "wx", 0o600);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await syncDir(dir);
}

export interface DiskCeiling {
  /** write + fsync(file) + fsync(dir) of every bulk file at the bulk concurrency. */
  bulkMiBs: number;
  bulkFilesPerSecond: number;
  bulkP50: number;
  bulkP99: number;
  /** The same for small files, sustained. */
  smallFilesPerSecond: number;
  smallP50: number;
  smallP99: number;
  /**
   * Small files created and written without any fsync, one after another on one thread: what
   * a single-threaded server (an nginx worker) pays in the kernel per stored file.
   */
  createFilesPerSecond: number;
}

function createFiles(dir: string, files: Uint8Array[], seconds: number): number {
  const end = performance.now() + seconds * 1000;
  const t = performance.now();
  let n = 0;
  while (performance.now() < end) {
    const fd = openSync(join(dir, `create-${n}`), "wx", 0o600);
    writeSync(fd, files[n % files.length]!);
    closeSync(fd);
    n += 1;
  }
  return n / ((performance.now() - t) / 1000);
}

/**
 * What a durable upload can reach on this disk: the files written and fsynced from here, no
 * server. The files stay: the caller removes `dir` when the whole run is over, because on
 * ext4 without a journal (this VM's) creating files is up to 6× dearer for minutes after many
 * were deleted (the allocator skips "recently deleted" inodes one inode-table read at a time).
 */
export async function diskCeiling(
  dir: string,
  bulk: Uint8Array[],
  bulkConcurrency: number,
  smalls: Uint8Array[],
  smallConcurrency: number,
  smallSeconds: number,
): Promise<DiskCeiling> {
  mkdirSync(dir);
  const t = performance.now();
  const lat = await pool(bulk.length, bulkConcurrency, (i) => writeAndSync(dir, `bulk-${i}`, bulk[i]!));
  const secs = (performance.now() - t) / 1000;
  const small = await forSeconds(smallSeconds, smallConcurrency, (n) => writeAndSync(dir, `small-${n}`, smalls[n % smalls.length]!));
  const createFilesPerSecond = createFiles(dir, smalls, Math.min(2, smallSeconds));
  return {
    bulkMiBs: bulk.reduce((n, b) => n + b.length, 0) / MIB / secs,
    bulkFilesPerSecond: bulk.length / secs,
    bulkP50: quantile(lat, 0.5),
    bulkP99: quantile(lat, 0.99),
    smallFilesPerSecond: small.latencies.length / small.elapsed,
    smallP50: quantile(small.latencies, 0.5),
    smallP99: quantile(small.latencies, 0.99),
    createFilesPerSecond,
  };
}

/** Streams `from` into a new file `to` in the reader's chunks, then fsyncs it and its directory; MiB/s. */
export async function copyAndSync(from: string, to: string): Promise<number> {
  const t = performance.now();
  const out = await fs.open(to, "wx", 0o600);
  try {
    for await (const chunk of Bun.file(from).stream()) await out.write(chunk);
    await out.sync();
  } finally {
    await out.close();
  }
  await syncDir(dirname(to));
  const rate = Bun.file(to).size / MIB / ((performance.now() - t) / 1000);
  rmSync(to);
  return rate;
}

/**
 * `openssl speed -evp aes-256-gcm` on 16 KiB blocks, one core: MB/s (10^6 bytes), or why not.
 * -mr prints "+H:<sizes>" and "+F:<n>:<name>:<bytes per second per size>" lines.
 */
export function opensslAesGcm(seconds: number): { mbs: number } | { skipped: string } {
  if (!Bun.which("openssl")) return { skipped: "openssl not installed" };
  const out = spawnSync("openssl", ["speed", "-mr", "-seconds", String(seconds), "-bytes", "16384", "-evp", "aes-256-gcm"], {
    encoding: "utf8",
  });
  const sizes = /^\+H:(.*)$/m.exec(out.stdout)?.[1]?.split(":");
  const rates = /^\+F:\d+:[^:]+:(.*)$/m.exec(out.stdout)?.[1]?.split(":");
  const at = sizes?.indexOf("16384") ?? -1;
  if (out.status !== 0 || !rates || at < 0) return { skipped: `openssl speed failed: ${(out.stderr || out.stdout).trim().slice(0, 200)}` };
  return { mbs: Number(rates[at]) / 1e6 };
}

export interface AesGcmDecrypt {
  /** Best pass, MiB/s of plaintext. */
  best: number;
  median: number;
  passes: number;
}

/**
 * AES-256-GCM decryption as pixvault does it per blob segment, in this process (Bun): a
 * createDecipheriv, setAuthTag, update and final per 64 KiB segment, one core. `mib` MiB per
 * pass over a 64 MiB ciphertext; best and median of `passes` passes after a warm-up.
 */
export function aesGcmDecryptLimit(mib: number, passes: number): AesGcmDecrypt {
  const SEGMENT = 64 * 1024;
  const key = randomBytes(32);
  const plaintext = randomBytes(Math.min(mib, 64) * MIB);
  const segments: { nonce: Buffer; data: Buffer; tag: Buffer }[] = [];
  for (let at = 0, n = 0; at < plaintext.length; at += SEGMENT, n++) {
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32BE(n, 8);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    const data = Buffer.concat([cipher.update(plaintext.subarray(at, at + SEGMENT)), cipher.final()]);
    segments.push({ nonce, data, tag: cipher.getAuthTag() });
  }
  const pass = () => {
    const t = performance.now();
    let bytes = 0;
    while (bytes < mib * MIB) {
      for (const s of segments) {
        const decipher = createDecipheriv("aes-256-gcm", key, s.nonce);
        decipher.setAuthTag(s.tag);
        bytes += decipher.update(s.data).length;
        decipher.final();
      }
    }
    return bytes / MIB / ((performance.now() - t) / 1000);
  };
  pass();
  const rates = Array.from({ length: passes }, pass);
  return {
    best: Math.max(...rates),
    median: quantile(
      [...rates].sort((a, b) => a - b),
      0.5,
    ),
    passes,
  };
}
