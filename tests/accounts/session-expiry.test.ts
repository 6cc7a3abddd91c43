// --session-lifetime: a session token stops working when its lifetime is over.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { jsonOf } from "../support/http.ts";
import { call, expectProblem, meStatus, registerUser, SecretJar } from "../support/accounts.ts";

describe("session lifetime", () => {
  const dir = tempDir();
  const jar = new SecretJar();
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    server = await startServer(["--data-dir", join(dir.path, "data"), "--session-lifetime", "2s"]);
    url = server.url;
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  test("with --session-lifetime 2s a token works, expiresAt says so, and after 2 s it is 401", async () => {
    const user = await registerUser(url, jar);
    const before = Date.now();
    const res = await call(url, "POST", "/api/v1/sessions", { json: { username: user.username, password: user.password } });
    expect(res.status).toBe(201);
    const { token, expiresAt } = await jsonOf(res);
    jar.add(token);
    const expires = Date.parse(expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 1500);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2500);
    expect(await meStatus(url, token)).toBe(200);

    await Bun.sleep(Math.max(0, expires - Date.now()) + 300);
    await expectProblem(await call(url, "GET", "/api/v1/me", { token }), 401, "unauthorized");
    await expectProblem(await call(url, "DELETE", "/api/v1/sessions/current", { token }), 401, "unauthorized");

    // A new login gives a new, working session.
    const again = await call(url, "POST", "/api/v1/sessions", { json: { username: user.username, password: user.password } });
    expect(again.status).toBe(201);
    const fresh = (await jsonOf(again)).token;
    jar.add(fresh);
    expect(await meStatus(url, fresh)).toBe(200);
  });

  test("no password or token used here appears in the server log", () => {
    expect(jar.kinds().jwts).toBe(2);
    expect(jar.foundIn(server.output())).toEqual([]);
  });
});
