// Time rules of accounts in process, on the test app's clock: a session ends at its lifetime, an
// API token at its expiresInDays, and failed logins are throttled for one window, then forgiven.
import { afterEach, describe, expect, test } from "bun:test";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { bearer, outcome, sendJson } from "./app-client.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
// The test clock keeps running in real time between steps (sign-up, sign-in and the token's
// password check take a second or more on a loaded machine), so "just before" is half a minute before.
const MARGIN = 30 * SECOND;

type Step =
  | { advance: number }
  | { me: "session" | "apiToken"; expect: { status: number; code?: string } }
  | { login: "right" | "wrong"; expect: { status: number; code?: string } };

const scenarios: { title: string; flags: string[]; steps: Step[] }[] = [
  {
    title: "a session works until its lifetime is over, then is 401 unauthorized",
    flags: ["--session-lifetime", "90m"],
    steps: [
      { me: "session", expect: { status: 200 } },
      { advance: 90 * MINUTE - MARGIN },
      { me: "session", expect: { status: 200 } },
      { advance: 2 * MARGIN },
      { me: "session", expect: { status: 401, code: "unauthorized" } },
      // Not expected: an API token made with it ending too (it has its own expiry).
      { me: "apiToken", expect: { status: 200 } },
    ],
  },
  {
    title: "an API token made for 1 day stops at the end of that day",
    flags: ["--session-lifetime", "7d"],
    steps: [
      { me: "apiToken", expect: { status: 200 } },
      { advance: DAY - MARGIN },
      { me: "apiToken", expect: { status: 200 } },
      { advance: 2 * MARGIN },
      { me: "apiToken", expect: { status: 401, code: "unauthorized" } },
      { me: "session", expect: { status: 200 } },
    ],
  },
  {
    title: "failed logins are throttled (429, even with the right password) until the window moves on",
    flags: ["--login-max-failures", "2", "--login-window", "10m"],
    steps: [
      { login: "wrong", expect: { status: 401, code: "invalid_credentials" } },
      { login: "wrong", expect: { status: 401, code: "invalid_credentials" } },
      { login: "wrong", expect: { status: 429, code: "rate_limited" } },
      { login: "right", expect: { status: 429, code: "rate_limited" } },
      { advance: 5 * MINUTE },
      { login: "right", expect: { status: 429, code: "rate_limited" } },
      { advance: 5 * MINUTE + SECOND },
      { login: "right", expect: { status: 201 } },
    ],
  },
];

describe("account time rules (in process)", () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  for (const scenario of scenarios) {
    test(scenario.title, async () => {
      t = await createTestApp({ flags: scenario.flags });
      const app = t;
      const user: SignedUp = await app.signUp();
      const made = await sendJson(app, "POST", "/api/v1/tokens", user.token, { name: "cli", expiresInDays: 1, password: user.password });
      expect(made.status).toBe(201);
      const apiToken = ((await made.json()) as { token: string }).token;
      for (const [i, step] of scenario.steps.entries()) {
        if ("advance" in step) {
          app.clock.advance(step.advance);
          continue;
        }
        const res =
          "me" in step
            ? await app.request("/api/v1/me", { headers: bearer(step.me === "session" ? user.token : apiToken) })
            : await sendJson(app, "POST", "/api/v1/sessions", undefined, {
                username: user.username,
                password: step.login === "right" ? user.password : "not the password",
              });
        const retryAfter = res.headers.get("retry-after");
        expect({ step: i, ...(await outcome(res)) }).toEqual({ step: i, ...step.expect });
        if (step.expect.status === 429) expect(Number(retryAfter)).toBeGreaterThan(0);
        else expect({ step: i, retryAfter }).toEqual({ step: i, retryAfter: null });
      }
    });
  }
});
