// client.json: the server a `pixvault login` signed in to and the API token it made (never the
// password), readable by its owner only (file 0600, directory 0700), written atomically.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../config-values.ts";

export interface StoredCredentials {
  readonly server: string;
  readonly token: string;
  readonly username?: string;
  /** The server's certificate is not checked (a self-signed one); chosen at login with --insecure-skip-verify. */
  readonly insecureSkipVerify?: boolean;
}

/** The stored credentials, or undefined when there is no file; a damaged file is a configuration error. */
export function readCredentials(file: string): StoredCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file}: not valid JSON; run pixvault login again`);
  }
  const value = parsed as Partial<StoredCredentials> | null;
  if (typeof value?.server !== "string" || typeof value.token !== "string") {
    throw new ConfigError(`${file}: has no server and token; run pixvault login again`);
  }
  return {
    server: value.server,
    token: value.token,
    ...(typeof value.username === "string" ? { username: value.username } : {}),
    ...(value.insecureSkipVerify === true ? { insecureSkipVerify: true } : {}),
  };
}

export function writeCredentials(file: string, credentials: StoredCredentials): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // A temp file created 0600 (whatever the umask) and renamed: the token is never readable by others,
  // and a crash leaves the old file or the new one, not half of one.
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

export function removeCredentials(file: string): void {
  rmSync(file, { force: true });
}
