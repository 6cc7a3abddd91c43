// A write that fails or rolls back on a running server must not keep SQLite's write lock:
// right after it, `pixvault user …` on the same data directory works at once.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import Database from "libsql";
import { call, registerUser, signedInUser, strongPassword } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { uploadOne, uploadRaw } from "../support/images-api.ts";
import { cliUserCreate, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";

const dir = tempDir("pixvault-write-lock-");
const dataDir = join(dir.path, "data");
let server: RunningServer | undefined;
let made = 0;

afterAll(async () => {
  await server?.stop();
  dir.remove();
});

/** Another process's view: the write lock can be taken within half a second (a tenth of the CLI's patience). */
function writeLockFree(): boolean {
  const db = new Database(join(dataDir, "pixvault.db"));
  try {
    db.exec("PRAGMA busy_timeout = 500");
    db.exec("BEGIN IMMEDIATE");
    db.exec("ROLLBACK");
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** `pixvault user create` against the server's data (it gives up on a lock held past 5 s). */
async function createUserViaCli(): Promise<{ code: number; stderr: string }> {
  made += 1;
  const username = `cli-after-${made}`;
  const r = await cliUserCreate(username, strongPassword(), ["--data-dir", dataDir], "After");
  return { code: r.code, stderr: r.stderr };
}

describe("a write that rolls back leaves the database unlocked", () => {
  test("re-registering a taken username (409), then `user create` from another process succeeds at once", async () => {
    server = await startServer(["--data-dir", dataDir]);
    const first = await registerUser(server.url);
    const again = await call(server.url, "POST", "/api/v1/users", {
      json: { name: "Again", username: first.username, email: "again@example.org", password: strongPassword() },
    });
    expect(again.status).toBe(409);
    await again.arrayBuffer();

    expect(writeLockFree()).toBe(true);
    const cli = await createUserViaCli();
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
  }, 30_000);

  test("an upload refused with name_conflict, then `user create` from another process succeeds at once", async () => {
    const member = await signedInUser(server!.url);
    const png = { name: "same.png", bytes: noisePng({ width: 20, height: 20, seed: 7 }) };
    await uploadOne(server!.url, member.token, png);
    const clash = await uploadRaw(server!.url, member.token, png.bytes, { filename: "same.png" });
    expect(clash.status).toBe(409);
    await clash.arrayBuffer();

    expect(writeLockFree()).toBe(true);
    const cli = await createUserViaCli();
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
  }, 30_000);
});
