// POST /api/v1/users through a real server: what a new account looks like, and every way
// a registration can be refused (each bad input next to a good one).
import { describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { Problem, UserBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { call, expectProblem, freshUsername, invalidFields, loginToken, SecretJar, strongPassword } from "../support/accounts.ts";

describe("registration: POST /api/v1/users", () => {
  const suite = useInProcessServer([]);
  const jar = new SecretJar();

  const register = (json: unknown) => call(suite.url, "POST", "/api/v1/users", { json });
  const valid = (overrides: Record<string, unknown> = {}) => {
    const username = freshUsername("reg");
    const password = strongPassword();
    jar.add(password);
    return { name: "Ada Lovelace", username, email: `${username}@example.com`, password, ...overrides };
  };

  test("201 {user} with id, username, name, email, createdAt — and no hash, salt or password", async () => {
    const input = valid({ name: "Zoë Ångström" });
    const res = await register(input);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const text = await res.text();
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(["user"]);
    expect(body.user).toMatchObject({ username: input.username, name: "Zoë Ångström", email: input.email });
    expect(body.user.id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(Date.parse(body.user.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Object.keys(body.user).sort()).toEqual(["createdAt", "email", "id", "name", "updatedAt", "username"]);
    expect(text).not.toMatch(/hash|salt|argon/i);
    expect(text).not.toContain(input.password);
    // The account is real: its password logs in.
    await loginToken(suite.url, input.username, input.password, jar);
  });

  test("two registrations get different ids", async () => {
    const a = await jsonOf<{ user: UserBody }>(await register(valid()));
    const b = await jsonOf<{ user: UserBody }>(await register(valid()));
    expect(a.user.id).not.toBe(b.user.id);
  });

  test("the username is stored in lowercase; the same name in another case is 409 username_taken", async () => {
    const lower = freshUsername("mixed");
    const mixed = lower.toUpperCase().slice(0, 3) + lower.slice(3);
    const first = valid({ username: mixed });
    const res = await register(first);
    expect(res.status).toBe(201);
    expect((await jsonOf<{ user: UserBody }>(res)).user.username).toBe(lower);

    const clash = await register(valid({ username: lower.toUpperCase() }));
    const problem = await expectProblem(clash, 409, "username_taken");
    expect(problem.detail).toContain(lower);
    // The first account is untouched: its own password still logs in, in any case.
    await loginToken(suite.url, lower.toUpperCase(), first.password, jar);
  });

  test("concurrent registrations of one name in different cases: exactly one wins, the rest are 409", async () => {
    const lower = freshUsername("race");
    const variants = [lower, lower.toUpperCase(), lower[0]!.toUpperCase() + lower.slice(1), lower, lower.toUpperCase()];
    const results = await Promise.all(variants.map((username) => register(valid({ username }))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const r of results) {
      if (r.status === 409) await expectProblem(r, 409, "username_taken");
      else expect((await jsonOf<{ user: UserBody }>(r)).user.username).toBe(lower);
    }
  });

  test("422 validation_failed lists every invalid field in one response", async () => {
    // An empty password is a missing one; a short one is weak_password (below).
    const res = await register({ name: 42, username: "j", email: "no-at-sign", password: "" });
    const body = await expectProblem(res, 422, "validation_failed");
    expect(invalidFields(body)).toEqual(["email", "name", "password", "username"]);
    expect(body.errors.length).toBeGreaterThanOrEqual(4);
  });

  test("missing fields are each named", async () => {
    const body = await expectProblem(await register({}), 422, "validation_failed");
    expect(invalidFields(body)).toEqual(["email", "name", "password", "username"]);
    const some = await expectProblem(await register({ name: "Only Name", email: "o@example.com" }), 422, "validation_failed");
    expect(invalidFields(some)).toEqual(["password", "username"]);
  });

  test("wrong types are refused per field", async () => {
    const body = await expectProblem(
      await register({ name: 12, username: ["a", "b"], email: { at: "x" }, password: 1234567890123 }),
      422,
      "validation_failed",
    );
    expect(invalidFields(body)).toEqual(["email", "name", "password", "username"]);
    for (const notAnObject of [[], null, "a string", 7]) {
      const res = await register(notAnObject);
      const problem = await expectProblem(res, 422, "validation_failed");
      expect(problem.errors.length).toBeGreaterThan(0);
    }
  });

  test("usernames: 3–32 of a-z 0-9 _ . - are accepted; short, long, unicode, spaces and SQL are 422", async () => {
    // The data directory is fresh, so these literal names are free.
    for (const username of ["abc", `${"a".repeat(29)}_.-`, "x_y.z-9"]) {
      const res = await register(valid({ username }));
      expect({ username, status: res.status }).toEqual({ username, status: 201 });
    }

    const bad = ["ab", "a".repeat(33), "jöhn", "has space", "a'; DROP TABLE users;--", "tab\there", "émile", "bob<script>", ""];
    for (const username of bad) {
      const body = await expectProblem(await register(valid({ username })), 422, "validation_failed");
      expect({ username, fields: invalidFields(body) }).toEqual({ username, fields: ["username"] });
    }
    // The SQL-ish name did no harm: registration and login still work.
    const after = valid();
    expect((await register(after)).status).toBe(201);
    await loginToken(suite.url, after.username, after.password, jar);
  });

  test("names: 1–100 characters of any script; empty, blank, 101 characters or control characters are 422", async () => {
    expect((await register(valid({ name: "n".repeat(100) }))).status).toBe(201);
    expect((await register(valid({ name: "李小龙" }))).status).toBe(201);
    for (const name of ["", "   ", "n".repeat(101), "bell\u0007", "null\u0000byte"]) {
      const body = await expectProblem(await register(valid({ name })), 422, "validation_failed");
      expect({ name, fields: invalidFields(body) }).toEqual({ name, fields: ["name"] });
    }
  });

  test("emails need an @ and a domain", async () => {
    expect((await register(valid({ email: "someone+tag@sub.example.org" }))).status).toBe(201);
    for (const email of ["plainaddress", "no-domain@", "@example.com", "two@@example.com", "sp ace@example.com", ""]) {
      const body = await expectProblem(await register(valid({ email })), 422, "validation_failed");
      expect({ email, fields: invalidFields(body) }).toEqual({ email, fields: ["email"] });
    }
  });

  test("passwords under 10 characters are 422 weak_password saying so, and create nothing; 10 strong ones are fine", async () => {
    const username = freshUsername("short");
    // Nine random characters: only the length rule refuses it. The others are guessable too.
    for (const password of ["Qz7#kP2!m", "password", "12345678", "x"]) {
      const body = await expectProblem(await register(valid({ username, password })), 422, "weak_password");
      expect(body.feedback.suggestions[0]).toBe("Use at least 10 characters.");
      expect(typeof body.feedback.score).toBe("number");
      expect(JSON.stringify(body)).not.toContain(`"${password}"`);
    }
    expect((await register(valid({ username }))).status).toBe(201);
    const ten = "Qz7#kP2!mW";
    jar.add(ten);
    expect((await register(valid({ password: ten }))).status).toBe(201);
  });

  test("oversized fields are 422, never 500", async () => {
    const huge = "x".repeat(5000);
    const onlyPassword = await expectProblem(await register(valid({ password: `${strongPassword()}${huge}` })), 422, "validation_failed");
    expect(invalidFields(onlyPassword)).toEqual(["password"]);
    const all = await expectProblem(
      await register({ name: huge, username: huge, email: `${huge}@example.com`, password: huge }),
      422,
      "validation_failed",
    );
    expect(invalidFields(all)).toEqual(["email", "name", "password", "username"]);
  });

  test("weak passwords are 422 weak_password with feedback, and no account is created", async () => {
    const username = freshUsername("weak");
    const cases = ["password123", "aaaaaaaaaaaa", `${username}${username}`, "Password1234"];
    for (const password of cases) {
      const res = await register(valid({ username, password }));
      const body = await expectProblem(res, 422, "weak_password");
      expect(typeof body.feedback.score).toBe("number");
      expect(body.feedback.score).toBeLessThan(3);
      expect(body.feedback.warning === null || typeof body.feedback.warning === "string").toBe(true);
      expect(Array.isArray(body.feedback.suggestions)).toBe(true);
      expect(body.feedback.suggestions.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toContain(password);
    }
    // None of those attempts created the account: the username is still free.
    expect((await register(valid({ username }))).status).toBe(201);
  });

  test("a body that is not JSON is 400 bad_request; an empty body is refused", async () => {
    const opts = (body: string, type = "application/json") => ({ body, headers: { "content-type": type } });
    await expectProblem(await call(suite.url, "POST", "/api/v1/users", opts("{not json")), 400, "bad_request");
    await expectProblem(await call(suite.url, "POST", "/api/v1/users", opts('{"name": "x",')), 400, "bad_request");
    const empty = await call(suite.url, "POST", "/api/v1/users", opts(""));
    expect([400, 422]).toContain(empty.status);
    expect(empty.headers.get("content-type")).toBe("application/problem+json");
  });

  test("a wrong or missing content-type is a 4xx problem+json, not 500 and not an account", async () => {
    const input = valid();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", undefined]) {
      // A string body would get text/plain from fetch; bytes go without any content-type.
      const json = JSON.stringify(input);
      const res = await call(suite.url, "POST", "/api/v1/users", {
        body: type ? json : new TextEncoder().encode(json),
        headers: type ? { "content-type": type } : {},
      });
      expect({ type, status: res.status >= 400 && res.status < 500 }).toEqual({ type, status: true });
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await jsonOf<Problem>(res);
      expect(body.status).toBe(res.status);
    }
    // Nothing was registered by any of them.
    const login = await call(suite.url, "POST", "/api/v1/sessions", { json: { username: input.username, password: input.password } });
    await expectProblem(login, 401, "invalid_credentials");
  });

  test("a body over 1 MiB is 413 payload_too_large, with or without a Content-Length", async () => {
    const big = JSON.stringify({ ...valid(), name: "x".repeat(1024 * 1024 + 10) });
    const res = await call(suite.url, "POST", "/api/v1/users", { body: big, headers: { "content-type": "application/json" } });
    await expectProblem(res, 413, "payload_too_large");

    const bytes = new TextEncoder().encode(big);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await fetch(`${suite.url}/api/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunked,
      duplex: "half",
    } as RequestInit);
    await expectProblem(streamed, 413, "payload_too_large");
  });

  test("no password used here appears in the server log", () => {
    const output = suite.server.output();
    expect(output).toContain('"msg":"request"');
    expect(jar.size).toBeGreaterThan(10);
    expect(jar.foundIn(output)).toEqual([]);
  });
});
