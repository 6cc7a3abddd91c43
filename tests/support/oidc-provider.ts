// A real OpenID Provider (panva's oidc-provider) for the single sign-on tests, on 127.0.0.1 with a
// random port, plus a driver for its development login pages and fault switches for failure tests.
//
// Layout: our own node:http "front" server owns the port and hands every request to the current
// Provider's Koa callback, after applying the fault switches. Owning the port ourselves is what lets
// rotateKeys() swap in a Provider built with a new key while the issuer (and its port) stay the same.
//
// oidc-provider under Bun: it runs unchanged. Its only Bun-specific code is a warning printed when the
// module is first evaluated ("Unsupported runtime", raised for any non-Node-LTS runtime), which we drop
// together with the devInteractions warning; every other warning and all errors still print. Cookies
// are left unsigned to keep a Bun-only deprecation warning out of test output (see `cookies` below).
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { Adapter, AdapterPayload, Configuration, default as Provider } from "oidc-provider";

interface TestAccount {
  email?: string;
  /** Defaults to true when `email` is set. */
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
}

export interface OidcProviderOptions {
  /** Claims per accountId; any other login name signs in too, with claims {sub} only. */
  accounts?: Record<string, TestAccount>;
  idTokenTtlSeconds?: number;
}

interface OidcFaults {
  /** The JWKS endpoint answers a different key set with the same kids (so signatures no longer verify). */
  wrongJwks: boolean;
  /** A GET authorization request's `nonce` is replaced before the provider sees it (the ID token carries another nonce). */
  replaceNonce: boolean;
  /** Every request is answered 503 (a provider that is up but failing: quick and deterministic, unlike a closed socket). */
  down: boolean;
}

export interface TestOidcProvider {
  /** http://127.0.0.1:PORT, exactly the `issuer` of the discovery document. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registers another redirect URI for the one client (pixvault's port is known only after it starts). */
  allowRedirectUri(uri: string): void;
  /** Replaces the signing key: a new kid signs from now on and the JWKS publishes only the new key. */
  rotateKeys(): Promise<void>;
  readonly faults: OidcFaults;
  stop(): Promise<void>;
}

type ProviderModule = typeof import("oidc-provider");

// Warnings oidc-provider prints for choices a test provider makes on purpose.
const EXPECTED_WARNINGS = ["Unsupported runtime", "devInteractions is enabled"];

async function withoutExpectedWarnings<T>(work: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = String(args[0]);
    if (text.includes("oidc-provider WARNING") && EXPECTED_WARNINGS.some((w) => text.includes(w))) return;
    warn.apply(console, args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}

// Imported lazily so its import-time runtime warning can be filtered (a static import evaluates first).
let providerModule: Promise<ProviderModule> | undefined;
const loadProvider = () => (providerModule ??= withoutExpectedWarnings(() => import("oidc-provider")));

interface SigningKey {
  /** The private JWK the provider signs with. */
  key: JWK;
  /** A public JWK with the same kid but another key: what the wrongJwks fault publishes. */
  impostor: JWK;
}

async function rsaKeyPair(kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const common = { kid, alg: "RS256", use: "sig" };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...common }, publicJwk: { ...(await exportJWK(publicKey)), ...common } };
}

async function newSigningKey(): Promise<SigningKey> {
  const kid = `test-${randomUUID()}`;
  const [real, other] = await Promise.all([rsaKeyPair(kid), rsaKeyPair(kid)]);
  return { key: real.privateJwk, impostor: other.publicJwk };
}

interface Stored {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * The provider's storage, shared by every Provider built for one harness so that sessions, interactions
 * and codes survive a key rotation. The "Client" model is answered from `client()`, not stored.
 *
 * allowRedirectUri works through this: the client is deliberately not a static `clients` entry, because
 * oidc-provider turns those into Client objects once and keeps them (staticClients in its private
 * instance state). Clients it finds through the adapter are instead cached under a hash of the metadata
 * the adapter returned (Client.find in lib/models/client.js), so adding a redirect URI changes the hash
 * and the next lookup builds, and validates, a fresh Client.
 */
function createStorage(client: () => AdapterPayload) {
  const rows = new Map<string, Stored>();
  const live = (key: string) => {
    const row = rows.get(key);
    if (row && row.expiresAt <= Date.now()) rows.delete(key);
    return rows.get(key);
  };
  const findBy = (model: string, match: (payload: AdapterPayload) => boolean) => {
    for (const key of rows.keys()) {
      const row = key.startsWith(`${model}:`) ? live(key) : undefined;
      if (row && match(row.payload)) return row.payload;
    }
    return undefined;
  };

  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        rows.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
      },
      async find(id) {
        if (model === "Client") return id === client().client_id ? client() : undefined;
        return live(key(id))?.payload;
      },
      async findByUid(uid) {
        return findBy(model, (payload) => payload.uid === uid);
      },
      async findByUserCode(userCode) {
        return findBy(model, (payload) => payload.userCode === userCode);
      },
      async consume(id) {
        const row = live(key(id));
        if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        rows.delete(key(id));
      },
      // A replayed authorization code revokes everything issued under its grant.
      async revokeByGrantId(grantId) {
        for (const [k, row] of rows) if (row.payload.grantId === grantId) rows.delete(k);
      },
    };
  };
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  const { default: ProviderClass } = await loadProvider();
  const accounts = options.accounts ?? {};
  const clientId = "pixvault-test";
  const clientSecret = randomBytes(24).toString("base64url");
  const redirectUris = new Set<string>();
  const faults: OidcFaults = { wrongJwks: false, replaceNonce: false, down: false };
  const adapter = createStorage(() => ({
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [...redirectUris],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }));

  const configuration = (signingKey: SigningKey): Configuration => ({
    adapter,
    jwks: { keys: [signingKey.key] },
    // No cookie keys, so cookies go unsigned: signing goes through keygrip's tsscmp, whose
    // crypto.pseudoRandomBytes makes Bun print a DEP0115 deprecation warning (Node only does so with
    // --pending-deprecation). Cookies only point into the shared storage, so they survive a rotation.
    cookies: { keys: [] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    responseTypes: ["code"],
    scopes: ["openid", "profile", "email"],
    claims: { openid: ["sub"], profile: ["preferred_username", "name"], email: ["email", "email_verified"] },
    // Without this, scope claims go to userinfo only whenever an access token is issued; the relying
    // party under test reads them from the ID token.
    conformIdTokenClaims: false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: options.idTokenTtlSeconds ?? 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    findAccount: (_ctx, accountId) => ({
      accountId,
      claims: () => {
        const account = accounts[accountId];
        if (!account) return { sub: accountId };
        return { ...account, email_verified: account.email_verified ?? account.email !== undefined, sub: accountId };
      },
    }),
    // Plain JSON instead of the HTML error page, so a failed sign-in explains itself in test output.
    renderError: (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
  });

  let signingKey = await newSigningKey();
  let handle: (req: IncomingMessage, res: ServerResponse) => unknown = () => undefined;
  const server = createServer((req, res) => {
    if (faults.down) {
      res.writeHead(503, { "content-type": "text/plain" }).end("test provider is down (faults.down)");
      return;
    }
    const url = new URL(req.url ?? "/", "http://front");
    if (faults.wrongJwks && url.pathname === "/jwks") {
      res.writeHead(200, { "content-type": "application/jwk-set+json" }).end(JSON.stringify({ keys: [signingKey.impostor] }));
      return;
    }
    if (faults.replaceNonce && url.pathname === "/auth" && url.searchParams.has("nonce")) {
      url.searchParams.set("nonce", `replaced-${randomUUID()}`);
      req.url = url.pathname + url.search;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const use = async (key: SigningKey) => {
    const provider: Provider = await withoutExpectedWarnings(() => new ProviderClass(issuer, configuration(key)));
    signingKey = key;
    handle = provider.callback();
  };
  await use(signingKey);

  return {
    issuer,
    clientId,
    clientSecret,
    faults,
    allowRedirectUri: (uri) => void redirectUris.add(uri),
    // A new Provider with only the new key behind the same front server: same issuer and port and the
    // same storage, so only the keys change (oidc-provider reads `jwks` once, at construction).
    rotateKeys: async () => use(await newSigningKey()),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Drives the provider's development login (devInteractions) over HTTP for `accountId`:
 * given the authorization URL a relying party redirected to, follows the provider's redirects,
 * submits the login form (any password) and the consent, and returns the final redirect URL back to
 * the relying party (redirect_uri?code=…&state=…, or ?error=…). `deny` cancels at the login page
 * (the interaction's abort), which answers error=access_denied. Each call keeps its own cookies, so
 * every sign-in starts without a provider session.
 */
export async function signInAtProvider(authorizeUrl: string, accountId: string, opts: { deny?: boolean } = {}): Promise<string> {
  const origin = new URL(authorizeUrl).origin;
  const cookies = new Map<string, string>();
  let request: { url: string; form?: Record<string, string> } = { url: authorizeUrl };

  for (let step = 0; step < 20; step++) {
    const response = await fetch(request.url, {
      redirect: "manual",
      method: request.form ? "POST" : "GET",
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; ") },
      body: request.form ? new URLSearchParams(request.form) : undefined,
    });
    keepCookies(cookies, response.headers.getSetCookie());

    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url);
      if (next.origin !== origin) return next.href;
      request = { url: next.href };
      continue;
    }

    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
    if (!response.ok || !action || !prompt) {
      throw new Error(`provider answered ${response.status} at ${request.url} instead of a login page: ${page.slice(0, 500)}`);
    }
    if (opts.deny) {
      const abort = /href="([^"]*\/abort)"/.exec(page)?.[1];
      if (!abort) throw new Error(`no abort link on the provider's ${prompt} page`);
      request = { url: new URL(unescapeHtml(abort), request.url).href };
      continue;
    }
    const form: Record<string, string> = prompt === "login" ? { prompt, login: accountId, password: "any password" } : { prompt };
    request = { url: new URL(unescapeHtml(action), request.url).href, form };
  }
  throw new Error(`no redirect back to the relying party after 20 steps from ${authorizeUrl}`);
}

// A deliberately small jar: cookie names are unique per purpose here, so paths and domains can be ignored.
function keepCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expires = attributes.find((a) => a.trim().toLowerCase().startsWith("expires="));
    const expired = expires !== undefined && Date.parse(expires.split("=")[1] ?? "") <= Date.now();
    if (!value || expired) jar.delete(name);
    else jar.set(name, value);
  }
}

function unescapeHtml(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, entity: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[entity] ?? "",
  );
}
