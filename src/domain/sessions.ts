// Sessions and authentication: log in (throttled, timing-safe), log out, and resolve a
// bearer token (session JWT or API token) to the user behind it.
import { hashApiTokenSecret, isApiTokenSecret } from "../crypto/api-token.ts";
import { burnPasswordCheck, verifyPassword } from "../crypto/password.ts";
import { newId } from "../crypto/random-id.ts";
import { findApiTokenByHash, revokeApiToken, touchApiToken } from "../store/api-token-repository.ts";
import { findLiveSessionUser, insertSession, revokeSession } from "../store/session-repository.ts";
import { findUserByUsername, type UserRow } from "../store/user-repository.ts";
import type { Login } from "./account-input.ts";
import type { AccountDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import { beginPasswordAttempt, passwordAttemptSucceeded } from "./login-throttle.ts";
import { publicUser, type PublicUser } from "./users.ts";

export interface SessionGrant {
  token: string;
  tokenType: "Bearer";
  expiresAt: string;
  user: PublicUser;
}

/** Who is calling: the user, and which session or API token vouches for them. */
export interface Principal {
  user: UserRow;
  sessionId?: string;
  apiTokenId?: string;
}

export async function login(deps: AccountDeps, input: Login, clientIp: string): Promise<Result<SessionGrant>> {
  const allowed = await beginPasswordAttempt(deps, input.username, clientIp);
  if (!allowed.ok) return allowed;
  const user = await findUserByUsername(deps.db.orm, input.username);
  const valid = user ? await verifyPassword(user.passwordHash, input.password) : await burnPasswordCheck(input.password);
  if (!user || !valid) {
    deps.events?.loginFailed();
    return fail("invalid_credentials", "the username or password is not correct");
  }
  await passwordAttemptSucceeded(deps, input.username, clientIp);
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.sessionLifetimeMs);
  const id = newId();
  await insertSession(deps.db.orm, { id, userId: user.id, createdAt: now, expiresAt });
  const token = await deps.signer.sign({ sub: user.id, jti: id, exp: Math.floor(expiresAt.getTime() / 1000) });
  return ok({ token, tokenType: "Bearer", expiresAt: expiresAt.toISOString(), user: publicUser(user) });
}

/** "This token stops working": the session, or the API token the caller used. */
export async function logout(deps: AccountDeps, principal: Principal): Promise<void> {
  const now = deps.now();
  if (principal.sessionId) await revokeSession(deps.db.orm, principal.sessionId, now);
  if (principal.apiTokenId) await revokeApiToken(deps.db.orm, principal.user.id, principal.apiTokenId, now);
}

// Writing last_used_at on every request would turn reads into writes; minute precision is enough.
const TOUCH_INTERVAL_MS = 60_000;

/** undefined for anything that does not prove a live user: forged, expired, revoked, deleted. */
export async function authenticate(deps: AccountDeps, bearer: string): Promise<Principal | undefined> {
  const now = deps.now();
  if (isApiTokenSecret(bearer)) {
    const found = await findApiTokenByHash(deps.db.orm, hashApiTokenSecret(bearer));
    if (!found) return undefined;
    const { token, user } = found;
    if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return undefined;
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await touchApiToken(deps.db.orm, token.id, now);
    }
    return { user, apiTokenId: token.id };
  }
  const claims = await deps.signer.verify(bearer);
  if (!claims) return undefined;
  const user = await findLiveSessionUser(deps.db.orm, claims.jti, claims.sub, now);
  return user ? { user, sessionId: claims.jti } : undefined;
}
