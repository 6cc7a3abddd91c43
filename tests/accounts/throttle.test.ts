// Brute-force throttling of logins from one client address — per (username, address) and per
// address — on an in-process server with small limits and a 2-second window whose clock the
// tests move to watch a window end. Other addresses, proxies and the per-username ceiling:
// throttle-addresses.test.ts and trust-proxy.test.ts.
import { beforeAll, describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { SessionBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { call, expectProblem, registerUser, SecretJar, type TestUser } from "../support/accounts.ts";

const WINDOW_MS = 2000;
const PER_PAIR = 3;
const PER_IP = 6;

describe("login throttling", () => {
  const suite = useInProcessServer([
    "--login-max-failures",
    String(PER_PAIR),
    "--login-window",
    `${WINDOW_MS / 1000}s`,
    "--login-max-failures-per-ip",
    String(PER_IP),
  ]);
  const jar = new SecretJar();
  let carol: TestUser;
  let dave: TestUser;

  const login = (username: string, password: string) => call(suite.url, "POST", "/api/v1/sessions", { json: { username, password } });
  const wrong = "wrong-password-for-throttle-7";
  /** Moves the clock past the end of any window that started up to now. */
  const waitForWindowToEnd = async () => suite.app.clock.advance(WINDOW_MS + 300);

  async function expectRateLimited(res: Response): Promise<number> {
    const retryAfter = res.headers.get("retry-after");
    await expectProblem(res, 429, "rate_limited");
    expect(retryAfter).toMatch(/^\d+$/);
    const seconds = Number(retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(WINDOW_MS / 1000);
    return seconds;
  }

  beforeAll(async () => {
    carol = await registerUser(suite.url, jar, { username: "carol" });
    dave = await registerUser(suite.url, jar, { username: "dave" });
  });

  test("after 3 failures for one username from this address the next attempt is 429 even with the right password; after the window it works", async () => {
    for (let i = 0; i < PER_PAIR; i++) await expectProblem(await login("carol", wrong), 401, "invalid_credentials");

    const blocked = await login("carol", carol.password);
    const retryAfter = await expectRateLimited(blocked);
    // Throttled by username whatever its case, and without giving out a session.
    await expectRateLimited(await login("CAROL", carol.password));
    await expectRateLimited(await login("carol", wrong));

    // Another account from the same address is not locked out by carol's failures.
    const other = await login("dave", dave.password);
    expect(other.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(other)).token);

    suite.app.clock.advance(retryAfter * 1000 + 300);
    const after = await login("carol", carol.password);
    expect(after.status).toBe(201);
    const body = await jsonOf<SessionBody>(after);
    jar.add(body.token);
    expect(body.user.username).toBe("carol");
  });

  test("a successful login resets the (username, address) count", async () => {
    // The previous test slept past its window, so the address starts a fresh one here.
    for (let i = 0; i < PER_PAIR - 1; i++) await expectProblem(await login("dave", wrong), 401, "invalid_credentials");
    const ok = await login("dave", dave.password);
    expect(ok.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(ok)).token);
    // Two more failures would have been the 4th and 5th without the reset; now they are 401s.
    for (let i = 0; i < PER_PAIR - 1; i++) await expectProblem(await login("dave", wrong), 401, "invalid_credentials");
    const again = await login("dave", dave.password);
    expect(again.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(again)).token);
  });

  test("failures spread over many usernames from one address reach the per-IP limit: 429 for a fresh username too", async () => {
    await waitForWindowToEnd();
    // 6 failures, at most 2 per username, none of which exist: no username reaches its own limit.
    for (const name of ["ghost-a", "ghost-b", "ghost-c"]) {
      for (let i = 0; i < 2; i++) await expectProblem(await login(name, wrong), 401, "invalid_credentials");
    }
    const retryAfter = await expectRateLimited(await login("never-tried-before", wrong));
    // A real user with the right password from this address waits too.
    await expectRateLimited(await login("carol", carol.password));

    suite.app.clock.advance(retryAfter * 1000 + 300);
    const after = await login("carol", carol.password);
    expect(after.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(after)).token);
  });

  test("parallel wrong guesses cannot get past the (username, address) limit", async () => {
    // The previous test slept past its window and then logged in: both counters are clear.
    // An attacker who sends many guesses at once must still get at most 3 password checks.
    const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => login("carol", `${wrong}-${i}`)));
    const statuses = attempts.map((r) => r.status);
    await Promise.all(attempts.map((r) => r.arrayBuffer()));
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(PER_PAIR);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(12 - PER_PAIR);
  });

  test("no password or token used here appears in the server log", () => {
    const output = suite.server.output();
    expect(output).toContain('"status":429');
    expect(jar.kinds().jwts).toBeGreaterThanOrEqual(3);
    expect(jar.foundIn(output)).toEqual([]);
    expect(output).not.toContain(wrong);
  });
});
