// Writes one blob durably: temp file, fsync, rename into its fan-out directory, fsync that directory.
//
// Writes into the page cache run inline: Bun's thread pool has one thread per core, and a
// write queued there waits behind the fsyncs of other uploads. Operations that create or move
// directory entries stay in the pool: under fsync load they wait for the filesystem journal,
// which would stall the event loop.
import { randomBytes } from "node:crypto";
import { closeSync, fsync, open, promises as fs, rmSync, writevSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { release } from "../buffer-handover.ts";
import { blobPath, TEMP_DIR } from "./blob-layout.ts";
import type { BlobWriter } from "./blob-store.ts";

// Plain descriptors, not FileHandles: a FileHandle closes its fd again when collected.
const fsyncFd = promisify(fsync);
const openFd = promisify(open);

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

  return {
    async write(chunks) {
      if (state !== "open") throw new Error("blob writer is closed");
      writeAll(fd, chunks);
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
      try {
        closeSync(fd);
      } catch {
        // already unusable; the file still goes
      }
      rmSync(tempPath, { force: true });
    },
  };
}

/** writev may write fewer bytes than asked; loops until every chunk is in the file. */
function writeAll(fd: number, chunks: readonly Uint8Array[]): void {
  let pending = chunks.filter((c) => c.length > 0);
  while (pending.length > 0) {
    let written = writevSync(fd, pending as Uint8Array[]);
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
}

async function syncDir(dir: string): Promise<void> {
  const fd = await openFd(dir, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
