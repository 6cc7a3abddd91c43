// Sessions carried by the web UI's HttpOnly cookie: only session JWTs (never API tokens),
// each with a CSRF token bound to it that unsafe requests must echo in a header.
import { csrfTokenFor, csrfTokenMatches } from "../crypto/csrf-token.ts";
import { isApiTokenSecret } from "../crypto/api-token.ts";
import type { AccountDeps } from "./context.ts";
import { authenticate, type Principal, type SessionGrant } from "./sessions.ts";
import type { PublicUser } from "./users.ts";

export interface CookieSession {
  principal: Principal;
  csrfToken: string;
}

/** What a login that asked for a cookie answers: everything but the token, plus its CSRF token. */
export interface CookieGrant {
  tokenType: "Cookie";
  expiresAt: string;
  user: PublicUser;
  csrfToken: string;
}

const MAX_TOKEN_CHARS = 4096;

/** undefined for anything but a live session token (API tokens belong in headers, not cookies). */
export async function authenticateCookie(deps: AccountDeps, token: string): Promise<CookieSession | undefined> {
  if (token.length > MAX_TOKEN_CHARS || isApiTokenSecret(token)) return undefined;
  const principal = await authenticate(deps, token);
  if (!principal?.sessionId) return undefined;
  return { principal, csrfToken: csrfTokenFor(token) };
}

export function csrfTokenValid(sessionToken: string, given: string | undefined): boolean {
  return csrfTokenMatches(sessionToken, given);
}

export function cookieGrant(grant: SessionGrant): CookieGrant {
  return { tokenType: "Cookie", expiresAt: grant.expiresAt, user: grant.user, csrfToken: csrfTokenFor(grant.token) };
}
