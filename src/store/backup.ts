// A consistent copy of a local data directory, taken while a server keeps serving: the
// database through SQLite's VACUUM INTO (one read transaction, so one point in time), then
// the blobs that snapshot references, originals and previews (backup-previews.ts), hard-linked
// or copied (backup-files.ts). Whatever the umask, what it writes is the owner's alone: files
// 0600, directories 0700 (password hashes and wrapped keys are in the snapshot).
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fsyncPath, linkOrCopy, makePrivateDirs } from "./backup-files.ts";
import { copyPreviews } from "./backup-previews.ts";
import { blobPath } from "./blob-layout.ts";
import { SqliteConnection } from "./sqlite-connection.ts";

export interface BackupSource {
  readonly databaseFile: string;
  readonly blobDir: string;
}

export interface BackupOutcome {
  readonly images: number;
  readonly bytes: number;
  /** Preview blobs in the backup. */
  readonly previews: number;
  /** Blobs (originals and previews) hard-linked, and copied. */
  readonly linked: number;
  readonly copied: number;
  /** Images deleted between the snapshot and their blob's copy: dropped from the backup. */
  readonly vanished: readonly string[];
  /** Images whose previews changed or went while the backup ran: queued to be made again in it. */
  readonly requeued: readonly string[];
}

export class BackupError extends Error {
  override name = "BackupError";
}

export function backupDataDir(source: BackupSource, out: string, onProgress?: (done: number, total: number) => void): BackupOutcome {
  prepareEmptyDir(out);
  const snapshotFile = join(out, "pixvault.db");
  // VACUUM INTO accepts an empty file; SQLite would create a new one 0644.
  closeSync(openSync(snapshotFile, "wx", 0o600));
  chmodSync(snapshotFile, 0o600);
  const live = new SqliteConnection(source.databaseFile, 5000);
  let snapshot: SqliteConnection | undefined;
  try {
    live.execute({ sql: "VACUUM INTO ?", args: [snapshotFile] });
    snapshot = new SqliteConnection(snapshotFile, 5000);
    // Dropping a vanished image drops its job and tags with it.
    snapshot.execute("PRAGMA foreign_keys = ON");
    // Unfinished resumable uploads stay behind (their parts are not copied): a client resumes
    // against the live server, or starts again against a restored one.
    snapshot.execute("DELETE FROM resumable_uploads");
    const rows = snapshot.execute("SELECT id, size FROM images ORDER BY id").rows.map((r) => ({ id: String(r.id), size: Number(r.size) }));
    const readyPreviews = Number(snapshot.execute("SELECT count(*) AS n FROM image_media WHERE status = 'ready'").rows[0]?.n ?? 0);
    const outBlobs = join(out, "blobs");
    const dirs = new Set<string>();
    const counts = { linked: 0, copied: 0, done: 0 };
    const total = rows.length + readyPreviews * 2;
    const copy = (blobId: string) => {
      const to = blobPath(outBlobs, blobId);
      makePrivateDirs(out, dirname(to), dirs);
      const how = linkOrCopy(blobPath(source.blobDir, blobId), to);
      if (how !== "vanished") counts[how] += 1;
      onProgress?.(++counts.done, total);
      return how;
    };
    let bytes = 0;
    const vanished: string[] = [];
    for (const row of rows) {
      if (copy(row.id) === "vanished") vanished.push(row.id);
      else bytes += row.size;
    }
    // The snapshot must not list an image whose blob the backup lacks.
    for (const id of vanished) snapshot.execute({ sql: "DELETE FROM images WHERE id = ?", args: [id] });
    const { previews, requeued } = copyPreviews({
      snapshot,
      live,
      copy,
      discard: (blobId) => rmSync(blobPath(outBlobs, blobId), { force: true }),
    });
    snapshot.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    for (const dir of dirs) fsyncPath(dir);
    fsyncPath(snapshotFile);
    fsyncPath(out);
    return { images: rows.length - vanished.length, bytes, previews, linked: counts.linked, copied: counts.copied, vanished, requeued };
  } finally {
    snapshot?.close();
    live.close();
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
  chmodSync(out, 0o700); // also when it existed (empty) or the umask took bits away
}
