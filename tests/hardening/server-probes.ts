// What the hardening suites observe of a running server from outside: its memory (procfs),
// its data directory (temp files, blobs, the master key), whether it still answers, and its
// log — which must never hold a secret.
import { expect } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseKeyring } from "../../src/crypto/master-key.ts";
import type { Keyring } from "../../src/crypto/master-key.ts";
import type { SecretJar } from "../support/accounts.ts";
import type { RunningServer } from "../support/pixvault.ts";

/** Resident memory of a process (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

/** Upload temp files (`blobs/.tmp/*.tmp`) present in a data directory. */
export function tempBlobFiles(dataDir: string): string[] {
  const dir = join(dataDir, "blobs", ".tmp");
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".tmp")) : [];
}

/** Final blob files (`blobs/ab/cd/<id>`), by image id. */
export function blobIds(dataDir: string): string[] {
  const root = join(dataDir, "blobs");
  const ids: string[] = [];
  for (const a of readdirSync(root)) {
    if (a === ".tmp") continue;
    for (const b of readdirSync(join(root, a))) ids.push(...readdirSync(join(root, a, b)));
  }
  return ids;
}

export function keyringOf(dataDir: string): Keyring {
  const path = join(dataDir, "master.key");
  return parseKeyring(readFileSync(path, "utf8"), path);
}

/** Every master key of a data directory in the spellings a log could carry: base64, base64url, hex. */
export function masterKeySpellings(dataDir: string): string[] {
  return keyringOf(dataDir).versions.flatMap((v) => [v.key.toString("base64"), v.key.toString("base64url"), v.key.toString("hex")]);
}

/** Adds a server's master key (every spelling) to the secrets its log must not hold. */
export function rememberMasterKey(jar: SecretJar, dataDir: string): void {
  jar.add(...masterKeySpellings(dataDir));
}

/** The process runs and answers /healthz. */
export async function expectAlive(server: RunningServer): Promise<void> {
  expect(server.proc.exitCode).toBeNull();
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/** No secret of the jar (passwords, tokens, master keys) in anything these servers wrote. */
export function expectNoSecretsLogged(outputs: readonly string[], jar: SecretJar): void {
  expect(outputs.length).toBeGreaterThan(0);
  expect(jar.size).toBeGreaterThan(0);
  const log = outputs.join("\n");
  expect(log).toContain('"msg":"listening"');
  expect(jar.foundIn(log)).toEqual([]);
}

/** Log lines at level error: each one is something an operator would be paged for. */
export function errorLines(server: RunningServer): string[] {
  return server
    .logs()
    .filter((l) => l.level === "error")
    .map((l) => JSON.stringify(l));
}
