// The command line: --help lists every command (README, Commands), --version, unknown commands, migrate.
import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { runCli, tempDir } from "../support/pixvault.ts";

describe("pixvault --help and --version", () => {
  test("--help lists every command of the SPEC and the storage flags", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const cmd of [
      "serve",
      "user create",
      "migrate",
      "fsck",
      "backup",
      "previews [--rebuild | --retry-failed]",
      "rotate-master-key",
      "--version",
    ]) {
      expect(r.stdout).toContain(cmd);
    }
    for (const flag of ["--data-dir", "--database-url", "--blob-store", "--master-key-file", "PIXVAULT_DATA_DIR"]) {
      expect(r.stdout).toContain(flag);
    }
  });

  test("serve --help lists every serve flag with its env twin", async () => {
    const r = await runCli(["serve", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of [
      "host",
      "port",
      "data-dir",
      "database-url",
      "blob-store",
      "master-key-file",
      "public-url",
      "max-image-bytes",
      "user-quota-bytes",
      "tls-cert",
      "tls-key",
    ]) {
      expect(r.stdout).toContain(`--${flag}`);
      expect(r.stdout).toContain(`PIXVAULT_${flag.toUpperCase().replaceAll("-", "_")}`);
    }
  });

  test("--version prints the package version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`pixvault ${pkg.version}`);
  });

  test("an unknown command exits 2 with a pointer to --help", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown command "frobnicate"`);
  });
});

describe("pixvault migrate", () => {
  test("creates the database, is idempotent, and leaves the schema in place", async () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, "nested", "data");
      const first = await runCli(["migrate", "--data-dir", data]);
      expect(first.code).toBe(0);
      expect(first.stderr).toContain("database migrated");
      expect(first.stderr).toContain("0000_init");
      expect(existsSync(join(data, "pixvault.db"))).toBe(true);
      expect(statSync(join(data, "master.key")).mode & 0o777).toBe(0o600);
      const second = await runCli(["migrate", "--data-dir", data]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("up to date");
      expect(second.stderr).not.toContain("database migrated");
    } finally {
      dir.remove();
    }
  });
});
