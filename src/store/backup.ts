// A consistent copy of a local data directory, taken while a server keeps serving: the
// database through SQLite's VACUUM INTO (one read transaction, so one point in time), then
// the blobs that snapshot references. Blobs never change once written, so a hard link is
// as good as a copy and costs nothing; across filesystems they are copied.
import { closeSync, copyFileSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { blobPath } from "./blob-store.ts";
import { SqliteConnection } from "./sqlite-connection.ts";

export interface BackupSource {
  readonly databaseFile: string;
  readonly blobDir: string;
}

export interface BackupOutcome {
  readonly images: number;
  readonly bytes: number;
  readonly linked: number;
  readonly copied: number;
  /** Images deleted between the snapshot and their blob's copy: dropped from the backup. */
  readonly vanished: readonly string[];
}

export class BackupError extends Error {
  override name = "BackupError";
}

export function backupDataDir(source: BackupSource, out: string, onProgress?: (done: number, total: number) => void): BackupOutcome {
  prepareEmptyDir(out);
  const snapshotFile = join(out, "pixvault.db");
  const live = new SqliteConnection(source.databaseFile, 5000);
  try {
    live.execute({ sql: "VACUUM INTO ?", args: [snapshotFile] });
  } finally {
    live.close();
  }
  const snapshot = new SqliteConnection(snapshotFile, 5000);
  try {
    const rows = snapshot.execute("SELECT id, size FROM images ORDER BY id").rows.map((r) => ({ id: String(r.id), size: Number(r.size) }));
    const outBlobs = join(out, "blobs");
    const dirs = new Set<string>();
    let linked = 0;
    let copied = 0;
    let bytes = 0;
    const vanished: string[] = [];
    rows.forEach((row, i) => {
      const from = blobPath(source.blobDir, row.id);
      const to = blobPath(outBlobs, row.id);
      if (!dirs.has(dirname(to))) {
        mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
        dirs.add(dirname(to));
      }
      try {
        linkSync(from, to);
        linked += 1;
        bytes += row.size;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") vanished.push(row.id);
        else if (code === "EXDEV" || code === "EPERM" || code === "EMLINK") {
          copyFileSync(from, to);
          fsyncPath(to);
          copied += 1;
          bytes += row.size;
        } else throw e;
      }
      onProgress?.(i + 1, rows.length);
    });
    // The snapshot must not list an image whose blob the backup lacks.
    for (const id of vanished) snapshot.execute({ sql: "DELETE FROM images WHERE id = ?", args: [id] });
    snapshot.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    for (const dir of dirs) fsyncPath(dir);
    fsyncPath(snapshotFile);
    fsyncPath(out);
    return { images: rows.length - vanished.length, bytes, linked, copied, vanished };
  } finally {
    snapshot.close();
  }
}

function prepareEmptyDir(out: string): void {
  try {
    if (!statSync(out).isDirectory()) throw new BackupError(`--out ${out} exists and is not a directory`);
    if (readdirSync(out).length > 0) throw new BackupError(`--out ${out} is not empty; back up into a new directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
