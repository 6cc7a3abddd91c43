// Single sign-on (SPEC §13) through HTTP against a REAL OpenID Provider (oidc-provider on
// 127.0.0.1, tests/support/oidc-provider.ts) and the whole app in process on a clock the test moves.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestApp, type TestApp } from "../../src/test-app.ts";
import { signInAtProvider, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";
import { tempDir } from "../support/pixvault.ts";
import { callback, cookieOf, type Send, signInVia, start } from "./flow.ts";

const CALLBACK = "http://localhost/api/v1/auth/oidc/callback";
const dir = tempDir("pixvault-sso-");
let provider: TestOidcProvider;
let secretFile: string;
const apps: TestApp[] = [];

beforeAll(async () => {
  provider = await startOidcProvider({
    idTokenTtlSeconds: 120,
    accounts: {
      carol: { preferred_username: "Carol", email: "carol@example.org", name: "Carol C." },
      dave: { preferred_username: "dave", email: "dave@example.org" },
      mallory: { preferred_username: "mallory", email: "ann-sso@example.org" },
    },
  });
  provider.allowRedirectUri(CALLBACK);
  secretFile = join(dir.path, "secret");
  writeFileSync(secretFile, provider.clientSecret, { mode: 0o600 });
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await provider?.stop();
  dir.remove();
});

async function appWith(extra: string[] = []): Promise<{ app: TestApp; send: Send }> {
  const flags = ["--oidc-issuer", provider.issuer, "--oidc-client-id", provider.clientId, "--oidc-client-secret-file", secretFile];
  const app = await createTestApp({ flags: [...flags, "--oidc-name", "Test IdP", ...extra] });
  apps.push(app);
  return { app, send: (path, init) => app.request(path, init) };
}

const asCookie = (session: string) => ({ headers: { cookie: `pxv_session=${session}` } });

async function whoIs(send: Send, session: string | undefined): Promise<{ status: number; username?: string; id?: string }> {
  if (!session) return { status: 0 };
  const res = await send("/api/v1/sessions/current", asCookie(session));
  const body = (await res.json()) as { user?: { id: string; username: string } };
  return { status: res.status, ...(body.user ? { username: body.user.username, id: body.user.id } : {}) };
}

/** A password account made as the operator makes one (`pixvault user create`), for servers closed to sign-ups. */
async function operatorMade(app: TestApp, username: string): Promise<{ id: string; token: string }> {
  const password = `Pv-${crypto.randomUUID()}-q9`;
  const made = await app.accounts.accounts.register({ username, name: username, email: `${username}@example.org`, password });
  if (!made.ok) throw new Error(`user ${username}: ${made.error.detail}`);
  return { id: made.value.id, token: await app.signIn(username, password) };
}

async function passwordCookie(app: TestApp, username: string, password: string): Promise<string> {
  const res = await app.request("/api/v1/sessions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password, cookie: true }),
  });
  expect(res.status).toBe(201);
  return cookieOf(res, "pxv_session")!;
}

describe("single sign-on with auto-registration", () => {
  let app: TestApp;
  let send: Send;
  beforeAll(async () => ({ app, send } = await appWith(["--oidc-auto-register", "--registration", "closed"])));

  test("the web UI learns the label; /start redirects with PKCE S256, state, nonce and a 10-minute Lax HttpOnly cookie", async () => {
    expect(await (await send("/api/v1/auth/oidc")).json()).toEqual({ enabled: true, name: "Test IdP" });
    const started = await start(send);
    const url = new URL(started.authorizeUrl);
    expect(url.origin).toBe(provider.issuer);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      response_type: "code",
      client_id: provider.clientId,
      redirect_uri: CALLBACK,
      scope: "openid profile email",
      code_challenge_method: "S256",
    });
    for (const name of ["state", "nonce", "code_challenge"]) expect(params[name]!.length).toBeGreaterThanOrEqual(43);
    expect(started.setCookie).toContain("HttpOnly");
    expect(started.setCookie).toContain("SameSite=Lax");
    expect(started.setCookie).toContain("Max-Age=600");
    expect(started.setCookie).toContain("Path=/api/v1/auth/oidc");
  });

  test("an unknown identity gets an account (even with --registration closed) and a cookie session; the next sign-in finds it", async () => {
    const first = await signInVia(send, "carol");
    expect({ status: first.status, location: first.location }).toEqual({ status: 303, location: "/" });
    const carol = await whoIs(send, first.session);
    expect(carol).toMatchObject({ status: 200, username: "carol" });
    const me = (await (await send("/api/v1/me", asCookie(first.session!))).json()) as { user: { name: string; email: string } };
    expect(me.user).toMatchObject({ name: "Carol C.", email: "carol@example.org" });
    const identities = (await (await send("/api/v1/me/identities", asCookie(first.session!))).json()) as {
      items: { issuer: string; subject: string; email: string }[];
    };
    expect(identities.items).toHaveLength(1);
    expect(identities.items[0]).toMatchObject({ issuer: provider.issuer, subject: "carol", email: "carol@example.org" });
    const again = await signInVia(send, "carol");
    expect((await whoIs(send, again.session)).id).toBe(carol.id);
  });

  test("an account made so has no password until it sets its first one (no current password needed)", async () => {
    const { session } = await signInVia(send, "carol");
    const login = (password: string) =>
      send("/api/v1/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "carol", password }),
      });
    expect((await login("!")).status).toBe(401);
    const csrf = ((await (await send("/api/v1/sessions/current", asCookie(session!))).json()) as { csrfToken: string }).csrfToken;
    const set = await send("/api/v1/me/password", {
      method: "PUT",
      headers: { cookie: `pxv_session=${session}`, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify({ newPassword: "a long passphrase of carol's own" }),
    });
    expect(set.status).toBe(204);
    expect((await login("a long passphrase of carol's own")).status).toBe(201);
    // Now that it has one, changing it needs it.
    const change = await send("/api/v1/me/password", {
      method: "PUT",
      headers: { cookie: `pxv_session=${session}`, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify({ newPassword: "yet another passphrase for carol" }),
    });
    expect(change.status).toBe(401);
  });

  test("usernames are made valid and unique, and an identity is never matched to an account by its email", async () => {
    const dave = await operatorMade(app, "dave");
    const mallory = await operatorMade(app, "ann-sso");
    const viaDave = await whoIs(send, (await signInVia(send, "dave")).session);
    expect(viaDave.username).toBe("dave-2");
    expect(viaDave.id).not.toBe(dave.id);
    // mallory's provider account claims the email of the password account ann-sso: it gets its own account.
    const viaMallory = await whoIs(send, (await signInVia(send, "mallory")).session);
    expect(viaMallory.username).toBe("mallory");
    expect(viaMallory.id).not.toBe(mallory.id);
    // An identity with no usable claims is named from its subject.
    const bare = await whoIs(send, (await signInVia(send, "x")).session);
    expect(bare.username).toBe("x-user");
  });

  test("the only way into an account cannot be unlinked (409); another user's identity is 404", async () => {
    const { session } = await signInVia(send, "erin");
    const list = (await (await send("/api/v1/me/identities", asCookie(session!))).json()) as { items: { id: string }[] };
    const id = list.items[0]!.id;
    const csrf = ((await (await send("/api/v1/sessions/current", asCookie(session!))).json()) as { csrfToken: string }).csrfToken;
    const unlink = await send(`/api/v1/me/identities/${id}`, {
      method: "DELETE",
      headers: { cookie: `pxv_session=${session}`, "x-csrf-token": csrf },
    });
    expect(unlink.status).toBe(409);
    expect(((await unlink.json()) as { code: string }).code).toBe("conflict");
    const other = await operatorMade(app, "olive");
    const foreign = await send(`/api/v1/me/identities/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${other.token}` } });
    expect(foreign.status).toBe(404);
    expect((await whoIs(send, (await signInVia(send, "erin")).session)).status).toBe(200);
  });
});

describe("linking, and no auto-registration", () => {
  let app: TestApp;
  let send: Send;
  beforeAll(async () => ({ app, send } = await appWith()));

  test("an unknown identity ends on the sign-in page with account_unknown and no session", async () => {
    const done = await signInVia(send, "frank");
    expect(done).toEqual({ status: 303, location: "/#/sign-in?error=account_unknown", session: undefined });
  });

  test("signed in by the session cookie, the flow links the identity; then it signs in to that account; unlinking works with a password", async () => {
    const ann = await app.signUp("ann");
    const cookie = await passwordCookie(app, ann.username, ann.password);
    const linked = await signInVia(send, "frank", cookie);
    expect({ status: linked.status, location: linked.location }).toEqual({ status: 303, location: "/#/account" });
    const viaFrank = await whoIs(send, (await signInVia(send, "frank")).session);
    expect(viaFrank).toMatchObject({ status: 200, id: ann.id });
    // Linking the same identity to another account is refused.
    const bob = await app.signUp("bob");
    const stolen = await signInVia(send, "frank", await passwordCookie(app, bob.username, bob.password));
    expect(stolen).toEqual({ status: 303, location: "/#/sign-in?error=identity_taken", session: undefined });
    const items = (
      (await (await send("/api/v1/me/identities", { headers: { authorization: `Bearer ${ann.token}` } })).json()) as {
        items: { id: string }[];
      }
    ).items;
    expect(items).toHaveLength(1);
    const unlink = await send(`/api/v1/me/identities/${items[0]!.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ann.token}` },
    });
    expect(unlink.status).toBe(204);
    expect((await signInVia(send, "frank")).location).toBe("/#/sign-in?error=account_unknown");
  });

  test("an account deleted while its link is at the provider: state_invalid, not a 5xx", async () => {
    const hugo = await app.signUp("hugo");
    const started = await start(send, await passwordCookie(app, hugo.username, hugo.password));
    const back = await signInAtProvider(started.authorizeUrl, "hugo-at-idp");
    expect((await app.accounts.accounts.deleteUserByName("hugo")).ok).toBe(true);
    expect(await callback(send, back, started.flowCookie)).toEqual({
      status: 303,
      location: "/#/sign-in?error=state_invalid",
      session: undefined,
    });
  });

  test("a bearer token does not link: only the session cookie (SameSite=Strict) does", async () => {
    const gina = await app.signUp("gina");
    const res = await send("/api/v1/auth/oidc/start", { headers: { authorization: `Bearer ${gina.token}` } });
    expect(res.status).toBe(302);
    const back = await signInAtProvider(res.headers.get("location")!, "gina-at-idp");
    const done = await callback(send, back, cookieOf(res, "pxv_oidc"));
    expect(done.location).toBe("/#/sign-in?error=account_unknown");
  });
});

describe("every failure ends on the sign-in page, never with a session or a 5xx", () => {
  let app: TestApp;
  let send: Send;
  beforeAll(async () => ({ app, send } = await appWith(["--oidc-auto-register"])));
  const failedWith = (code: string) => ({ status: 303, location: `/#/sign-in?error=${code}`, session: undefined });

  test("no flow cookie, a forged state, or a callback replayed with its cookie: state_invalid", async () => {
    const started = await start(send);
    const back = await signInAtProvider(started.authorizeUrl, "henry");
    expect(await callback(send, back, undefined)).toEqual(failedWith("state_invalid"));
    const forged = new URL(back);
    forged.searchParams.set("state", "forged");
    const again = await start(send);
    expect(await callback(send, forged.href, again.flowCookie)).toEqual(failedWith("state_invalid"));
    // The flow cookie of `again` is spent by that attempt: a second try with it fails the same way.
    const third = await start(send);
    const good = await signInAtProvider(third.authorizeUrl, "henry");
    expect((await callback(send, good, third.flowCookie)).location).toBe("/");
    expect(await callback(send, good, third.flowCookie)).toEqual(failedWith("state_invalid"));
  });

  test("a replayed code (with a fresh state) is refused by the provider: exchange_failed", async () => {
    const first = await start(send);
    const back = new URL(await signInAtProvider(first.authorizeUrl, "ivy"));
    expect((await callback(send, back.href, first.flowCookie)).location).toBe("/");
    const second = await start(send);
    back.searchParams.set("state", new URL(second.authorizeUrl).searchParams.get("state")!);
    expect(await callback(send, back.href, second.flowCookie)).toEqual(failedWith("exchange_failed"));
  });

  test("cancelling at the provider: access_denied; another provider error: provider_error", async () => {
    const started = await start(send);
    const back = await signInAtProvider(started.authorizeUrl, "jack", { deny: true });
    expect(new URL(back).searchParams.get("error")).toBe("access_denied");
    expect(await callback(send, back, started.flowCookie)).toEqual(failedWith("access_denied"));
    const other = await start(send);
    const state = new URL(other.authorizeUrl).searchParams.get("state")!;
    expect(await callback(send, `${CALLBACK}?error=server_error&state=${state}`, other.flowCookie)).toEqual(failedWith("provider_error"));
  });

  test("a nonce that is not the one sent: token_invalid", async () => {
    provider.faults.replaceNonce = true;
    try {
      expect(await signInVia(send, "kate")).toEqual(failedWith("token_invalid"));
    } finally {
      provider.faults.replaceNonce = false;
    }
    expect((await signInVia(send, "kate")).location).toBe("/");
  });

  test("an expired ID token: token_invalid", async () => {
    const started = await start(send);
    const back = await signInAtProvider(started.authorizeUrl, "liam");
    // The token lives 120 s; 9 minutes on, it is long expired while the sign-in itself (10 minutes) is not.
    app.clock.advance(9 * 60_000);
    try {
      expect(await callback(send, back, started.flowCookie)).toEqual(failedWith("token_invalid"));
    } finally {
      app.clock.advance(-9 * 60_000);
    }
  });

  test("a sign-in left for more than 10 minutes: state_invalid", async () => {
    const started = await start(send);
    const back = await signInAtProvider(started.authorizeUrl, "liam");
    app.clock.advance(11 * 60_000);
    try {
      expect(await callback(send, back, started.flowCookie)).toEqual(failedWith("state_invalid"));
    } finally {
      app.clock.advance(-11 * 60_000);
    }
  });

  test("the provider down at the code exchange: provider_unavailable", async () => {
    const started = await start(send);
    const back = await signInAtProvider(started.authorizeUrl, "mia");
    provider.faults.down = true;
    try {
      expect(await callback(send, back, started.flowCookie)).toEqual(failedWith("provider_unavailable"));
    } finally {
      provider.faults.down = false;
    }
  });

  test("the provider rotates its signing key: the next sign-in fetches the new one and works", async () => {
    expect((await signInVia(send, "noah")).location).toBe("/");
    await provider.rotateKeys();
    await Bun.sleep(1_100); // keys are looked up again at most once a second
    const after = await signInVia(send, "noah");
    expect(after.location).toBe("/");
    expect((await whoIs(send, after.session)).username).toBe("noah");
  });

  test("the log says why, and holds no code, state, token or secret", () => {
    const log = app.logs.join("\n");
    expect(log).toContain('"reason":"token_invalid"');
    expect(log).not.toContain(provider.clientSecret);
    expect(log).not.toContain("code=");
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});

test("a signature that does not verify against the provider's keys: token_invalid, then recovery", async () => {
  // A fresh server, so that the keys it first fetches are the wrong ones.
  const { send } = await appWith(["--oidc-auto-register"]);
  provider.faults.wrongJwks = true;
  try {
    expect(await signInVia(send, "olga")).toMatchObject({ location: "/#/sign-in?error=token_invalid", session: undefined });
  } finally {
    provider.faults.wrongJwks = false;
  }
  await Bun.sleep(1_100);
  expect((await signInVia(send, "olga")).location).toBe("/");
});

test("without --oidc-* the routes say it is off and /start is 404", async () => {
  const app = await createTestApp();
  apps.push(app);
  expect(await (await app.request("/api/v1/auth/oidc")).json()).toEqual({ enabled: false, name: null });
  expect((await app.request("/api/v1/auth/oidc/start")).status).toBe(404);
  expect((await app.request("/api/v1/auth/oidc/callback?code=x&state=y")).status).toBe(404);
});
