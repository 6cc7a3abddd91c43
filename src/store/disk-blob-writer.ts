// Writes one blob durably: temp file, fsync, rename into its fan-out directory, fsync that directory.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import type { BlobWriter } from "./blob-store.ts";

/** Temp files live inside the blob dir so the final rename never crosses a filesystem. */
export const TEMP_DIR = ".tmp";

// Fan-out directories are created once per process; mkdir on every upload is a wasted syscall.
const knownDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  if (knownDirs.has(dir)) return;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  knownDirs.add(dir);
}

export async function createDiskBlobWriter(root: string, imageId: string, finalPath: string): Promise<BlobWriter> {
  const tempDir = join(root, TEMP_DIR);
  await ensureDir(tempDir);
  const tempPath = join(tempDir, `${imageId}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await fs.open(tempPath, "wx", 0o600);
  let state: "open" | "committed" | "aborted" = "open";

  return {
    async write(chunks) {
      if (state !== "open") throw new Error("blob writer is closed");
      // writev may write fewer bytes than asked; loop until every chunk is on disk.
      let pending = chunks.filter((c) => c.length > 0);
      while (pending.length > 0) {
        let { bytesWritten } = await handle.writev(pending as Uint8Array[]);
        const rest: Uint8Array[] = [];
        for (const chunk of pending) {
          if (bytesWritten >= chunk.length) bytesWritten -= chunk.length;
          else {
            rest.push(chunk.subarray(bytesWritten));
            bytesWritten = 0;
          }
        }
        pending = rest;
      }
    },
    async commit() {
      if (state !== "open") throw new Error("blob writer is closed");
      // The row that points at this blob commits after this returns, so the bytes and
      // the directory entry must both be on stable storage first.
      await handle.sync();
      await handle.close();
      const dir = dirname(finalPath);
      await ensureDir(dir);
      await fs.rename(tempPath, finalPath);
      await syncDir(dir);
      state = "committed";
    },
    async abort() {
      if (state !== "open") return;
      state = "aborted";
      await handle.close().catch(() => {});
      await fs.rm(tempPath, { force: true });
    },
  };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
