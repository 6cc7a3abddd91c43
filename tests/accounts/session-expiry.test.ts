// --session-lifetime: a session token stops working when its lifetime is over. The app runs in
// process (createTestApp, served over HTTP) and its clock is moved past the lifetime.
import { describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { SessionBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { call, expectProblem, meStatus, registerUser, SecretJar } from "../support/accounts.ts";

describe("session lifetime", () => {
  const suite = useInProcessServer(["--session-lifetime", "2s"]);
  const jar = new SecretJar();

  test("with --session-lifetime 2s a token works, expiresAt says so, and after 2 s it is 401", async () => {
    const user = await registerUser(suite.url, jar);
    const before = Date.now();
    const res = await call(suite.url, "POST", "/api/v1/sessions", { json: { username: user.username, password: user.password } });
    expect(res.status).toBe(201);
    const { token, expiresAt } = await jsonOf<SessionBody>(res);
    jar.add(token);
    const expires = Date.parse(expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 1500);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2500);
    expect(await meStatus(suite.url, token)).toBe(200);

    suite.app.clock.advance(Math.max(0, expires - Date.now()) + 300);
    await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token }), 401, "unauthorized");
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/sessions/current", { token }), 401, "unauthorized");

    // A new login gives a new, working session.
    const again = await call(suite.url, "POST", "/api/v1/sessions", { json: { username: user.username, password: user.password } });
    expect(again.status).toBe(201);
    const fresh = (await jsonOf<SessionBody>(again)).token;
    jar.add(fresh);
    expect(await meStatus(suite.url, fresh)).toBe(200);
  });

  test("no password or token used here appears in the server log", () => {
    expect(jar.kinds().jwts).toBe(2);
    expect(jar.foundIn(suite.server.output())).toEqual([]);
  });
});
