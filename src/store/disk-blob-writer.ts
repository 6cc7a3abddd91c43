// Writes one blob durably: temp file, fsync, rename into its fan-out directory, fsync that directory.
//
// Writes into the page cache run inline: Bun's thread pool has one thread per core, and a
// write queued there waits behind the fsyncs of other uploads. Operations that create or move
// directory entries stay in the pool: under fsync load they wait for the filesystem journal,
// which would stall the event loop.
import { randomBytes } from "node:crypto";
import { closeSync, fdatasync, fsync, open, promises as fs, rmSync, writevSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { release } from "../buffer-handover.ts";
import { blobPath, TEMP_DIR } from "./blob-layout.ts";
import type { BlobWriter } from "./blob-store.ts";

// Plain descriptors, not FileHandles: a FileHandle closes its fd again when collected.
const fsyncFd = promisify(fsync);
const fdatasyncFd = promisify(fdatasync);
const openFd = promisify(open);

// A large blob's pages would otherwise all reach the disk in the final fsync, after the last
// byte arrived, with the disk idle while the body was received: a 200 MiB upload spent ~0.6 s
// there. Every WRITEBACK_BYTES a flush starts in the thread pool, so the disk writes while the
// body is still coming and the final fsync has only the tail left.
const WRITEBACK_BYTES = 8 * 1024 * 1024;

// Fan-out directories are created once per process; mkdir on every upload is a wasted syscall.
const knownDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  if (knownDirs.has(dir)) return;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  knownDirs.add(dir);
}

export async function createDiskBlobWriter(root: string, imageId: string): Promise<BlobWriter> {
  const finalPath = blobPath(root, imageId);
  const tempDir = join(root, TEMP_DIR);
  await ensureDir(tempDir);
  const tempPath = join(tempDir, `${imageId}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = await openFd(tempPath, "wx", 0o600);
  let state: "open" | "committed" | "aborted" = "open";
  const writeback = new EarlyWriteback(fd);

  return {
    async write(chunks) {
      if (state !== "open") throw new Error("blob writer is closed");
      writeback.wrote(writeAll(fd, chunks));
      // In the page cache now: ciphertext sealed for this blob alone is freed at once.
      for (const chunk of chunks) release(chunk);
    },
    async commit() {
      if (state !== "open") throw new Error("blob writer is closed");
      state = "committed";
      const dir = dirname(finalPath);
      try {
        // The row that points at this blob commits after this returns, so the bytes and
        // the directory entry must both be on stable storage first.
        try {
          await writeback.settled();
          await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
        await ensureDir(dir);
        await fs.rename(tempPath, finalPath);
        await syncDir(dir);
      } catch (e) {
        // Nothing points at this blob yet: a failed commit leaves no file behind.
        state = "aborted";
        rmSync(tempPath, { force: true });
        rmSync(finalPath, { force: true });
        throw e;
      }
    },
    async abort() {
      if (state !== "open") return;
      state = "aborted";
      // A flush still running in the pool must not meet a closed (or reused) descriptor.
      await writeback.settled().catch(() => {});
      try {
        closeSync(fd);
      } catch {
        // already unusable; the file still goes
      }
      rmSync(tempPath, { force: true });
    },
  };
}

/** At most one fdatasync in flight, started after every WRITEBACK_BYTES written. */
class EarlyWriteback {
  #unflushed = 0;
  #running: Promise<void> | undefined;
  #failure: unknown;

  constructor(private readonly fd: number) {}

  wrote(bytes: number): void {
    this.#unflushed += bytes;
    if (this.#unflushed < WRITEBACK_BYTES || this.#running) return;
    this.#unflushed = 0;
    this.#running = fdatasyncFd(this.fd).then(
      () => {
        this.#running = undefined;
      },
      (e: unknown) => {
        // Linux reports a writeback error to one sync call only: it must fail the commit.
        this.#failure ??= e;
        this.#running = undefined;
      },
    );
  }

  /** Waits for a flush in flight; rethrows the first one that failed. */
  async settled(): Promise<void> {
    await this.#running;
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** writev may write fewer bytes than asked; loops until every chunk is in the file. Returns the bytes written. */
function writeAll(fd: number, chunks: readonly Uint8Array[]): number {
  let pending = chunks.filter((c) => c.length > 0);
  let total = 0;
  while (pending.length > 0) {
    let written = writevSync(fd, pending as Uint8Array[]);
    total += written;
    const rest: Uint8Array[] = [];
    for (const chunk of pending) {
      if (written >= chunk.length) written -= chunk.length;
      else {
        rest.push(chunk.subarray(written));
        written = 0;
      }
    }
    pending = rest;
  }
  return total;
}

async function syncDir(dir: string): Promise<void> {
  const fd = await openFd(dir, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
