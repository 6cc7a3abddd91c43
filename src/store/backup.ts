// A consistent copy of a local data directory, taken while a server keeps serving: the
// database through SQLite's VACUUM INTO (one read transaction, so one point in time), then
// the blobs that snapshot references. Blobs never change once written, so a hard link is
// as good as a copy and costs nothing; across filesystems they are copied. Whatever the umask,
// what it writes is the owner's alone: files 0600, directories 0700 (password hashes and
// wrapped keys are in the snapshot).
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { blobPath } from "./blob-layout.ts";
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
  // VACUUM INTO accepts an empty file; SQLite would create a new one 0644.
  closeSync(openSync(snapshotFile, "wx", 0o600));
  chmodSync(snapshotFile, 0o600);
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
      makePrivateDirs(out, dirname(to), dirs);
      const how = linkOrCopy(from, to);
      if (how === "vanished") vanished.push(row.id);
      else {
        if (how === "linked") linked += 1;
        else copied += 1;
        bytes += row.size;
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
  chmodSync(out, 0o700); // also when it existed (empty) or the umask took bits away
}

function linkOrCopy(from: string, to: string): "linked" | "copied" | "vanished" {
  try {
    linkSync(from, to);
    // A link shares the live blob's inode, mode included: a looser one (written by an older
    // version, or restored by hand) is copied instead, and the live file is left as it is.
    if ((statSync(to).mode & 0o777) === 0o600) return "linked";
    unlinkSync(to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "vanished";
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw e;
  }
  try {
    copyFileSync(from, to, constants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !existsSync(to)) return "vanished";
    throw e;
  }
  chmodSync(to, 0o600);
  fsyncPath(to);
  return "copied";
}

/** mkdir -p below `root`, each directory made 0700 whatever the umask; `made` remembers them. */
function makePrivateDirs(root: string, dir: string, made: Set<string>): void {
  if (dir === root || made.has(dir)) return;
  makePrivateDirs(root, dirname(dir), made);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  chmodSync(dir, 0o700);
  made.add(dir);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
