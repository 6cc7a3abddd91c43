// What a command checks on its data directory before it uses it: that no other process holds
// it (one server, or one key change, at a time) and, for the server, that it can be written.
import { existsSync, mkdirSync, promises as fs } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { StorageConfig } from "../config.ts";
import { TEMP_DIR } from "../store/blob-layout.ts";
import { databaseFilePath } from "../store/db.ts";
import { LOCK_FILE, lockDataDir, type DataDirLock, type LockHolder } from "../store/data-dir-lock.ts";
import { StartupError } from "./startup-error.ts";

const unlocked: DataDirLock = { release() {} };

export interface ClaimOptions {
  /** Who takes the lock, as the refusal names it (`serve`, `rotate-master-key`). */
  readonly command: string;
  /** What to do when another process holds it. */
  readonly advice: string;
  /** Make the directory first (serve); otherwise a directory that does not exist has nothing to guard. */
  readonly create?: boolean;
}

/**
 * The lock of a data directory whose database is a local file: that database is one server's, and
 * an offline job command must not run beside it. undefined on a libSQL server, where several
 * processes share the work safely (leases).
 */
export function claimLocalDataDir(config: StorageConfig, options: ClaimOptions): DataDirLock | undefined {
  return databaseFilePath(config.databaseUrl) !== undefined ? claimDataDir(config.dataDir, options) : undefined;
}

/** Takes the data directory's lock, or fails with one line naming the process that holds it. */
export function claimDataDir(dataDir: string, { command, advice, create = false }: ClaimOptions): DataDirLock {
  if (create) makeDir(dataDir);
  else if (!existsSync(dataDir)) return unlocked;
  let attempt;
  try {
    attempt = lockDataDir(dataDir, command);
    // A holder that took the lock a moment ago may not have written its pid yet.
    for (let tries = 0; "heldBy" in attempt && attempt.heldBy === undefined && tries < 20; tries++) {
      Bun.sleepSync(50);
      attempt = lockDataDir(dataDir, command);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) {
      throw new StartupError(
        `${command}: cannot open the lock file ${join(dataDir, LOCK_FILE)} (${code}); check the owner, mode and mount of the data directory and of that file`,
      );
    }
    throw new StartupError(`${command}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if ("lock" in attempt) return attempt.lock;
  throw new StartupError(`${command}: the data directory ${dataDir} is in use by ${describe(attempt.heldBy)}; ${advice}`);
}

function describe(holder: LockHolder | undefined): string {
  return holder ? `pixvault ${holder.command} (pid ${holder.pid})` : "another pixvault process";
}

/**
 * Creates, fsyncs and removes a file where the server writes (the data directory for a local
 * database, the blob temp directory for disk blobs): a read-only mount, a wrong owner or a full
 * disk is one line at start instead of a 500 on the first upload. Asynchronous: the fsyncs run in
 * the thread pool while the caller opens storage (cold start, SPEC §7).
 */
export async function probeWritable(config: StorageConfig, localDatabase: boolean): Promise<void> {
  const dirs = [
    ...(localDatabase ? [config.dataDir] : []),
    ...(config.blobStore.kind === "disk" ? [join(config.blobStore.dir, TEMP_DIR)] : []),
  ];
  await Promise.all(dirs.map(probeDir));
}

async function probeDir(dir: string): Promise<void> {
  const probe = join(dir, `.write-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const file = await fs.open(probe, "wx", 0o600);
    try {
      await file.write("pixvault");
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.unlink(probe);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new StartupError(
      `cannot write to ${dir} (${reason}): the server writes its database and images there; check its owner, mode and mount`,
    );
  }
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StartupError(`cannot create the directory ${dir}: ${(e as Error).message}`);
  }
}
