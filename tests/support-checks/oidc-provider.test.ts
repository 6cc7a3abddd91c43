// Checks the test OpenID Provider harness by acting as a minimal relying party with fetch and jose:
// code flow with PKCE S256, state and nonce, client_secret_basic, ID token verified against the JWKS.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import { signInAtProvider, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  scopes_supported: string[];
  claims_supported: string[];
}

interface TokenAnswer {
  id_token?: string;
  access_token?: string;
  error?: string;
}

const accounts = { alice: { email: "alice@example.test", preferred_username: "alice", name: "Alice Liddell" } };
// Nothing listens here: signInAtProvider returns the redirect instead of following it.
const redirectUri = "http://127.0.0.1:9/cb";

let op: TestOidcProvider;
let discovery: Discovery;

beforeAll(async () => {
  op = await startOidcProvider({ accounts });
  op.allowRedirectUri(redirectUri);
  discovery = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as Discovery;
});
afterAll(() => op.stop());
afterEach(() => {
  Object.assign(op.faults, { wrongJwks: false, replaceNonce: false, down: false });
});

const b64url = (bytes: Buffer) => bytes.toString("base64url");

function authorizationRequest(overrides: Record<string, string | undefined> = {}) {
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const params: Record<string, string | undefined> = {
    response_type: "code",
    client_id: op.clientId,
    redirect_uri: redirectUri,
    scope: "openid profile email",
    state,
    nonce,
    code_challenge: b64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
    ...overrides,
  };
  const url = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { url: url.href, verifier, state, nonce };
}

async function redeem(code: string, verifier: string | undefined): Promise<{ status: number; body: TokenAnswer }> {
  const form: Record<string, string> = { grant_type: "authorization_code", code, redirect_uri: redirectUri };
  if (verifier !== undefined) form.code_verifier = verifier;
  const basic = Buffer.from(`${encodeURIComponent(op.clientId)}:${encodeURIComponent(op.clientSecret)}`).toString("base64");
  const response = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { authorization: `Basic ${basic}` },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer };
}

/** Signs `accountId` in and returns the code (state checked) with what redeeming it needs. */
async function codeFor(accountId: string) {
  const request = authorizationRequest();
  const back = new URL(await signInAtProvider(request.url, accountId));
  expect(back.origin + back.pathname).toBe(redirectUri);
  expect(back.searchParams.get("state")).toBe(request.state);
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`no code in ${back.href}`);
  return { code, ...request };
}

async function idTokenFor(accountId: string) {
  const { code, verifier, nonce } = await codeFor(accountId);
  const { status, body } = await redeem(code, verifier);
  expect(status).toBe(200);
  if (!body.id_token) throw new Error("no id_token");
  return { idToken: body.id_token, nonce };
}

async function verify(idToken: string): Promise<JWTPayload> {
  // A fresh JWKS set each time: jose's remote set would otherwise cache keys across the tests' faults.
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  return (await jwtVerify(idToken, jwks, { issuer: op.issuer, audience: op.clientId })).payload;
}

describe("test OpenID Provider", () => {
  test("discovery describes the issuer, PKCE S256, client_secret_basic and the scopes", () => {
    expect(discovery.issuer).toBe(op.issuer);
    expect(op.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.token_endpoint_auth_methods_supported).toContain("client_secret_basic");
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(["openid", "profile", "email"]));
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["preferred_username", "name", "email", "email_verified"]));
  });

  test("code flow: the ID token verifies against the JWKS and carries the nonce and the account's claims", async () => {
    const { idToken, nonce } = await idTokenFor("alice");
    const claims = await verify(idToken);
    expect(claims).toMatchObject({ sub: "alice", nonce, ...accounts.alice, email_verified: true });
  });

  test("an account that is not configured signs in with only its sub", async () => {
    const claims = await verify((await idTokenFor("bob")).idToken);
    expect(claims.sub).toBe("bob");
    expect(claims.email).toBeUndefined();
  });

  test("a code is redeemed once: the replay is invalid_grant", async () => {
    const { code, verifier } = await codeFor("alice");
    expect((await redeem(code, verifier)).status).toBe(200);
    const replay = await redeem(code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
  });

  test("a code redeemed without its code_verifier is refused", async () => {
    const { code } = await codeFor("alice");
    const answer = await redeem(code, undefined);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_grant");
  });

  test("PKCE is required: an authorization request without code_challenge comes back with an error", async () => {
    const request = authorizationRequest({ code_challenge: undefined, code_challenge_method: undefined });
    const back = new URL(await signInAtProvider(request.url, "alice"));
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("state")).toBe(request.state);
  });

  test("deny aborts the interaction: the relying party gets error=access_denied", async () => {
    const request = authorizationRequest();
    const back = new URL(await signInAtProvider(request.url, "alice", { deny: true }));
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe(request.state);
    expect(back.searchParams.has("code")).toBe(false);
  });

  test("a redirect_uri that was not allowed is refused at the provider", async () => {
    const request = authorizationRequest({ redirect_uri: "http://127.0.0.1:9/elsewhere" });
    await expect(signInAtProvider(request.url, "alice")).rejects.toThrow(/redirect_uri/);
  });

  test("faults.wrongJwks: the published keys have the same kid but signatures no longer verify", async () => {
    const { idToken } = await idTokenFor("alice");
    op.faults.wrongJwks = true;
    const published = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(idToken).kid!]);
    await expect(verify(idToken)).rejects.toThrow(/signature verification failed/);
  });

  test("faults.replaceNonce: the ID token carries another nonce than the one sent", async () => {
    op.faults.replaceNonce = true;
    const { idToken, nonce } = await idTokenFor("alice");
    const claims = await verify(idToken);
    expect(claims.nonce).toBeString();
    expect(claims.nonce).not.toBe(nonce);
  });

  test("faults.down: every request answers 503, and the provider is back when it is cleared", async () => {
    op.faults.down = true;
    expect((await fetch(`${op.issuer}/.well-known/openid-configuration`)).status).toBe(503);
    op.faults.down = false;
    expect((await fetch(`${op.issuer}/.well-known/openid-configuration`)).status).toBe(200);
  });

  test("rotateKeys: a new kid signs, the JWKS publishes only it, and older tokens no longer verify", async () => {
    const before = (await idTokenFor("alice")).idToken;
    const oldKid = decodeProtectedHeader(before).kid!;
    await op.rotateKeys();

    const after = (await idTokenFor("alice")).idToken;
    const newKid = decodeProtectedHeader(after).kid!;
    expect(newKid).not.toBe(oldKid);
    const published = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toEqual([newKid]);
    expect((await verify(after)).sub).toBe("alice");
    await expect(verify(before)).rejects.toThrow(/no applicable key found/);
  });
});
