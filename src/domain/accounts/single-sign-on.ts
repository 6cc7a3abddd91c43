// Single sign-on with one OpenID Provider (SPEC §13): begin a sign-in (or a link) with state,
// nonce and PKCE bound to the browser's cookie, complete it once, and turn the verified identity
// into a session, a link or (with auto-registration) a new account. Identities are matched by
// issuer and subject only, never by email.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { NO_PASSWORD } from "../../crypto/password.ts";
import { newId } from "../../crypto/random-id.ts";
import { newUserSalt } from "../../crypto/user-key.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import { emailSchema, usernameSchema } from "./input.ts";
import type { Identity, IdentityRepository, NewUser, PendingSignInRepository, SignedInUser, User } from "./ports.ts";
import type { SessionGrant, SessionService } from "./sessions.ts";

/** What the provider vouched for, from a verified ID token. */
export interface ProviderIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | undefined;
  readonly preferredUsername: string | undefined;
  readonly name: string | undefined;
}

export type RedeemFailure = "exchange_failed" | "token_invalid" | "provider_unavailable";

/** The provider, as this flow needs it (src/oidc/relying-party.ts). */
export interface IdentityProvider {
  authorizationUrl(request: { state: string; nonce: string; codeChallenge: string; redirectUri: string }): string;
  /** Exchanges the code (with the PKCE verifier) and verifies the ID token it gets, nonce included. */
  redeem(request: {
    code: string;
    codeVerifier: string;
    redirectUri: string;
    nonce: string;
    now: Date;
  }): Promise<{ ok: true; identity: ProviderIdentity } | { ok: false; failure: RedeemFailure }>;
}

/** Why a sign-in ended on the sign-in page: the `error` the browser is sent back with. */
type SignInFailure = "state_invalid" | "access_denied" | "provider_error" | RedeemFailure | "account_unknown" | "identity_taken";

type SignInOutcome = { kind: "signed_in"; grant: SessionGrant } | { kind: "linked" };

interface IdentityView {
  id: string;
  issuer: string;
  subject: string;
  email: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface SingleSignOn {
  /** The provider's label ("Sign in with LABEL"). */
  readonly name: string;
  /** Starts a sign-in, or a link when `linkTo` (signed in by cookie) is given: the cookie to set and where to send the browser. */
  begin(linkTo: SignedInUser | undefined, redirectUri: string): Promise<{ cookie: string; maxAgeSeconds: number; location: string }>;
  complete(request: {
    cookie: string | undefined;
    code: string | undefined;
    state: string | undefined;
    error: string | undefined;
    redirectUri: string;
  }): Promise<{ ok: true; value: SignInOutcome } | { ok: false; failure: SignInFailure }>;
  identities(user: SignedInUser): Promise<IdentityView[]>;
  unlink(user: SignedInUser, id: string): Promise<Result<void>>;
}

/** SPEC §13: the cookie that binds state and nonce lives at most 10 minutes. */
const PENDING_SIGN_IN_SECONDS = 600;

const secret = () => randomBytes(32).toString("base64url");
const sha256 = (text: string) => createHash("sha256").update(text).digest();

export function createSingleSignOn(ports: {
  provider: IdentityProvider;
  name: string;
  autoRegister: boolean;
  identities: IdentityRepository;
  pending: PendingSignInRepository;
  sessions: Pick<SessionService, "startSession">;
  clock: Clock;
}): SingleSignOn {
  const { provider, identities, pending, clock } = ports;

  async function signIn(
    identity: ProviderIdentity,
    now: Date,
  ): Promise<{ ok: true; value: SignInOutcome } | { ok: false; failure: SignInFailure }> {
    const known = await identities.findUser(identity.issuer, identity.subject);
    if (known) {
      await identities.touch(known.identity.id, now);
      return { ok: true, value: { kind: "signed_in", grant: await ports.sessions.startSession(known.user) } };
    }
    if (!ports.autoRegister) return { ok: false, failure: "account_unknown" };
    const user = await register(identity, now);
    if (!user) return { ok: false, failure: "identity_taken" };
    return { ok: true, value: { kind: "signed_in", grant: await ports.sessions.startSession(user) } };
  }

  /** A new account for an unknown identity, under the first free form of the name it suggests. */
  async function register(identity: ProviderIdentity, now: Date): Promise<User | undefined> {
    const base = usernameFrom(identity);
    for (let attempt = 0; attempt < 20; attempt++) {
      const username = attempt === 0 ? base : withSuffix(base, attempt < 10 ? String(attempt + 1) : randomBytes(3).toString("hex"));
      const user: NewUser = {
        id: newId(),
        username,
        name: displayName(identity, username),
        email: plausibleEmail(identity.email) ?? "",
        passwordHash: NO_PASSWORD,
        keySalt: newUserSalt(),
        createdAt: now,
        updatedAt: now,
      };
      const stored = await identities.insertWithUser(user, identityRow(user.id, identity, now));
      if (stored === "ok") return { ...user, quotaBytes: null };
      // Another sign-in of the same identity made the account a moment ago: use it.
      if (stored === "identity_taken") return (await identities.findUser(identity.issuer, identity.subject))?.user;
    }
    return undefined;
  }

  return {
    name: ports.name,

    async begin(linkTo, redirectUri) {
      const cookie = secret();
      const state = secret();
      const nonce = secret();
      const codeVerifier = secret();
      const now = clock.now();
      await pending.insert(
        sha256(cookie),
        { state, nonce, codeVerifier, linkUserId: linkTo?.id ?? null, expiresAt: new Date(now.getTime() + PENDING_SIGN_IN_SECONDS * 1000) },
        now,
      );
      const codeChallenge = createHash("sha256").update(codeVerifier).digest("base64url");
      return {
        cookie,
        maxAgeSeconds: PENDING_SIGN_IN_SECONDS,
        location: provider.authorizationUrl({ state, nonce, codeChallenge, redirectUri }),
      };
    },

    async complete({ cookie, code, state, error, redirectUri }) {
      const now = clock.now();
      // Taken (deleted) whatever follows: a cookie completes at most one sign-in.
      const started = cookie ? await pending.take(sha256(cookie), now) : undefined;
      if (!started || state === undefined || !sameText(state, started.state)) return { ok: false, failure: "state_invalid" };
      if (error !== undefined) return { ok: false, failure: error === "access_denied" ? "access_denied" : "provider_error" };
      if (!code) return { ok: false, failure: "provider_error" };
      const redeemed = await provider.redeem({ code, codeVerifier: started.codeVerifier, redirectUri, nonce: started.nonce, now });
      if (!redeemed.ok) return redeemed;
      const { identity } = redeemed;
      if (started.linkUserId === null) return signIn(identity, now);
      const owner = await identities.findUser(identity.issuer, identity.subject);
      if (owner)
        return owner.user.id === started.linkUserId ? { ok: true, value: { kind: "linked" } } : { ok: false, failure: "identity_taken" };
      const linked = await identities.insert(identityRow(started.linkUserId, identity, now));
      if (linked === "ok") return { ok: true, value: { kind: "linked" } };
      // "taken": another link of the same identity won the race; "user_gone": the account that began this was deleted.
      return { ok: false, failure: linked === "taken" ? "identity_taken" : "state_invalid" };
    },

    async identities(user) {
      return (await identities.listByUser(user.id)).map(identityView);
    },

    async unlink(user, id) {
      const removed = await identities.removeUnlessLast(user.id, id, NO_PASSWORD);
      if (removed === "not_found") return fail("not_found", `no identity "${id}" is linked to this account`);
      if (removed === "last") {
        return fail("conflict", "this is the account's only way to sign in: set a password or link another identity first");
      }
      return ok(undefined);
    },
  };
}

function identityRow(userId: string, identity: ProviderIdentity, now: Date): Identity {
  return {
    id: newId(),
    userId,
    issuer: identity.issuer,
    subject: identity.subject,
    email: plausibleEmail(identity.email) ?? null,
    createdAt: now,
    lastUsedAt: now,
  };
}

function identityView(row: Identity): IdentityView {
  return {
    id: row.id,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The claim when it would pass as an account's email (input.ts), else undefined. */
const plausibleEmail = (email: string | undefined) => {
  const parsed = emailSchema.safeParse(email);
  return parsed.success ? parsed.data : undefined;
};

/** A valid username from preferred_username, else the email's local part, else the subject. */
function usernameFrom(identity: Pick<ProviderIdentity, "preferredUsername" | "email" | "subject">): string {
  const candidates = [identity.preferredUsername, plausibleEmail(identity.email)?.split("@")[0], identity.subject];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const cleaned = candidate
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "")
      .slice(0, 32);
    const padded = cleaned.length >= 3 ? cleaned : cleaned.length > 0 ? `${cleaned}-user` : "";
    if (usernameSchema.safeParse(padded).success) return padded;
  }
  return `user-${randomBytes(4).toString("hex")}`;
}

function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, 32 - suffix.length - 1)}-${suffix}`;
}

function displayName(identity: ProviderIdentity, username: string): string {
  const name = identity.name
    ?.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "")
    .trim()
    .slice(0, 100);
  return name || username;
}
