// Share-link rules in process, on the test app's clock: expiry, maxDownloads, password (and its
// throttle window) and revocation, each as steps with what a link must and must not give.
import { afterEach, describe, expect, test } from "bun:test";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { noisePng } from "../support/images.ts";
import { bearer, outcome, sendJson, uploaded } from "./app-client.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const PASSWORD = "correct horse share";

interface Link {
  id: string;
  token: string;
  expiresAt: string;
}

type Step =
  | { advance: number }
  | {
      open: string;
      method?: "GET" | "HEAD";
      range?: string;
      unlocked?: boolean;
      expect: { status: number; code?: string; image?: boolean };
    }
  | { unlock: string; password: string; expect: { status: number; code?: string } }
  | { revoke: true; expect: { status: number } }
  | { listed: string[]; notListed: string[] };

interface Scenario {
  title: string;
  flags?: string[];
  links: Record<string, { expiresInSeconds?: number; maxDownloads?: number; password?: string }>;
  steps: Step[];
}

const image = (status = 200) => ({ status, image: true });

const scenarios: Scenario[] = [
  {
    title: "a link works until its expiresAt and is 410 link_expired after, for GET, HEAD and ranges; the owner's list drops it",
    links: { minute: { expiresInSeconds: 60 }, hour: { expiresInSeconds: 3600 } },
    steps: [
      { open: "minute", expect: image() },
      { advance: 59 * SECOND },
      { open: "minute", range: "bytes=0-9", expect: image(206) },
      { listed: ["minute", "hour"], notListed: [] },
      { advance: 2 * SECOND },
      { open: "minute", expect: { status: 410, code: "link_expired" } },
      { open: "minute", method: "HEAD", expect: { status: 410 } },
      { open: "minute", range: "bytes=0-9", expect: { status: 410, code: "link_expired" } },
      { open: "hour", expect: image() },
      { listed: ["hour"], notListed: ["minute"] },
    ],
  },
  {
    title: "maxDownloads: N full downloads, then 410 link_exhausted; HEAD and short ranges are not counted",
    links: { twice: { maxDownloads: 2 }, other: {} },
    steps: [
      { open: "twice", method: "HEAD", expect: { status: 200 } },
      { open: "twice", range: "bytes=0-9", expect: image(206) },
      { open: "twice", expect: image() },
      { open: "twice", expect: image() },
      { open: "twice", expect: { status: 410, code: "link_exhausted" } },
      { open: "other", expect: image() },
      // A used-up link is no longer live: the owner's list drops it.
      { listed: ["other"], notListed: ["twice"] },
    ],
  },
  {
    title: "a password link shows the form, refuses a wrong password, and gives the image for 10 minutes after the right one",
    links: { locked: { password: PASSWORD, expiresInSeconds: 3600 } },
    steps: [
      { open: "locked", expect: { status: 200, image: false } },
      { unlock: "locked", password: "wrong one", expect: { status: 401, code: "invalid_credentials" } },
      { unlock: "locked", password: PASSWORD, expect: { status: 303 } },
      { open: "locked", unlocked: true, expect: image() },
      { advance: 9 * MINUTE },
      { open: "locked", unlocked: true, expect: image() },
      { advance: MINUTE + 2 * SECOND },
      { open: "locked", unlocked: true, expect: { status: 200, image: false } },
      { advance: 60 * MINUTE },
      { open: "locked", unlocked: true, expect: { status: 410, code: "link_expired" } },
    ],
  },
  {
    title: "wrong passwords are throttled per link (429 even for the right one) until the window moves on",
    flags: ["--login-max-failures", "2", "--login-window", "60s"],
    links: { locked: { password: PASSWORD } },
    steps: [
      { unlock: "locked", password: "guess 1", expect: { status: 401, code: "invalid_credentials" } },
      { unlock: "locked", password: "guess 2", expect: { status: 401, code: "invalid_credentials" } },
      { unlock: "locked", password: "guess 3", expect: { status: 429, code: "rate_limited" } },
      { unlock: "locked", password: PASSWORD, expect: { status: 429, code: "rate_limited" } },
      { advance: 61 * SECOND },
      { unlock: "locked", password: PASSWORD, expect: { status: 303 } },
    ],
  },
  {
    title: "revoking an image's links makes each 404 not_found, like a link that never existed",
    links: { a: {}, b: { maxDownloads: 5 } },
    steps: [
      { open: "a", expect: image() },
      { revoke: true, expect: { status: 204 } },
      { open: "a", expect: { status: 404, code: "not_found" } },
      { open: "b", expect: { status: 404, code: "not_found" } },
      { listed: [], notListed: ["a", "b"] },
    ],
  },
];

describe("share links (in process)", () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  for (const scenario of scenarios) {
    test(scenario.title, async () => {
      t = await createTestApp({ flags: scenario.flags ?? [] });
      const app = t;
      const owner: SignedUp = await app.signUp();
      const bytes = noisePng({ width: 24, height: 24, seed: 7 });
      const { id: imageId } = await uploaded(app, owner.token, "shared.png", bytes);
      const links: Record<string, Link> = {};
      for (const [name, body] of Object.entries(scenario.links)) {
        const res = await sendJson(app, "POST", `/api/v1/images/${imageId}/shares`, owner.token, body);
        expect(res.status).toBe(201);
        links[name] = (await res.json()) as Link;
      }
      let cookie = "";
      for (const [i, step] of scenario.steps.entries()) {
        if ("advance" in step) app.clock.advance(step.advance);
        else if ("open" in step) {
          const headers: Record<string, string> = { ...(step.range ? { range: step.range } : {}), ...(step.unlocked ? { cookie } : {}) };
          const res = await app.request(`/s/${links[step.open]!.token}`, { method: step.method ?? "GET", headers });
          const type = res.headers.get("content-type") ?? "";
          const { image: wantImage, ...want } = step.expect;
          const got = await outcome(res.clone());
          expect({ step: i, ...got }).toEqual({ step: i, ...want });
          if (wantImage === true) {
            expect({ step: i, type }).toEqual({ step: i, type: "image/png" });
            const body = Buffer.from(await res.arrayBuffer());
            expect(body.equals(step.range ? bytes.subarray(0, 10) : bytes)).toBe(true);
          }
          // The form page, not the image: no image bytes before the password.
          if (wantImage === false) expect({ step: i, type: type.split(";")[0] }).toEqual({ step: i, type: "text/html" });
        } else if ("unlock" in step) {
          const res = await app.request(`/s/${links[step.unlock]!.token}`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ password: step.password }).toString(),
          });
          const set = res.headers.getSetCookie().find((c) => c.startsWith("pxv_share="));
          expect({ step: i, ...(await outcome(res)) }).toEqual({ step: i, ...step.expect });
          if (step.expect.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
          if (step.expect.status === 303) cookie = set!.split(";")[0]!;
          else expect({ step: i, cookie: set }).toEqual({ step: i, cookie: undefined });
        } else if ("revoke" in step) {
          const res = await app.request(`/api/v1/images/${imageId}/shares`, { method: "DELETE", headers: bearer(owner.token) });
          expect({ step: i, status: res.status }).toEqual({ step: i, ...step.expect });
        } else {
          const res = await app.request(`/api/v1/images/${imageId}/shares`, { headers: bearer(owner.token) });
          const text = await res.text();
          const ids = (JSON.parse(text) as { items: { id: string }[] }).items.map((l) => l.id);
          const named = (names: string[]) => names.map((n) => links[n]!.id).sort();
          expect({ step: i, listed: ids.sort() }).toEqual({ step: i, listed: named(step.listed) });
          for (const id of named(step.notListed)) expect(ids).not.toContain(id);
          // Not expected either: a link's token (or the password) in the owner's list.
          expect(text).not.toContain(PASSWORD);
          for (const link of Object.values(links)) expect(text).not.toContain(link.token);
        }
      }
    });
  }
});
