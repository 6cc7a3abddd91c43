// /api/v1/me: read yourself with usage, change name/email, change password (other sessions
// and every API token end), delete the account (everything it had stops working; the name
// is free again).
import { describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { ApiTokenBody, MeBody, SessionBody, UserBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import {
  call,
  createApiToken,
  expectProblem,
  invalidFields,
  loginToken,
  meStatus,
  registerUser,
  SecretJar,
  strongPassword,
} from "../support/accounts.ts";

describe("the caller's account: /api/v1/me", () => {
  const suite = useInProcessServer([]);
  const jar = new SecretJar();

  const me = async (token: string) => {
    const res = await call(suite.url, "GET", "/api/v1/me", { token });
    expect(res.status).toBe(200);
    return (await jsonOf<{ user: MeBody }>(res)).user;
  };
  const login = (username: string, password: string) => call(suite.url, "POST", "/api/v1/sessions", { json: { username, password } });

  test("GET is the user with usage {images: 0, bytes: 0, quotaBytes: null}, without secrets", async () => {
    const user = await registerUser(suite.url, jar, { name: "Grace Hopper" });
    const token = await loginToken(suite.url, user.username, user.password, jar);
    const res = await call(suite.url, "GET", "/api/v1/me", { token });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.user).toMatchObject({ id: user.id, username: user.username, name: "Grace Hopper", email: user.email });
    expect(body.user.usage).toEqual({ images: 0, bytes: 0, quotaBytes: null });
    expect(text).not.toMatch(/hash|salt/i);
    expect(text).not.toContain(user.password);
  });

  test("without a token every /me route is 401", async () => {
    await expectProblem(await call(suite.url, "GET", "/api/v1/me"), 401, "unauthorized");
    await expectProblem(await call(suite.url, "PATCH", "/api/v1/me", { json: { name: "X" } }), 401, "unauthorized");
    await expectProblem(
      await call(suite.url, "PUT", "/api/v1/me/password", { json: { currentPassword: "a", newPassword: strongPassword() } }),
      401,
      "unauthorized",
    );
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/me", { json: { password: "whatever-1234" } }), 401, "unauthorized");
  });

  test("PATCH name and email is 200 and shows on the next GET and the next login", async () => {
    const user = await registerUser(suite.url, jar);
    const token = await loginToken(suite.url, user.username, user.password, jar);
    const before = await me(token);

    const res = await call(suite.url, "PATCH", "/api/v1/me", { token, json: { name: "  New Name  ", email: "new@example.org" } });
    expect(res.status).toBe(200);
    const body = await jsonOf<{ user: UserBody }>(res);
    expect(body.user).toMatchObject({ id: user.id, username: user.username, name: "New Name", email: "new@example.org" });
    expect(JSON.stringify(body)).not.toMatch(/hash|salt/i);

    const after = await me(token);
    expect(after).toMatchObject({ name: "New Name", email: "new@example.org", username: user.username });
    expect(after.createdAt).toBe(before.createdAt);

    // Only the name this time: the email stays.
    expect((await call(suite.url, "PATCH", "/api/v1/me", { token, json: { name: "Newer" } })).status).toBe(200);
    expect(await me(token)).toMatchObject({ name: "Newer", email: "new@example.org" });

    const relogin = await jsonOf<SessionBody>(await login(user.username, user.password));
    jar.add(relogin.token);
    expect(relogin.user).toMatchObject({ name: "Newer", email: "new@example.org" });
  });

  test("PATCH with an invalid email, an empty name or an unknown field is 422 and changes nothing", async () => {
    const user = await registerUser(suite.url, jar, { name: "Stable Name" });
    const token = await loginToken(suite.url, user.username, user.password, jar);

    const email = await expectProblem(
      await call(suite.url, "PATCH", "/api/v1/me", { token, json: { name: "Changed", email: "not-an-email" } }),
      422,
      "validation_failed",
    );
    expect(invalidFields(email)).toEqual(["email"]);
    const both = await expectProblem(
      await call(suite.url, "PATCH", "/api/v1/me", { token, json: { name: "", email: "x@" } }),
      422,
      "validation_failed",
    );
    expect(invalidFields(both)).toEqual(["email", "name"]);
    const typed = await expectProblem(
      await call(suite.url, "PATCH", "/api/v1/me", { token, json: { name: 5, email: null } }),
      422,
      "validation_failed",
    );
    expect(invalidFields(typed)).toEqual(["email", "name"]);

    for (const json of [{ username: "hijack" }, { password: strongPassword() }, { id: "x", name: "Changed" }, { isAdmin: true }]) {
      const res = await call(suite.url, "PATCH", "/api/v1/me", { token, json });
      const problem = await expectProblem(res, 422, "validation_failed");
      expect(problem.errors.length).toBeGreaterThan(0);
    }
    // Nothing above took effect.
    expect(await me(token)).toMatchObject({ id: user.id, username: user.username, name: "Stable Name", email: user.email });
    await expectProblem(await login("hijack", user.password), 401, "invalid_credentials");
  });

  test("PUT /me/password: wrong current is 401 invalid_credentials and changes nothing", async () => {
    const user = await registerUser(suite.url, jar);
    const token = await loginToken(suite.url, user.username, user.password, jar);
    const next = strongPassword();
    jar.add(next);
    const res = await call(suite.url, "PUT", "/api/v1/me/password", {
      token,
      json: { currentPassword: "not-the-current-one-1", newPassword: next },
    });
    await expectProblem(res, 401, "invalid_credentials");
    // The caller is not logged out by a mistyped current password, and nothing changed.
    expect(await meStatus(suite.url, token)).toBe(200);
    expect((await login(user.username, user.password)).status).toBe(201);
    await expectProblem(await login(user.username, next), 401, "invalid_credentials");
  });

  test("PUT /me/password: a weak or short new password is 422 weak_password with feedback and changes nothing", async () => {
    const user = await registerUser(suite.url, jar);
    const token = await loginToken(suite.url, user.username, user.password, jar);
    for (const newPassword of ["password123", `${user.username}${user.username}`]) {
      const body = await expectProblem(
        await call(suite.url, "PUT", "/api/v1/me/password", { token, json: { currentPassword: user.password, newPassword } }),
        422,
        "weak_password",
      );
      expect(typeof body.feedback.score).toBe("number");
      expect(Array.isArray(body.feedback.suggestions)).toBe(true);
      await expectProblem(await login(user.username, newPassword), 401, "invalid_credentials");
    }
    // Too short is one more way to be weak: the same code, and the feedback says the rule.
    for (const newPassword of ["short", "Qz7#kP2!m"]) {
      const short = await expectProblem(
        await call(suite.url, "PUT", "/api/v1/me/password", { token, json: { currentPassword: user.password, newPassword } }),
        422,
        "weak_password",
      );
      expect(short.feedback.suggestions).toContain("Use at least 10 characters.");
      await expectProblem(await login(user.username, newPassword), 401, "invalid_credentials");
    }
    const missing = await expectProblem(await call(suite.url, "PUT", "/api/v1/me/password", { token, json: {} }), 422, "validation_failed");
    expect(invalidFields(missing)).toEqual(["newPassword"]);
    // Only an account made by single sign-on may set a password without one (tests/sso): this one must give it.
    await expectProblem(
      await call(suite.url, "PUT", "/api/v1/me/password", { token, json: { newPassword: "a long and unguessable passphrase" } }),
      401,
      "invalid_credentials",
    );
    const loginAgain = await login(user.username, user.password);
    expect(loginAgain.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(loginAgain)).token);
  });

  test("PUT /me/password: 204; the old password stops working, the new one works, the caller stays, other sessions and API tokens end", async () => {
    const user = await registerUser(suite.url, jar);
    const other = await loginToken(suite.url, user.username, user.password, jar);
    const caller = await loginToken(suite.url, user.username, user.password, jar);
    const api = await createApiToken(suite.url, caller, user.password, "backup script", jar);
    const forever = await createApiToken(suite.url, other, user.password, "made by another session", jar);
    const bystander = await registerUser(suite.url, jar);
    const bystanderSession = await loginToken(suite.url, bystander.username, bystander.password, jar);
    const bystanderApi = await createApiToken(suite.url, bystanderSession, bystander.password, "someone else's", jar);
    expect(await meStatus(suite.url, other)).toBe(200);
    expect(await meStatus(suite.url, api.token)).toBe(200);

    const next = strongPassword();
    jar.add(next);
    const res = await call(suite.url, "PUT", "/api/v1/me/password", {
      token: caller,
      json: { currentPassword: user.password, newPassword: next },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");

    await expectProblem(await login(user.username, user.password), 401, "invalid_credentials");
    const fresh = await login(user.username, next);
    expect(fresh.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(fresh)).token);

    expect(await meStatus(suite.url, caller)).toBe(200);
    await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: other }), 401, "unauthorized");
    // Whoever knew the old password may have minted a token with it: none survives.
    for (const token of [api.token, forever.token]) {
      await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token }), 401, "unauthorized");
    }
    const tokens = await call(suite.url, "GET", "/api/v1/tokens", { token: caller });
    expect((await jsonOf<{ items: ApiTokenBody[] }>(tokens)).items).toEqual([]);
    // Another user's session and token are untouched.
    expect(await meStatus(suite.url, bystanderSession)).toBe(200);
    expect(await meStatus(suite.url, bystanderApi.token)).toBe(200);
  });

  test("PUT /me/password sent with an API token revokes that token too, and every session", async () => {
    const user = await registerUser(suite.url, jar);
    const session = await loginToken(suite.url, user.username, user.password, jar);
    const api = await createApiToken(suite.url, session, user.password, "password rotator", jar);
    const next = strongPassword();
    jar.add(next);
    const res = await call(suite.url, "PUT", "/api/v1/me/password", {
      token: api.token,
      json: { currentPassword: user.password, newPassword: next },
    });
    expect(res.status).toBe(204);
    await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: api.token }), 401, "unauthorized");
    await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: session }), 401, "unauthorized");
    const fresh = await login(user.username, next);
    expect(fresh.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(fresh)).token);
  });

  test("DELETE /me with a wrong or missing password is refused and the account stays intact", async () => {
    const user = await registerUser(suite.url, jar);
    const token = await loginToken(suite.url, user.username, user.password, jar);
    await expectProblem(
      await call(suite.url, "DELETE", "/api/v1/me", { token, json: { password: "not-my-password-42" } }),
      401,
      "invalid_credentials",
    );
    const missing = await expectProblem(await call(suite.url, "DELETE", "/api/v1/me", { token, json: {} }), 422, "validation_failed");
    expect(invalidFields(missing)).toEqual(["password"]);
    expect((await me(token)).id).toBe(user.id);
    const again = await login(user.username, user.password);
    expect(again.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(again)).token);
  });

  test("DELETE /me with the password is 204; login, sessions and API tokens then fail and the username is free", async () => {
    const user = await registerUser(suite.url, jar, { username: "leaving" });
    const token = await loginToken(suite.url, user.username, user.password, jar);
    const other = await loginToken(suite.url, user.username, user.password, jar);
    const api = await createApiToken(suite.url, token, user.password, "sync", jar);
    const bystander = await registerUser(suite.url, jar);
    const bystanderToken = await loginToken(suite.url, bystander.username, bystander.password, jar);

    const res = await call(suite.url, "DELETE", "/api/v1/me", { token, json: { password: user.password } });
    expect(res.status).toBe(204);

    await expectProblem(await login("leaving", user.password), 401, "invalid_credentials");
    for (const t of [token, other, api.token]) {
      await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: t }), 401, "unauthorized");
    }
    await expectProblem(await call(suite.url, "GET", "/api/v1/tokens", { token: api.token }), 401, "unauthorized");
    // Other people are unaffected.
    expect(await meStatus(suite.url, bystanderToken)).toBe(200);

    // The username can be registered again — as a new account with a new id.
    const reborn = await registerUser(suite.url, jar, { username: "leaving" });
    expect(reborn.id).not.toBe(user.id);
    await expectProblem(await login("leaving", user.password), 401, "invalid_credentials");
    const newToken = await loginToken(suite.url, "leaving", reborn.password, jar);
    expect((await me(newToken)).id).toBe(reborn.id);
    // The old credentials do not come back to life with the name.
    for (const t of [token, other, api.token]) expect(await meStatus(suite.url, t)).toBe(401);
  });

  test("no password or token used here appears in the server log", () => {
    const output = suite.server.output();
    expect(output).toContain('"route":"/api/v1/me"');
    const kinds = jar.kinds();
    expect(kinds.passwords).toBeGreaterThanOrEqual(8);
    expect(kinds.jwts).toBeGreaterThanOrEqual(10);
    expect(kinds.apiTokens).toBeGreaterThanOrEqual(2);
    expect(jar.foundIn(output)).toEqual([]);
  });
});
