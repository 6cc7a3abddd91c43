// A CLI command whose database write fails says so in one line and exits 1: a busy database
// asks for a retry, any other failure names SQLite's code — never the statement, its
// arguments (a fresh password hash, a key salt) or a stack.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import Database from "libsql";
import { runCli, tempDir, type CliResult } from "../support/pixvault.ts";

const dir = tempDir("pixvault-db-errors-");
const dataDir = join(dir.path, "data");
const dbFile = join(dataDir, "pixvault.db");
const PASSWORD = "an operator's first passphrase";
const NEW_PASSWORD = "a completely different passphrase";
let salt: Buffer;

afterAll(() => dir.remove());

beforeAll(async () => {
  const r = await runCli(
    ["user", "create", "--username", "ann", "--email", "ann@example.org", "--name", "Ann", "--password-stdin", "--data-dir", dataDir],
    { stdin: PASSWORD },
  );
  expect(r.code, r.stderr).toBe(0);
  const db = new Database(dbFile);
  try {
    db.exec("PRAGMA query_only = 1");
    salt = (db.prepare("SELECT key_salt FROM users WHERE username = 'ann'").get() as { key_salt: Buffer }).key_salt;
  } finally {
    db.close();
  }
});

/** What a failed command may print: one line, no SQL, no hash, nothing that looks like bytes. */
function expectOneSafeLine(r: CliResult, line: string | RegExp): void {
  const all = r.stdout + r.stderr;
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  if (typeof line === "string") expect(r.stderr.trimEnd()).toBe(line);
  else expect(r.stderr.trimEnd()).toMatch(line);
  expect(all).not.toContain("$argon2");
  expect(all).not.toMatch(/failed query|params|insert into|update "?users|select /i);
  expect(all).not.toContain(salt.toString("hex"));
  expect(all).not.toContain(salt.toString("base64"));
  expect(all).not.toContain(salt.toString("latin1"));
  // No long run of hex, nor of base64 with a digit in it (an id, a hash, a salt) at all.
  expect(all).not.toMatch(/[0-9a-f]{16,}|(?=[A-Za-z+/_-]*[0-9])[A-Za-z0-9+/_-]{20,}/);
}

describe("CLI database failures", () => {
  test("while another process holds the write lock, reset-password and create print one 'database busy' line and exit 1", async () => {
    const holder = Bun.spawn(
      [
        "python3",
        "-c",
        "import sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(30)",
        dbFile,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    try {
      const first = await holder.stdout.getReader().read();
      expect(new TextDecoder().decode(first.value)).toContain("locked");
      const [reset, create] = await Promise.all([
        runCli(["user", "reset-password", "--username", "ann", "--password-stdin", "--data-dir", dataDir], { stdin: NEW_PASSWORD }),
        runCli(
          ["user", "create", "--username", "bob", "--email", "bob@example.org", "--name", "Bob", "--password-stdin", "--data-dir", dataDir],
          {
            stdin: NEW_PASSWORD,
          },
        ),
      ]);
      expectOneSafeLine(reset, "pixvault: database busy (another process is writing), retry");
      expectOneSafeLine(create, "pixvault: database busy (another process is writing), retry");
    } finally {
      holder.kill();
      await holder.exited;
    }
    // Once the lock is gone the same command works, and the old password was kept meanwhile.
    const again = await runCli(["user", "reset-password", "--username", "ann", "--password-stdin", "--data-dir", dataDir], {
      stdin: NEW_PASSWORD,
    });
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);

  test("any other database failure is one line with SQLite's code and message, not the query or its arguments", async () => {
    // A trigger stands in for a failure nobody planned for (a constraint, a corrupt page…).
    const made = spawnSync("python3", [
      "-c",
      "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute(\"CREATE TRIGGER refuse BEFORE UPDATE ON users BEGIN SELECT RAISE(ABORT, 'refused by the test'); END\")",
      dbFile,
    ]);
    expect(made.status, made.stderr.toString()).toBe(0);
    const r = await runCli(["user", "reset-password", "--username", "ann", "--password-stdin", "--data-dir", dataDir], { stdin: PASSWORD });
    expectOneSafeLine(r, /^pixvault: database error SQLITE_CONSTRAINT\w*: refused by the test$/);
  }, 60_000);
});

describe("the server log", () => {
  test("a failed query is logged with SQLite's code, never the statement's arguments", async () => {
    const { createClient } = await import("@libsql/client");
    const { drizzle } = await import("drizzle-orm/libsql");
    const { sql } = await import("drizzle-orm");
    const { describeError } = await import("../../src/logger.ts");
    const client = createClient({ url: ":memory:" });
    try {
      await client.execute("CREATE TABLE t (hash TEXT NOT NULL UNIQUE)");
      const orm = drizzle(client);
      const secret = "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0LXNhbHQ";
      await orm.run(sql`INSERT INTO t (hash) VALUES (${secret})`);
      const failure = await orm.run(sql`INSERT INTO t (hash) VALUES (${secret})`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(String((failure as Error).message)).toContain(secret); // what drizzle would have logged
      const logged = JSON.stringify(describeError(failure));
      expect(logged).toContain("SQLITE_CONSTRAINT");
      expect(logged).not.toContain(secret);
      expect(logged).not.toContain("INSERT INTO");
    } finally {
      client.close();
    }
  });
});
