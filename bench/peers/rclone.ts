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

/** Starts `rclone serve webdav` on a free 127.0.0.1 port, storing the encrypted files under `dir`/store. */
export async function startRclone(dir: string): Promise<Server> {
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
  const port = await freePort();
  return spawnServer({
    // No VFS cache (the default, said out loud): a PUT streams through crypt into the directory and
    // is answered once written, where a write cache would answer before the upload reached storage.
    command: ["rclone", "serve", "webdav", `${REMOTE}:`, "--addr", `127.0.0.1:${port}`, "--vfs-cache-mode", "off"],
    env,
    logFile: join(dir, "rclone.log"),
    url: `http://127.0.0.1:${port}`,
    // The root collection's HTML listing: 200 once it serves.
    healthUrl: `http://127.0.0.1:${port}/`,
  });
}
