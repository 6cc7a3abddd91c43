// `rclone serve webdav` over a crypt remote that wraps a local directory: an encrypted storage
// server peer (file contents with NaCl secretbox in 64 KiB chunks, names with EME). The remote
// is defined through RCLONE_CONFIG_* variables and the config file is an empty temp file, so the
// user's rclone.conf is neither read nor written.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { envWithout, freePort, spawnServer, type Server } from "../lib/server.ts";

const REMOTE = "pvbench";

export function rcloneUnavailable(): string | undefined {
  return Bun.which("rclone") ? undefined : "rclone not installed (bench/setup-peers.sh needs root and apt)";
}

export function rcloneVersion(): string {
  return /rclone v(\S+)/.exec(spawnSync("rclone", ["version"], { encoding: "utf8" }).stdout)?.[1] ?? "?";
}

/** rclone wants its passwords "obscured" (reversibly encoded) in config; a leading "-" would read as a flag. */
function obscure(secret: string): string {
  const out = spawnSync("rclone", ["obscure", secret], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`rclone obscure failed: ${out.stderr}`);
  return out.stdout.trim();
}

export interface CryptRemote {
  /** The remote's name with its colon, e.g. `pvbench:`; append a path. */
  readonly remote: string;
  /** The local directory that holds the encrypted files. */
  readonly store: string;
  /** Environment that defines the remote (and nothing of the caller's RCLONE_*), for any rclone command. */
  readonly env: Record<string, string>;
}

/**
 * A crypt remote over `dir`/store with random passwords, defined by RCLONE_CONFIG_* variables
 * alone; RCLONE_CONFIG points at an empty file in `dir`.
 */
export function cryptRemote(dir: string): CryptRemote {
  const store = join(dir, "store");
  mkdirSync(store, { recursive: true });
  const config = join(dir, "rclone.conf");
  writeFileSync(config, "");
  const prefix = `RCLONE_CONFIG_${REMOTE.toUpperCase()}_`;
  // Drop the caller's RCLONE_* so their flags (cache mode, bandwidth limits, …) cannot skew the run.
  const env = envWithout(["RCLONE_"], {
    RCLONE_CONFIG: config,
    [`${prefix}TYPE`]: "crypt",
    [`${prefix}REMOTE`]: store,
    [`${prefix}PASSWORD`]: obscure(randomBytes(24).toString("hex")),
    [`${prefix}PASSWORD2`]: obscure(randomBytes(24).toString("hex")),
  });
  return { remote: `${REMOTE}:`, store, env };
}

/** Starts `rclone serve webdav` on a free 127.0.0.1 port, storing the encrypted files under `dir`/store. */
export async function startRclone(dir: string, crypt: CryptRemote = cryptRemote(dir)): Promise<Server> {
  const port = await freePort();
  return spawnServer({
    // No VFS cache (the default, said out loud): a PUT streams through crypt into the directory and
    // is answered once written, where a write cache would answer before the upload reached storage.
    command: ["rclone", "serve", "webdav", crypt.remote, "--addr", `127.0.0.1:${port}`, "--vfs-cache-mode", "off"],
    env: crypt.env,
    logFile: join(dir, "rclone.log"),
    url: `http://127.0.0.1:${port}`,
    // The root collection's HTML listing: 200 once it serves.
    healthUrl: `http://127.0.0.1:${port}/`,
  });
}
