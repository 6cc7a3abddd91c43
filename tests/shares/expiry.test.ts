// Expiry of share links and of unlock cookies, on a clock the test controls. Links are made
// through a real server; the same data directory is then served in-process by createApp with
// deps.now moved forward (the minimum lifetime is 60 s, and no test-only flag exists).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp, type App } from "../../src/app.ts";
import { accountDeps, imageDeps } from "../../src/compose/services.ts";
import { openStorage, type Storage } from "../../src/compose/storage.ts";
import { parseStorageConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startServer, tempDir } from "../support/pixvault.ts";
import { expectProblem, signedInUser } from "../support/accounts.ts";
import { jsonOf } from "../support/http.ts";
import { uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { createShare, unlockCookie, type CreatedShare } from "../support/shares-api.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const PASSWORD = "expiry test password";

describe("share link expiry (in-process, clock moved forward)", () => {
  const dir = tempDir();
  const dataDir = join(dir.path, "data");
  const bytes = noisePng({ width: 24, height: 24, seed: 31 });
  let storage: Storage;
  let app: App;
  let offsetMs = 0;
  let session: string;
  let imageId: string;
  let minute: CreatedShare;
  let week: CreatedShare;
  let locked: CreatedShare;

  const at = (ms: number) => (offsetMs = ms);
  const open = (link: CreatedShare, init: RequestInit = {}) => app.request(`/s/${link.token}`, init);

  beforeAll(async () => {
    const server = await startServer(["--data-dir", dataDir]);
    try {
      const alice = await signedInUser(server.url);
      session = alice.token;
      imageId = (await uploadOne(server.url, alice.token, { name: "ticking.png", bytes })).id;
      minute = await createShare(server.url, alice.token, imageId, { expiresInSeconds: 60 });
      week = await createShare(server.url, alice.token, imageId, { expiresInSeconds: 7 * 86400 });
      locked = await createShare(server.url, alice.token, imageId, { expiresInSeconds: 3600, password: PASSWORD });
    } finally {
      await server.stop();
    }
    const logger = createLogger(() => {});
    storage = await openStorage(parseStorageConfig(["--data-dir", dataDir]).config, logger);
    const now = () => new Date(Date.now() + offsetMs);
    const accounts = { ...accountDeps(storage), now };
    const images = { ...imageDeps(storage, accounts, { maxImageBytes: 1024 * 1024 }, logger), now };
    app = createApp({ logger, version: "test", readiness: {}, accounts, images });
  });

  afterAll(() => {
    storage?.close();
    dir.remove();
  });

  test("a 60-second link works until its expiresAt, then is 410 link_expired for GET, HEAD and ranges", async () => {
    const expiresAt = Date.parse(minute.expiresAt);
    at(expiresAt - Date.now() - 2 * SECOND);
    const before = await open(minute);
    expect(before.status).toBe(200);
    expect(Buffer.from(await before.arrayBuffer()).equals(bytes)).toBe(true);

    at(expiresAt - Date.now() + SECOND);
    const after = await expectProblem(await open(minute), 410, "link_expired");
    expect(after.detail).toContain(minute.expiresAt);
    expect((await open(minute, { method: "HEAD" })).status).toBe(410);
    await expectProblem(await open(minute, { headers: { range: "bytes=0-9" } }), 410, "link_expired");
    // The week-long link of the same image is unaffected.
    expect((await open(week)).status).toBe(200);
  });

  test("the owner's listing drops a link once it has expired", async () => {
    const listed = async () => {
      const res = await app.request(`/api/v1/images/${imageId}/shares`, { headers: { authorization: `Bearer ${session}` } });
      expect(res.status).toBe(200);
      return ((await jsonOf(res)).items as { id: string }[]).map((l) => l.id);
    };
    at(0);
    expect((await listed()).sort()).toEqual([minute.id, week.id, locked.id].sort());
    at(2 * MINUTE);
    expect((await listed()).sort()).toEqual([week.id, locked.id].sort());
  });

  test("the longest link (7 days) ends after 7 days", async () => {
    const expiresAt = Date.parse(week.expiresAt);
    expect(Math.abs(expiresAt - Date.now() - 7 * DAY)).toBeLessThan(MINUTE);
    at(expiresAt - Date.now() - MINUTE);
    expect((await open(week)).status).toBe(200);
    at(expiresAt - Date.now() + SECOND);
    await expectProblem(await open(week), 410, "link_expired");
  });

  test("an unlock cookie lasts 10 minutes; then the form asks again while the link itself still works", async () => {
    at(0);
    const res = await app.request(`/s/${locked.token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ password: PASSWORD }).toString(),
    });
    expect(res.status).toBe(303);
    const cookie = unlockCookie(res)!.pair;

    at(9 * MINUTE);
    const still = await open(locked, { headers: { cookie } });
    expect(still.headers.get("content-type")).toBe("image/png");
    await still.arrayBuffer();

    at(10 * MINUTE + 2 * SECOND);
    const again = await open(locked, { headers: { cookie } });
    expect(again.status).toBe(200);
    expect(again.headers.get("content-type")).toStartWith("text/html");
    await again.arrayBuffer();

    at(61 * MINUTE);
    await expectProblem(await open(locked, { headers: { cookie } }), 410, "link_expired");
  });
});
