// Deleting an account crypto-shreds it (README, Images with curl; docs/FORMAT.md): once the
// deletion has committed, no file of the data directory — database, WAL, shared memory,
// blobs and their previews — holds the user's key salt, any wrapped data key, their email or
// their name, whether the server deleted it or the CLI did.
import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "libsql";
import { call, loginToken, registerUser, strongPassword, type TestUser } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { uploadOne } from "../support/images-api.ts";
import { runCli, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";

const dir = tempDir("pixvault-shred-");
const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.filter((s) => s.proc.exitCode === null).map((s) => s.stop("SIGKILL")));
  dir.remove();
});

interface Traces {
  /** What must vanish, by label: email, name, salt, wrapped key n. */
  readonly needles: Map<string, Buffer>;
  readonly imageIds: string[];
}

/** A user with a distinctive email and name and two images, and the key material the database holds for them. */
async function userWithImages(server: RunningServer, dataDir: string): Promise<{ user: TestUser; token: string; traces: Traces }> {
  const mark = randomBytes(6).toString("hex");
  const user = await registerUser(server.url, undefined, {
    email: `shred-${mark}@example.org`,
    name: `Shreddable Person ${mark}`,
    password: strongPassword(),
  });
  const token = await loginToken(server.url, user.username, user.password);
  const imageIds: string[] = [];
  for (const seed of [1, 2])
    imageIds.push((await uploadOne(server.url, token, { name: `s${seed}.png`, bytes: noisePng({ width: 16, height: 16, seed }) })).id);
  // Asking for a preview makes both now (or waits for the background worker making them): no
  // job is still running when the account goes, and there are previews to destroy.
  for (const id of imageIds) expect((await call(server.url, "GET", `/api/v1/images/${id}/preview`, { token })).status).toBe(200);

  const db = new Database(join(dataDir, "pixvault.db"));
  const needles = new Map<string, Buffer>([
    ["email", Buffer.from(user.email)],
    ["name", Buffer.from(user.name)],
  ]);
  try {
    db.exec("PRAGMA query_only = 1");
    const salt = (db.prepare("SELECT key_salt FROM users WHERE id = ?").get(user.id) as { key_salt: Buffer }).key_salt;
    needles.set("salt", Buffer.from(salt));
    const wrapped = db.prepare("SELECT wrapped_key FROM images WHERE owner_id = ?").all(user.id) as { wrapped_key: Buffer }[];
    expect(wrapped).toHaveLength(2);
    for (const [i, row] of wrapped.entries()) needles.set(`wrapped key ${i}`, Buffer.from(row.wrapped_key));
  } finally {
    db.close();
  }
  for (const bytes of needles.values()) expect(bytes.length).toBeGreaterThanOrEqual(16);
  const blobs = filesUnder(join(dataDir, "blobs")).filter((file) => imageIds.some((id) => file.includes(id)));
  expect(blobs.map((file) => file.slice(file.lastIndexOf("/") + 1)).sort()).toEqual(
    imageIds.flatMap((id) => [id, `${id}.display`, `${id}.thumb`]).sort(),
  );
  return { user, token, traces: { needles, imageIds } };
}

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** `label in file` for every trace found in any file of the data directory. */
function tracesFound(dataDir: string, traces: Traces): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dataDir)) {
    const bytes = readFileSync(file);
    for (const [label, needle] of traces.needles) if (bytes.includes(needle)) found.push(`${label} in ${file.slice(dataDir.length + 1)}`);
    for (const id of traces.imageIds) if (file.includes(id)) found.push(`blob ${file.slice(dataDir.length + 1)}`);
  }
  return found;
}

describe("crypto-shredding on account deletion", () => {
  test("DELETE /api/v1/me leaves no salt, wrapped key, email, name or blob in any file, running or stopped", async () => {
    const dataDir = join(dir.path, "http");
    const server = await startServer(["--data-dir", dataDir]);
    running.push(server);
    const { user, token, traces } = await userWithImages(server, dataDir);
    // The scan sees them while the account exists, so finding nothing later means something.
    expect(tracesFound(dataDir, traces).length).toBeGreaterThanOrEqual(traces.needles.size);

    const res = await call(server.url, "DELETE", "/api/v1/me", { token, json: { password: user.password } });
    expect(res.status).toBe(204);
    expect(tracesFound(dataDir, traces)).toEqual([]);

    expect(await server.stop()).toBe(0);
    expect(tracesFound(dataDir, traces)).toEqual([]);
  }, 60_000);

  test("`pixvault user delete` beside a running server does the same", async () => {
    const dataDir = join(dir.path, "cli");
    const server = await startServer(["--data-dir", dataDir]);
    running.push(server);
    const { user, traces } = await userWithImages(server, dataDir);
    expect(tracesFound(dataDir, traces).length).toBeGreaterThanOrEqual(traces.needles.size);

    const r = await runCli(["user", "delete", "--username", user.username, "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(tracesFound(dataDir, traces)).toEqual([]);
    // The server goes on working on the same file.
    const other = await registerUser(server.url);
    await loginToken(server.url, other.username, other.password);

    expect(await server.stop()).toBe(0);
    expect(tracesFound(dataDir, traces)).toEqual([]);
  }, 60_000);
});
