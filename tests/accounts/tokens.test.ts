// API tokens for scripts: made only with the current password, the secret is shown once,
// works as a bearer token, is never listed, records its last use, and stops working when
// revoked — only by its owner.
import { beforeAll, describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { ApiTokenBody, MeBody } from "../support/api-bodies.ts";
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
  type TestUser,
} from "../support/accounts.ts";

const DAY_MS = 86_400_000;

describe("API tokens: /api/v1/tokens", () => {
  const suite = useInProcessServer([]);
  const jar = new SecretJar();
  let hank: TestUser;
  let ivy: TestUser;
  let hankSession: string;
  let ivySession: string;

  const list = async (token: string) => {
    const res = await call(suite.url, "GET", "/api/v1/tokens", { token });
    expect(res.status).toBe(200);
    const text = await res.text();
    return { text, items: JSON.parse(text).items as Record<string, unknown>[] };
  };

  /** POST /api/v1/tokens as hank's session, with his password unless the body says otherwise. */
  const create = (json: Record<string, unknown>, token = hankSession) =>
    call(suite.url, "POST", "/api/v1/tokens", { token, json: { password: hank.password, ...json } });

  beforeAll(async () => {
    hank = await registerUser(suite.url, jar, { username: "hank" });
    ivy = await registerUser(suite.url, jar, { username: "ivy" });
    hankSession = await loginToken(suite.url, "hank", hank.password, jar);
    ivySession = await loginToken(suite.url, "ivy", ivy.password, jar);
  });

  test("POST is 201 {id, name, token, expiresAt} with a pxv_ secret that works as Bearer on /me", async () => {
    const res = await create({ name: "laptop backup" });
    expect(res.status).toBe(201);
    const body = await jsonOf<ApiTokenBody>(res);
    jar.add(body.token);
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "id", "name", "token"]);
    expect(body).toMatchObject({ name: "laptop backup", expiresAt: null });
    expect(body.token).toMatch(/^pxv_[A-Za-z0-9_-]{30,}$/);
    expect(body.token).not.toContain(body.id);

    const me = await call(suite.url, "GET", "/api/v1/me", { token: body.token });
    expect(me.status).toBe(200);
    expect((await jsonOf<{ user: MeBody }>(me)).user).toMatchObject({ id: hank.id, username: "hank" });
  });

  test("expiresInDays sets expiresAt that many days ahead", async () => {
    const before = Date.now();
    const res = await create({ name: "ci", expiresInDays: 30 });
    expect(res.status).toBe(201);
    const body = await jsonOf<ApiTokenBody & { token: string; expiresAt: string }>(res);
    jar.add(body.token);
    const expires = Date.parse(body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 1000);
    expect(await meStatus(suite.url, body.token)).toBe(200);
  });

  test("bad expiresInDays or name are 422 validation_failed and create nothing", async () => {
    const before = (await list(hankSession)).items.length;
    const cases: [unknown, string[]][] = [
      [{ name: "x", expiresInDays: 0 }, ["expiresInDays"]],
      [{ name: "x", expiresInDays: 4000 }, ["expiresInDays"]],
      [{ name: "x", expiresInDays: "x" }, ["expiresInDays"]],
      [{ name: "x", expiresInDays: -1 }, ["expiresInDays"]],
      [{ name: "x", expiresInDays: 1.5 }, ["expiresInDays"]],
      [{}, ["name"]],
      [{ name: "" }, ["name"]],
      [{ name: "n".repeat(101) }, ["name"]],
      [{ name: 7, expiresInDays: "soon" }, ["expiresInDays", "name"]],
    ];
    for (const [json, fields] of cases) {
      const body = await expectProblem(await create(json as Record<string, unknown>), 422, "validation_failed");
      expect({ json, fields: invalidFields(body) }).toEqual({ json, fields });
      expect(body).not.toHaveProperty("token");
    }
    // The boundaries themselves are fine.
    for (const expiresInDays of [1, 3650]) {
      const res = await create({ name: "edge", expiresInDays });
      expect({ expiresInDays, status: res.status }).toEqual({ expiresInDays, status: 201 });
      jar.add((await jsonOf<ApiTokenBody>(res)).token);
    }
    expect((await list(hankSession)).items.length).toBe(before + 2);
  });

  test("POST needs the current password: missing or empty is 422 naming it, wrong is 401; neither makes a token", async () => {
    const before = (await list(hankSession)).items.length;
    const withoutPassword = (json: Record<string, unknown>) => call(suite.url, "POST", "/api/v1/tokens", { token: hankSession, json });
    for (const json of [{ name: "no password" }, { name: "empty password", password: "" }, { name: "number", password: 12345678901 }]) {
      const body = await expectProblem(await withoutPassword(json), 422, "validation_failed");
      expect({ json, fields: invalidFields(body) }).toEqual({ json, fields: ["password"] });
    }
    // ivy's password is a real one, just not hank's.
    for (const password of ["not hanks password 1", ivy.password, hank.password.toUpperCase()]) {
      jar.add(password);
      const body = await expectProblem(await create({ name: "guessed", password }), 401, "invalid_credentials");
      expect(body).not.toHaveProperty("token");
      expect(JSON.stringify(body)).not.toContain(password);
    }
    expect((await list(hankSession)).items.length).toBe(before);
    // A mistyped password does not end the session that sent it.
    expect(await meStatus(suite.url, hankSession)).toBe(200);
  });

  test("GET lists {id, name, createdAt, lastUsedAt, expiresAt} and never a secret", async () => {
    const created = await createApiToken(suite.url, hankSession, hank.password, "listed", jar);
    const { text, items } = await list(hankSession);
    const entry = items.find((t) => t.id === created.id);
    expect(entry).toBeDefined();
    expect(Object.keys(entry!).sort()).toEqual(["createdAt", "expiresAt", "id", "lastUsedAt", "name"]);
    expect(entry).toMatchObject({ name: "listed", lastUsedAt: null, expiresAt: null });
    expect(Date.parse(String(entry!.createdAt))).toBeGreaterThan(Date.now() - 60_000);
    // No secret of any of hank's tokens, nor anything that looks like one.
    expect(text).not.toContain(created.token);
    expect(text).not.toContain("pxv_");
    expect(text).not.toMatch(/hash|secret|token"/i);
    // Ivy sees none of hank's tokens.
    const ivys = await list(ivySession);
    expect(ivys.items.map((t) => t.id)).not.toContain(created.id);
  });

  test("lastUsedAt is set once the token has been used", async () => {
    const created = await createApiToken(suite.url, hankSession, hank.password, "used later", jar);
    const entry = async () => (await list(hankSession)).items.find((t) => t.id === created.id)!;
    expect((await entry()).lastUsedAt).toBeNull();
    const before = Date.now();
    expect(await meStatus(suite.url, created.token)).toBe(200);
    const used = Date.parse(String((await entry()).lastUsedAt));
    expect(used).toBeGreaterThanOrEqual(before - 1000);
    expect(used).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test("an API token can list tokens too, and the list still has no secrets", async () => {
    const created = await createApiToken(suite.url, hankSession, hank.password, "self-lister", jar);
    const { text, items } = await list(created.token);
    expect(items.map((t) => t.id)).toContain(created.id);
    expect(text).not.toContain(created.token);
  });

  test("DELETE is 204, then the token is 401, gone from the list, and a second DELETE is 404", async () => {
    const created = await createApiToken(suite.url, hankSession, hank.password, "to revoke", jar);
    const keep = await createApiToken(suite.url, hankSession, hank.password, "to keep", jar);
    expect(await meStatus(suite.url, created.token)).toBe(200);

    const res = await call(suite.url, "DELETE", `/api/v1/tokens/${created.id}`, { token: hankSession });
    expect(res.status).toBe(204);
    await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: created.token }), 401, "unauthorized");
    const ids = (await list(hankSession)).items.map((t) => t.id);
    expect(ids).not.toContain(created.id);
    expect(ids).toContain(keep.id);
    await expectProblem(await call(suite.url, "DELETE", `/api/v1/tokens/${created.id}`, { token: hankSession }), 404, "not_found");
    // Revoking one token leaves the others and the session working.
    expect(await meStatus(suite.url, keep.token)).toBe(200);
    expect(await meStatus(suite.url, hankSession)).toBe(200);
  });

  test("deleting someone else's token id is 404, and their token keeps working", async () => {
    const ivys = await createApiToken(suite.url, ivySession, ivy.password, "ivy's script", jar);
    const res = await call(suite.url, "DELETE", `/api/v1/tokens/${ivys.id}`, { token: hankSession });
    await expectProblem(res, 404, "not_found");
    expect(await meStatus(suite.url, ivys.token)).toBe(200);
    expect((await list(ivySession)).items.map((t) => t.id)).toContain(ivys.id);
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/tokens/no-such-token", { token: hankSession }), 404, "not_found");
  });

  test("without a valid credential every token route is 401", async () => {
    await expectProblem(await call(suite.url, "GET", "/api/v1/tokens"), 401, "unauthorized");
    await expectProblem(
      await call(suite.url, "POST", "/api/v1/tokens", { json: { name: "anon", password: hank.password } }),
      401,
      "unauthorized",
    );
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/tokens/anything"), 401, "unauthorized");
    // A syntactically valid but unknown API token is no better.
    const fake = `pxv_${"Q".repeat(43)}`;
    await expectProblem(await call(suite.url, "GET", "/api/v1/tokens", { token: fake }), 401, "unauthorized");
  });

  test("no password or token used here appears in the server log", () => {
    const output = suite.server.output();
    expect(output).toContain('"route":"/api/v1/tokens"');
    const kinds = jar.kinds();
    expect(kinds.apiTokens).toBeGreaterThanOrEqual(8);
    expect(kinds.jwts).toBe(2);
    expect(jar.foundIn(output)).toEqual([]);
    expect(output).not.toContain("pxv_");
  });
});
