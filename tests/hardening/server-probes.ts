// What the hardening suites observe of a running server from outside: its memory (through a
// test-only preload), its data directory (temp files, blobs, the master key), whether it still
// answers, and its log — which must never hold a secret.
import { expect } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseKeyring } from "../../src/crypto/master-key.ts";
import type { Keyring } from "../../src/crypto/master-key.ts";
import type { SecretJar } from "../support/accounts.ts";
import type { RunningServer } from "../support/pixvault.ts";

export interface MemoryProbe {
  /** Resident memory after a full collection and a settle period. */
  readonly rssBytes: number;
  /** The JS heap's live objects plus the buffers they own, after a full collection. */
  readonly retainedBytes: number;
  readonly objectCount: number;
}

/** Server environment that preloads memory-probe.preload.ts (kept beside any BUN_OPTIONS given). */
export function memoryProbeEnv(): Record<string, string> {
  const preload = join(import.meta.dir, "memory-probe.preload.ts");
  return { BUN_OPTIONS: [process.env.BUN_OPTIONS, "--preload", preload].filter(Boolean).join(" ") };
}

/**
 * What the server holds once its garbage is collected (it must run with memoryProbeEnv()):
 * unlike a bare RSS reading, this does not depend on when the collector last ran.
 */
export async function probeMemory(server: RunningServer): Promise<MemoryProbe> {
  const probes = () => server.logs().filter((l) => l.msg === "memory probe");
  // Without the preload nothing answers (serve ignores SIGUSR2; an older build would die of it).
  if (!server.logs().some((l) => l.msg === "memory probe ready")) throw new Error("the server was not started with memoryProbeEnv()");
  const seen = probes().length;
  server.proc.kill("SIGUSR2");
  const deadline = Date.now() + 30_000;
  while (probes().length === seen) {
    if (Date.now() > deadline) throw new Error("no memory probe answer within 30 s");
    await Bun.sleep(50);
  }
  const { rssBytes, retainedBytes, objectCount } = probes().at(-1)!;
  return { rssBytes: Number(rssBytes), retainedBytes: Number(retainedBytes), objectCount: Number(objectCount) };
}

/** File descriptors a process holds open (sockets and files alike). */
export function openFileCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
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
function masterKeySpellings(dataDir: string): string[] {
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
