// Sessions and authentication: log in (throttled, timing-safe), log out, and resolve a
// bearer token (session JWT or API token) to the user behind it.
import { hashApiTokenSecret, isApiTokenSecret } from "../../crypto/api-token.ts";
import { burnPasswordCheck, hasPassword, verifyPassword } from "../../crypto/password.ts";
import { newId } from "../../crypto/random-id.ts";
import type { SessionSigner } from "../../crypto/session-token.ts";
import type { Clock } from "../clock.ts";
import type { DomainEvents } from "../context.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { Login } from "./input.ts";
import type { ApiTokenRepository, SessionRepository, SignedInUser, User, UserRepository } from "./ports.ts";
import { publicUser, type PublicUser } from "./public-user.ts";
import type { Throttle } from "./throttle.ts";
import { authenticateCookie, type CookieSession } from "./web-sessions.ts";

export interface SessionGrant {
  token: string;
  tokenType: "Bearer";
  expiresAt: string;
  user: PublicUser;
}

/** Who is calling: the user, and which session or API token vouches for them. */
export interface Principal {
  user: SignedInUser;
  sessionId?: string;
  apiTokenId?: string;
}

export interface SessionService {
  login(input: Login, clientIp: string): Promise<Result<SessionGrant>>;
  /** "This token stops working": the session, or the API token the caller used. */
  logout(principal: Principal): Promise<void>;
  /** undefined for anything that does not prove a live user: forged, expired, revoked, deleted. */
  authenticate(bearer: string): Promise<Principal | undefined>;
  /** undefined for anything but a live session token (API tokens belong in headers, not cookies). */
  authenticateCookie(token: string): Promise<CookieSession | undefined>;
  /** A session for a user someone else vouched for (an OpenID Provider): the same as a login's. */
  startSession(user: User): Promise<SessionGrant>;
}

/** The request context holds no password hash: a confirmation reads it again (accounts.ts). */
function signedIn({ passwordHash: _, ...user }: User): SignedInUser {
  return user;
}

// Writing last_used_at on every request would turn reads into writes; minute precision is enough.
const TOUCH_INTERVAL_MS = 60_000;

export function createSessionService(ports: {
  users: Pick<UserRepository, "findByUsername">;
  sessions: SessionRepository;
  apiTokens: Pick<ApiTokenRepository, "findByHash" | "touch" | "revoke">;
  throttle: Pick<Throttle, "beginLogin" | "loginSucceeded">;
  signer: SessionSigner;
  clock: Clock;
  lifetimeMs: number;
  events?: DomainEvents | undefined;
}): SessionService {
  const { users, sessions, apiTokens, throttle, signer, clock } = ports;

  const authenticate = async (bearer: string): Promise<Principal | undefined> => {
    const now = clock.now();
    if (isApiTokenSecret(bearer)) {
      const found = await apiTokens.findByHash(hashApiTokenSecret(bearer));
      if (!found) return undefined;
      const { token, user } = found;
      if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return undefined;
      if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) await apiTokens.touch(token.id, now);
      return { user: signedIn(user), apiTokenId: token.id };
    }
    const claims = await signer.verify(bearer, now);
    if (!claims) return undefined;
    const user = await sessions.findLiveUser(claims.jti, claims.sub, now);
    return user ? { user: signedIn(user), sessionId: claims.jti } : undefined;
  };

  const startSession = async (user: User): Promise<SessionGrant> => {
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ports.lifetimeMs);
    const id = newId();
    await sessions.insert({ id, userId: user.id, createdAt: now, expiresAt });
    const token = await signer.sign({ sub: user.id, jti: id, exp: Math.floor(expiresAt.getTime() / 1000) });
    return { token, tokenType: "Bearer", expiresAt: expiresAt.toISOString(), user: publicUser(user) };
  };

  return {
    async login(input, clientIp) {
      const allowed = await throttle.beginLogin(input.username, clientIp);
      if (!allowed.ok) return allowed;
      const user = await users.findByUsername(input.username);
      // No such user still costs one hash: timing must not tell which usernames exist.
      // An account made by single sign-on has no password: it costs the same hash and fails the same way.
      const valid =
        user && hasPassword(user.passwordHash)
          ? await verifyPassword(user.passwordHash, input.password)
          : await burnPasswordCheck(input.password);
      if (!user || !valid) {
        ports.events?.loginFailed();
        return fail("invalid_credentials", "the username or password is not correct");
      }
      await throttle.loginSucceeded(input.username, clientIp);
      return ok(await startSession(user));
    },

    async logout(principal) {
      const now = clock.now();
      if (principal.sessionId) await sessions.revoke(principal.sessionId, now);
      if (principal.apiTokenId) await apiTokens.revoke(principal.user.id, principal.apiTokenId, now);
    },

    authenticate,
    authenticateCookie: (token) => authenticateCookie(authenticate, token),
    startSession,
  };
}
