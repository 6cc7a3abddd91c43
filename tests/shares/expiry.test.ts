// Expiry of share links and of unlock cookies, on a clock the test controls: the whole app runs
// in process (createTestApp) and its clock is moved forward, since the minimum lifetime is 60 s.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestApp, testClock, type TestApp } from "../../src/test-app.ts";
import { expectProblem } from "../support/accounts.ts";
import type { ListedShare } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng } from "../support/images.ts";
import { unlockCookie, type CreatedShare } from "../support/shares-api.ts";
import { sendJson, uploaded } from "../domain/app-client.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const PASSWORD = "expiry test password";

describe("share link expiry (in-process, clock moved forward)", () => {
  const bytes = noisePng({ width: 24, height: 24, seed: 31 });
  // The links are made at `start`; `at(ms)` puts the clock `ms` after that.
  const start = Date.now();
  let t: TestApp;
  let session: string;
  let imageId: string;
  let minute: CreatedShare;
  let week: CreatedShare;
  let locked: CreatedShare;

  const at = (ms: number) => t.clock.set(start + ms);
  const open = (link: CreatedShare, init: RequestInit = {}) => t.request(`/s/${link.token}`, init);
  const share = async (body: Record<string, unknown>): Promise<CreatedShare> => {
    const res = await sendJson(t, "POST", `/api/v1/images/${imageId}/shares`, session, body);
    if (res.status !== 201) throw new Error(`share: ${res.status} ${await res.text()}`);
    return (await res.json()) as CreatedShare;
  };

  beforeAll(async () => {
    t = await createTestApp({ clock: testClock(start) });
    session = (await t.signUp()).token;
    imageId = (await uploaded(t, session, "ticking.png", bytes)).id;
    minute = await share({ expiresInSeconds: 60 });
    week = await share({ expiresInSeconds: 7 * 86400 });
    locked = await share({ expiresInSeconds: 3600, password: PASSWORD });
  });

  afterAll(() => t?.close());

  test("a 60-second link works until its expiresAt, then is 410 link_expired for GET, HEAD and ranges", async () => {
    const expiresAt = Date.parse(minute.expiresAt);
    t.clock.set(expiresAt - 2 * SECOND);
    const before = await open(minute);
    expect(before.status).toBe(200);
    expect(Buffer.from(await before.arrayBuffer()).equals(bytes)).toBe(true);

    t.clock.set(expiresAt + SECOND);
    const after = await expectProblem(await open(minute), 410, "link_expired");
    expect(after.detail).toContain(minute.expiresAt);
    expect((await open(minute, { method: "HEAD" })).status).toBe(410);
    await expectProblem(await open(minute, { headers: { range: "bytes=0-9" } }), 410, "link_expired");
    // The week-long link of the same image is unaffected.
    expect((await open(week)).status).toBe(200);
  });

  test("the owner's listing drops a link once it has expired", async () => {
    const listed = async () => {
      const res = await t.request(`/api/v1/images/${imageId}/shares`, { headers: { authorization: `Bearer ${session}` } });
      expect(res.status).toBe(200);
      return (await jsonOf<{ items: ListedShare[] }>(res)).items.map((l) => l.id);
    };
    at(0);
    expect((await listed()).sort()).toEqual([minute.id, week.id, locked.id].sort());
    at(2 * MINUTE);
    expect((await listed()).sort()).toEqual([week.id, locked.id].sort());
  });

  test("the longest link (7 days) ends after 7 days", async () => {
    const expiresAt = Date.parse(week.expiresAt);
    expect(Math.abs(expiresAt - Date.now() - 7 * DAY)).toBeLessThan(MINUTE);
    t.clock.set(expiresAt - MINUTE);
    expect((await open(week)).status).toBe(200);
    t.clock.set(expiresAt + SECOND);
    await expectProblem(await open(week), 410, "link_expired");
  });

  test("an unlock cookie lasts 10 minutes; then the form asks again while the link itself still works", async () => {
    at(0);
    const res = await t.request(`/s/${locked.token}`, {
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
