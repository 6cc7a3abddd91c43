// pixvault as an OpenID Connect relying party (SPEC §13): discovery at start, the authorization
// URL, the code exchange and the ID token's verification. It speaks HTTP to the provider and
// knows jose; what a verified identity may do is domain/accounts/single-sign-on.ts's call.
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import type { OidcConfig } from "../config-oidc.ts";
import type { IdentityProvider, ProviderIdentity, RedeemFailure } from "../domain/accounts/single-sign-on.ts";

/** What the provider's discovery document says, as far as this flow needs it. */
export interface DiscoveredProvider {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly tokenAuth: "client_secret_basic" | "client_secret_post";
  readonly algorithms: readonly string[];
}

/** The provider is asked nothing that may take longer: a sign-in waits on it. */
const PROVIDER_TIMEOUT_MS = 10_000;
/** ID tokens are used at once; one minted longer ago than this was not minted for this sign-in. */
const MAX_TOKEN_AGE_S = 10 * 60;
const CLOCK_TOLERANCE_S = 60;

export class DiscoveryError extends Error {}

/** Reads `<issuer>/.well-known/openid-configuration`; a DiscoveryError says in one line what is wrong. */
export async function discoverProvider(config: Pick<OidcConfig, "issuer">, fetcher: typeof fetch = fetch): Promise<DiscoveredProvider> {
  const url = `${config.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let document: Record<string, unknown>;
  try {
    const response = await fetcher(url, { redirect: "error", signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
    if (!response.ok) throw new DiscoveryError(`${url} answered HTTP ${response.status}`);
    document = (await response.json()) as Record<string, unknown>;
    if (typeof document !== "object" || document === null) throw new DiscoveryError(`${url} is not a JSON object`);
  } catch (error) {
    if (error instanceof DiscoveryError) throw error;
    throw new DiscoveryError(`cannot read ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = (field: string): string => {
    const value = document[field];
    if (typeof value !== "string" || value === "") throw new DiscoveryError(`${url} has no ${field}`);
    return value;
  };
  const list = (field: string): string[] | undefined => {
    const value = document[field];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
  };
  // OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer it was fetched for.
  if (text("issuer") !== config.issuer) {
    throw new DiscoveryError(`${url} names its issuer "${text("issuer")}", not "${config.issuer}": set --oidc-issuer to exactly that`);
  }
  const challenges = list("code_challenge_methods_supported");
  if (challenges && !challenges.includes("S256")) throw new DiscoveryError(`the provider does not support PKCE with S256`);
  const auth = list("token_endpoint_auth_methods_supported") ?? ["client_secret_basic"];
  const tokenAuth = auth.includes("client_secret_basic")
    ? "client_secret_basic"
    : auth.includes("client_secret_post")
      ? "client_secret_post"
      : undefined;
  if (!tokenAuth) throw new DiscoveryError(`the provider accepts neither client_secret_basic nor client_secret_post at its token endpoint`);
  // Never "none", and never an HMAC: a token signed with the client secret proves nothing about the provider here.
  const algorithms = (list("id_token_signing_alg_values_supported") ?? ["RS256"]).filter((a) => a !== "none" && !a.startsWith("HS"));
  if (algorithms.length === 0) throw new DiscoveryError(`the provider signs ID tokens with no public-key algorithm`);
  return {
    issuer: config.issuer,
    authorizationEndpoint: text("authorization_endpoint"),
    tokenEndpoint: text("token_endpoint"),
    jwksUri: text("jwks_uri"),
    tokenAuth,
    algorithms,
  };
}

/** The relying party for one configured client of one discovered provider. */
export function relyingParty(
  config: Pick<OidcConfig, "clientId" | "clientSecret">,
  provider: DiscoveredProvider,
  fetcher: typeof fetch = fetch,
): IdentityProvider {
  // Keys are cached; a token signed with a key not seen yet (the provider rotated) fetches them again.
  const keys = createRemoteJWKSet(new URL(provider.jwksUri), {
    timeoutDuration: PROVIDER_TIMEOUT_MS,
    cooldownDuration: 1_000,
    cacheMaxAge: 10 * 60_000,
  });

  async function exchange(code: string, codeVerifier: string, redirectUri: string): Promise<string | RedeemFailure> {
    const form = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (provider.tokenAuth === "client_secret_basic") {
      // RFC 6749 §2.3.1: both parts form-encoded before base64.
      const user = encodeURIComponent(config.clientId).replaceAll("%20", "+");
      const secret = encodeURIComponent(config.clientSecret).replaceAll("%20", "+");
      headers.authorization = `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
    } else {
      form.set("client_id", config.clientId);
      form.set("client_secret", config.clientSecret);
    }
    let response: Response;
    try {
      response = await fetcher(provider.tokenEndpoint, {
        method: "POST",
        headers,
        body: form,
        redirect: "error",
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch {
      return "provider_unavailable";
    }
    const body = (await response.json().catch(() => undefined)) as { id_token?: unknown } | undefined;
    if (response.status >= 500) return "provider_unavailable";
    if (!response.ok || typeof body?.id_token !== "string") return "exchange_failed";
    return body.id_token;
  }

  async function verify(idToken: string, nonce: string, now: Date): Promise<JWTPayload | RedeemFailure> {
    const options = {
      issuer: provider.issuer,
      audience: config.clientId,
      algorithms: [...provider.algorithms],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: MAX_TOKEN_AGE_S,
      requiredClaims: ["sub", "iat", "exp"],
    };
    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(idToken, keys, options)).payload;
    } catch (error) {
      // A key that changed under the same kid: look once more (the cooldown keeps this to one fetch a second).
      if (error instanceof errors.JWSSignatureVerificationFailed && !keys.coolingDown) {
        try {
          await keys.reload();
          payload = (await jwtVerify(idToken, keys, options)).payload;
        } catch (again) {
          return failureOf(again);
        }
      } else {
        return failureOf(error);
      }
    }
    if (payload.nonce !== nonce) return "token_invalid";
    // With several audiences the token must say it was issued to this client (OIDC Core §3.1.3.7).
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== config.clientId) return "token_invalid";
    return payload;
  }

  return {
    authorizationUrl({ state, nonce, codeChallenge, redirectUri }) {
      const url = new URL(provider.authorizationEndpoint);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("scope", "openid profile email");
      url.searchParams.set("state", state);
      url.searchParams.set("nonce", nonce);
      url.searchParams.set("code_challenge", codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
      return url.href;
    },

    async redeem({ code, codeVerifier, redirectUri, nonce, now }) {
      const idToken = await exchange(code, codeVerifier, redirectUri);
      if (idToken === "provider_unavailable" || idToken === "exchange_failed") return { ok: false, failure: idToken };
      const payload = await verify(idToken, nonce, now);
      if (typeof payload === "string") return { ok: false, failure: payload };
      return { ok: true, identity: identityOf(provider.issuer, payload) };
    },
  };
}

function failureOf(error: unknown): RedeemFailure {
  // The keys could not be fetched: the provider is down, not the token bad.
  if (error instanceof errors.JWKSTimeout || error instanceof TypeError || error instanceof errors.JWKSInvalid)
    return "provider_unavailable";
  return "token_invalid";
}

const claim = (payload: JWTPayload, name: string): string | undefined => {
  const value = payload[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
};

function identityOf(issuer: string, payload: JWTPayload): ProviderIdentity {
  return {
    issuer,
    subject: payload.sub!,
    email: claim(payload, "email"),
    preferredUsername: claim(payload, "preferred_username"),
    name: claim(payload, "name"),
  };
}
