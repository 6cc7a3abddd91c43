// The master key at start: created 0600 once, reused, and never silently replaced.
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../support/pixvault.ts";

describe("master key", () => {
  test("is created once with mode 0600 and reused on the next start", async () => {
    const dir = tempDir();
    try {
      const key = join(dir.path, "master.key");
      expect((await runCli(["migrate", "--data-dir", dir.path])).code).toBe(0);
      const first = readFileSync(key, "utf8");
      expect(statSync(key).mode & 0o777).toBe(0o600);
      const again = await runCli(["migrate", "--data-dir", dir.path]);
      expect(again.code).toBe(0);
      expect(readFileSync(key, "utf8")).toBe(first);
    } finally {
      dir.remove();
    }
  });

  test("a missing key for an existing database stops the start and creates no new key", async () => {
    const dir = tempDir();
    try {
      const key = join(dir.path, "master.key");
      expect((await runCli(["migrate", "--data-dir", dir.path])).code).toBe(0);
      renameSync(key, join(dir.path, "moved-away.key"));
      const r = await runCli(["migrate", "--data-dir", dir.path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("is missing");
      expect(existsSync(key)).toBe(false);
      const moved = await runCli(["migrate", "--data-dir", dir.path, "--master-key-file", join(dir.path, "moved-away.key")]);
      expect(moved.code).toBe(0);
    } finally {
      dir.remove();
    }
  });

  test("another database's key is refused", async () => {
    const a = tempDir();
    const b = tempDir();
    try {
      expect((await runCli(["migrate", "--data-dir", a.path])).code).toBe(0);
      expect((await runCli(["migrate", "--data-dir", b.path])).code).toBe(0);
      const r = await runCli(["migrate", "--data-dir", a.path, "--master-key-file", join(b.path, "master.key")]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("does not match this database");
      expect(r.stderr).not.toContain(readFileSync(join(b.path, "master.key"), "utf8").slice(60, 90));
    } finally {
      a.remove();
      b.remove();
    }
  });

  test("a key file readable by others, or not a key at all, is refused with one line", async () => {
    const dir = tempDir();
    try {
      const key = join(dir.path, "master.key");
      expect((await runCli(["migrate", "--data-dir", dir.path])).code).toBe(0);
      chmodSync(key, 0o644);
      const open = await runCli(["migrate", "--data-dir", dir.path]);
      expect(open.code).toBe(1);
      expect(open.stderr).toContain("chmod 600");
      const garbage = join(dir.path, "garbage.key");
      writeFileSync(garbage, "not a key", { mode: 0o600 });
      const g = await runCli(["migrate", "--data-dir", dir.path, "--master-key-file", garbage]);
      expect(g.code).toBe(1);
      expect(g.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      dir.remove();
    }
  });
});
