// POST /api/v1/sessions: a login gives a working bearer token; a failed one tells an
// attacker nothing — not in the body, not in the timing.
import { beforeAll, describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { MeBody, SessionBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { call, expectProblem, invalidFields, median, registerUser, SecretJar, strongPassword, type TestUser } from "../support/accounts.ts";

describe("login: POST /api/v1/sessions", () => {
  // Throttling has its own file; here it must not turn the timing samples into 429s.
  const suite = useInProcessServer(["--login-max-failures", "1000", "--login-max-failures-per-ip", "1000"]);
  const jar = new SecretJar();
  let alice: TestUser;

  const login = (json: unknown) => call(suite.url, "POST", "/api/v1/sessions", { json });

  beforeAll(async () => {
    alice = await registerUser(suite.url, jar, { username: "alice", name: "Alice Liddell" });
  });

  test("201 {token, tokenType: Bearer, expiresAt, user}, and the token works on GET /api/v1/me", async () => {
    const before = Date.now();
    const res = await login({ username: "alice", password: alice.password });
    expect(res.status).toBe(201);
    const text = await res.text();
    const body = JSON.parse(text);
    jar.add(body.token);
    expect(body.tokenType).toBe("Bearer");
    expect(body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Default session lifetime is 24 hours.
    const expires = Date.parse(body.expiresAt);
    expect(expires).toBeGreaterThan(before + 23 * 3600_000);
    expect(expires).toBeLessThan(Date.now() + 25 * 3600_000);
    expect(body.user).toMatchObject({ id: alice.id, username: "alice", name: "Alice Liddell", email: alice.email });
    expect(text).not.toMatch(/hash|salt/i);
    expect(text).not.toContain(alice.password);

    const me = await call(suite.url, "GET", "/api/v1/me", { token: body.token });
    expect(me.status).toBe(200);
    expect((await jsonOf<{ user: MeBody }>(me)).user).toMatchObject({ id: alice.id, username: "alice" });
  });

  test("each login is its own session with its own token", async () => {
    const a = await jsonOf<SessionBody>(await login({ username: "alice", password: alice.password }));
    const b = await jsonOf<SessionBody>(await login({ username: "alice", password: alice.password }));
    jar.add(a.token, b.token);
    expect(a.token).not.toBe(b.token);
    expect((await call(suite.url, "GET", "/api/v1/me", { token: a.token })).status).toBe(200);
    expect((await call(suite.url, "GET", "/api/v1/me", { token: b.token })).status).toBe(200);
  });

  test("the username is case-insensitive; the password is not", async () => {
    for (const username of ["ALICE", "Alice", "aLiCe"]) {
      const res = await login({ username, password: alice.password });
      expect({ username, status: res.status }).toEqual({ username, status: 201 });
      const body = await jsonOf<SessionBody>(res);
      jar.add(body.token);
      expect(body.user.id).toBe(alice.id);
    }
    const swapped = alice.password.toLowerCase();
    expect(swapped).not.toBe(alice.password);
    await expectProblem(await login({ username: "alice", password: swapped }), 401, "invalid_credentials");
  });

  test("a wrong password and an unknown user are the same 401 invalid_credentials", async () => {
    const wrong = await login({ username: "alice", password: "not-alices-password-9" });
    const wrongBody = await expectProblem(wrong, 401, "invalid_credentials");
    const unknown = await login({ username: "nobody-here", password: "not-alices-password-9" });
    const unknownBody = await expectProblem(unknown, 401, "invalid_credentials");
    expect(unknownBody).toEqual(wrongBody);
    expect(unknown.headers.get("www-authenticate")).toBe(wrong.headers.get("www-authenticate"));
    expect(JSON.stringify(wrongBody)).not.toContain("alice");
    expect(wrongBody).not.toHaveProperty("token");
  });

  test("a malformed login is 422 validation_failed naming the fields, never 401 or 500", async () => {
    const missing = await expectProblem(await login({}), 422, "validation_failed");
    expect(invalidFields(missing)).toEqual(["password", "username"]);
    const types = await expectProblem(await login({ username: 7, password: ["x"] }), 422, "validation_failed");
    expect(invalidFields(types)).toEqual(["password", "username"]);
    const empty = await expectProblem(await login({ username: "", password: "" }), 422, "validation_failed");
    expect(invalidFields(empty)).toEqual(["password", "username"]);
    const huge = await expectProblem(await login({ username: "u".repeat(5000), password: "p".repeat(5000) }), 422, "validation_failed");
    expect(invalidFields(huge)).toEqual(["password", "username"]);
    await expectProblem(
      await call(suite.url, "POST", "/api/v1/sessions", { body: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "bad_request",
    );
  });

  test("response time does not reveal whether a username exists", async () => {
    const timed = async (username: string) => {
      const started = performance.now();
      const res = await login({ username, password: "definitely-wrong-password-0" });
      await res.arrayBuffer();
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    // Warm both paths (the first unknown-user check builds its dummy hash).
    await timed("alice");
    await timed("ghost-user");
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await timed("alice"));
      unknown.push(await timed(`ghost-${i}`));
    }
    const ratio = median(unknown) / median(known);
    // A password check costs ~10-20 ms; skipping it for unknown users would make this ~0.1.
    expect(median(known)).toBeGreaterThan(2);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  test("a login with a strong new account works right after registering it", async () => {
    const bob = await registerUser(suite.url, jar, { password: strongPassword() });
    const res = await login({ username: bob.username, password: bob.password });
    expect(res.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(res)).token);
  });

  test("no password or token used here appears in the server log", () => {
    const output = suite.server.output();
    expect(output).toContain('"route":"/api/v1/sessions"');
    const kinds = jar.kinds();
    expect(kinds.passwords).toBeGreaterThanOrEqual(2);
    expect(kinds.jwts).toBeGreaterThanOrEqual(5);
    expect(jar.foundIn(output)).toEqual([]);
    for (const probe of ["not-alices-password-9", "definitely-wrong-password-0"]) expect(output).not.toContain(probe);
  });
});
