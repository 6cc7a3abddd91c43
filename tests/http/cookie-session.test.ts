// The web UI's cookie session: POST /sessions {cookie:true} sets an HttpOnly SameSite=Strict
// cookie (the token never in the body), the cookie signs safe requests in, unsafe ones need
// the CSRF token bound to that session, and bearer clients are untouched by any of it.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  call,
  createApiToken,
  expectProblem,
  freshUsername,
  loginToken,
  registerUser,
  SecretJar,
  strongPassword,
  type TestUser,
} from "../support/accounts.ts";
import type {
  ApiTokenBody,
  CookieSessionBody,
  CurrentSessionBody,
  MeBody,
  SessionBody,
  UploadBody,
  UserBody,
} from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { useSuiteServer } from "../support/pixvault.ts";

const PNG = new Uint8Array(readFileSync(join(import.meta.dir, "../fixtures/images/sample.png")));

interface CookieLogin {
  cookie: string;
  csrfToken: string;
  setCookie: string;
  body: Record<string, unknown>;
}

describe("cookie sessions with CSRF protection", () => {
  const suite = useSuiteServer([]);
  const jar = new SecretJar();
  let ann: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    ann = await registerUser(suite.url, jar);
    bob = await registerUser(suite.url, jar);
  });

  async function cookieLogin(user: TestUser, headers: Record<string, string> = {}): Promise<CookieLogin> {
    const res = await call(suite.url, "POST", "/api/v1/sessions", {
      json: { username: user.username, password: user.password, cookie: true },
      headers,
    });
    const body = await jsonOf<CookieSessionBody>(res);
    expect({ status: res.status, body }).toMatchObject({ status: 201 });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("pxv_session="))!;
    const cookie = setCookie.split(";")[0]!;
    jar.add(cookie.slice("pxv_session=".length), body.csrfToken);
    return { cookie, csrfToken: body.csrfToken, setCookie, body };
  }

  /** A request as the browser sends it: the cookie, plus the CSRF header when given. */
  const withCookie = (
    session: CookieLogin,
    method: string,
    path: string,
    opts: { json?: unknown; body?: RequestInit["body"]; csrf?: string } = {},
  ) =>
    call(suite.url, method, path, {
      ...(opts.json !== undefined ? { json: opts.json } : {}),
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      headers: { cookie: session.cookie, ...(opts.csrf !== undefined ? { "x-csrf-token": opts.csrf } : {}) },
    });

  test("cookie:true sets an HttpOnly, SameSite=Strict cookie for /api only, and the body carries no token", async () => {
    const session = await cookieLogin(ann);
    expect(session.setCookie).toMatch(/; HttpOnly/);
    expect(session.setCookie).toMatch(/; SameSite=Strict/);
    expect(session.setCookie).toMatch(/; Path=\/api(;|$)/);
    expect(Number(/Max-Age=(\d+)/.exec(session.setCookie)![1])).toBeGreaterThan(86_000);
    expect(session.setCookie).not.toMatch(/; Secure/); // plain http here; TLS servers mark it Secure
    expect(session.body).toMatchObject({ tokenType: "Cookie", user: { username: ann.username } });
    expect(session.body.token).toBeUndefined();
    expect(JSON.stringify(session.body)).not.toContain(session.cookie.split("=")[1]!);
    expect(session.csrfToken).toMatch(/^[\w-]{43}$/);
  });

  test("a login without cookie:true is unchanged: a bearer token and no cookie", async () => {
    const res = await call(suite.url, "POST", "/api/v1/sessions", { json: { username: ann.username, password: ann.password } });
    const body = await jsonOf<SessionBody>(res);
    jar.add(body.token);
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ tokenType: "Bearer" });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  test("the cookie signs in safe requests; /sessions/current gives back the same CSRF token", async () => {
    const session = await cookieLogin(ann);
    const me = await withCookie(session, "GET", "/api/v1/me");
    expect(me.status).toBe(200);
    expect((await jsonOf<{ user: MeBody }>(me)).user.username).toBe(ann.username);
    const current = await jsonOf<CurrentSessionBody>(await withCookie(session, "GET", "/api/v1/sessions/current"));
    expect(current).toMatchObject({ via: "cookie", csrfToken: session.csrfToken, user: { username: ann.username } });
  });

  test("every unsafe method with the cookie but without the CSRF token is 403, and changes nothing", async () => {
    const session = await cookieLogin(ann);
    const attempts: [string, string, { json?: unknown; body?: RequestInit["body"] }][] = [
      ["PATCH", "/api/v1/me", { json: { name: "Mallory" } }],
      ["POST", "/api/v1/tokens", { json: { name: "stolen", password: ann.password } }],
      ["POST", "/api/v1/images", { body: multipart() }],
      ["POST", "/api/v1/images/delete", { json: { all: true } }],
      ["PUT", "/api/v1/me/password", { json: { currentPassword: ann.password, newPassword: "a brand new passphrase here" } }],
      ["DELETE", "/api/v1/me", { json: { password: ann.password } }],
      ["DELETE", "/api/v1/sessions/current", {}],
    ];
    for (const [method, path, opts] of attempts) {
      const res = await withCookie(session, method, path, opts);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      const problem = await expectProblem(res, 403, "forbidden");
      expect(problem.detail).toContain("X-CSRF-Token");
    }
    const me = await jsonOf<{ user: MeBody }>(await withCookie(session, "GET", "/api/v1/me"));
    expect(me.user).toMatchObject({ name: ann.name, usage: { images: 0 } });
    const tokens = await jsonOf<{ items: ApiTokenBody[] }>(await withCookie(session, "GET", "/api/v1/tokens"));
    expect(tokens.items).toEqual([]);
  });

  test("a wrong CSRF token is refused too: another session's, or a forged one", async () => {
    const first = await cookieLogin(ann);
    const second = await cookieLogin(ann);
    expect(second.csrfToken).not.toBe(first.csrfToken);
    for (const csrf of [second.csrfToken, "forged", "", first.csrfToken.slice(1)]) {
      await expectProblem(await withCookie(first, "PATCH", "/api/v1/me", { json: { name: "Mallory" }, csrf }), 403, "forbidden");
    }
    const ok = await withCookie(first, "PATCH", "/api/v1/me", { json: { name: "Ann Cookie" }, csrf: first.csrfToken });
    expect(ok.status).toBe(200);
    expect((await jsonOf<{ user: UserBody }>(ok)).user.name).toBe("Ann Cookie");
  });

  test("with the CSRF token the cookie uploads, and a plain GET link downloads the archive with its exact length", async () => {
    const session = await cookieLogin(ann);
    const up = await withCookie(session, "POST", "/api/v1/images", { body: multipart(), csrf: session.csrfToken });
    expect(up.status).toBe(201);
    const id = (await jsonOf<UploadBody>(up)).created[0]!.id as string;
    const content = await withCookie(session, "GET", `/api/v1/images/${id}/content`);
    expect(content.status).toBe(200);
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(PNG);
    const zip = await withCookie(session, "GET", `/api/v1/images/archive?ids=${id}`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get("content-type")).toBe("application/zip");
    const bytes = await zip.arrayBuffer();
    expect(Number(zip.headers.get("content-length"))).toBe(bytes.byteLength);
  });

  test("an Authorization header wins: the cookie is not read, and bearer requests need no CSRF token", async () => {
    const annCookie = await cookieLogin(ann);
    const bobToken = await loginToken(suite.url, bob.username, bob.password, jar);
    const res = await call(suite.url, "PATCH", "/api/v1/me", {
      token: bobToken,
      json: { name: "Bob B." },
      headers: { cookie: annCookie.cookie },
    });
    expect(res.status).toBe(200);
    expect((await jsonOf<{ user: MeBody }>(res)).user.username).toBe(bob.username);
    const current = await jsonOf<CurrentSessionBody>(await call(suite.url, "GET", "/api/v1/sessions/current", { token: bobToken }));
    expect(current).toMatchObject({ via: "bearer", csrfToken: null, user: { username: bob.username } });
    // A bad bearer token is still 401, whatever cookie comes with it.
    await expectProblem(
      await call(suite.url, "GET", "/api/v1/me", { token: "nope", headers: { cookie: annCookie.cookie } }),
      401,
      "unauthorized",
    );
  });

  test("logging out with the cookie ends that session and clears the cookie; the dead cookie then means signed out", async () => {
    const session = await cookieLogin(bob);
    const out = await withCookie(session, "DELETE", "/api/v1/sessions/current", { csrf: session.csrfToken });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((c) => c.startsWith("pxv_session="))).toMatch(/^pxv_session=; Max-Age=0; Path=\/api/);

    await expectProblem(await withCookie(session, "GET", "/api/v1/me"), 401, "unauthorized");
    // Public routes keep working for a browser holding a stale cookie, and are told to drop it.
    const gallery = await withCookie(session, "GET", "/api/v1/images?scope=public");
    expect(gallery.status).toBe(200);
    expect(gallery.headers.getSetCookie().join()).toContain("pxv_session=; Max-Age=0");
    // A dead cookie is not a live session: no CSRF check applies, the route just sees nobody.
    await expectProblem(await withCookie(session, "PATCH", "/api/v1/me", { json: { name: "x" } }), 401, "unauthorized");
  });

  test("an API token or garbage in the cookie signs nobody in", async () => {
    const session = await loginToken(suite.url, bob.username, bob.password, jar);
    const api = await createApiToken(suite.url, session, bob.password, "not a cookie", jar);
    for (const value of [api.token, session.slice(0, -2), "x".repeat(5000)]) {
      const res = await call(suite.url, "GET", "/api/v1/me", { headers: { cookie: `pxv_session=${value}` } });
      await expectProblem(res, 401, "unauthorized");
    }
  });

  test("a cookie session cannot be started from another site's page (login CSRF); forms cannot post JSON", async () => {
    const body = { username: ann.username, password: ann.password, cookie: true };
    for (const site of ["cross-site", "same-site"]) {
      const res = await call(suite.url, "POST", "/api/v1/sessions", { json: body, headers: { "sec-fetch-site": site } });
      await expectProblem(res, 403, "forbidden");
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const form = await call(suite.url, "POST", "/api/v1/sessions", {
      body: JSON.stringify(body),
      headers: { "content-type": "text/plain" },
    });
    expect(form.status).toBe(400);
    expect(form.headers.getSetCookie()).toEqual([]);
    await cookieLogin(ann, { "sec-fetch-site": "same-origin" });
  });

  test("signing in or up again needs no CSRF token, even with a live cookie", async () => {
    const session = await cookieLogin(ann);
    const again = await call(suite.url, "POST", "/api/v1/sessions", {
      json: { username: ann.username, password: ann.password, cookie: true },
      headers: { cookie: session.cookie },
    });
    expect(again.status).toBe(201);
    jar.add((await jsonOf<CookieSessionBody>(again)).csrfToken);
    const username = freshUsername();
    const password = strongPassword();
    jar.add(password);
    const signup = await call(suite.url, "POST", "/api/v1/users", {
      json: { name: "Cid", username, email: `${username}@example.com`, password },
      headers: { cookie: session.cookie },
    });
    expect(signup.status).toBe(201);
  });

  test("the server log holds no session cookie and no CSRF token", () => {
    expect(jar.size).toBeGreaterThan(10);
    expect(jar.foundIn(suite.server.output())).toEqual([]);
  });
});

function multipart(): FormData {
  const form = new FormData();
  form.append("onConflict", "rename");
  form.append("file", new File([PNG], "cookie.png", { type: "image/png" }));
  return form;
}
