// A data directory (or blob directory) the server cannot write is one line and exit 1 at start,
// not a server that starts and answers 500 to the first upload.
import { describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, pixvaultCommand, tempDir } from "../support/pixvault.ts";

// Root writes through any file mode (CAP_DAC_OVERRIDE), so as root (CI) pixvault runs as root
// without that capability, where file modes bind it as they bind an unprivileged service user.
// (Running it as nobody instead would fail wherever the checkout sits under a private /root.)
const asRoot = process.getuid?.() === 0;
const WITHOUT_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"];

async function runAsUser(args: string[], home: string, ms = 15_000): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  const proc = Bun.spawn([...(asRoot ? WITHOUT_DAC : []), ...pixvaultCommand(), ...args], {
    env: cleanEnv({ HOME: home }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true; // it started serving: the case this file is about
    proc.kill("SIGKILL");
  }, ms);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited, new Response(proc.stdout).text()]);
  clearTimeout(timer);
  return { code, stderr, timedOut };
}

/** A data directory with a database, a key and a blob directory, owned by the user pixvault runs as. */
async function preparedDataDir(): Promise<{ home: string; data: string; remove(): void }> {
  const dir = tempDir();
  const data = join(dir.path, "data");
  const migrated = await runAsUser(["migrate", "--data-dir", data], dir.path);
  expect(migrated.code, migrated.stderr).toBe(0);
  return {
    home: dir.path,
    data,
    remove: () => {
      Bun.spawnSync(["chmod", "-R", "u+rwx", dir.path]);
      dir.remove();
    },
  };
}

describe("a data directory that cannot be written", () => {
  test("a read-only blob directory: exit 1 at start with one line naming it", async () => {
    const { home, data, remove } = await preparedDataDir();
    try {
      chmodSync(join(data, "blobs"), 0o500);
      const r = await runAsUser(["serve", "--port", "0", "--data-dir", data], home);
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`cannot write to ${join(data, "blobs", ".tmp")} (EACCES)`);
    } finally {
      remove();
    }
  }, 60_000);

  test("a read-only data directory: exit 1 at start with one line naming it", async () => {
    const { home, data, remove } = await preparedDataDir();
    try {
      chmodSync(data, 0o500);
      const r = await runAsUser(["serve", "--port", "0", "--data-dir", data], home);
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`${data}/pixvault.lock (EACCES)`);
      expect(r.stderr).not.toContain("    at ");
    } finally {
      remove();
    }
  }, 60_000);
});
