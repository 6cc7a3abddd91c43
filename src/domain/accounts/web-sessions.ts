// Sessions carried by the web UI's HttpOnly cookie: only session JWTs (never API tokens),
// each with a CSRF token bound to it that unsafe requests must echo in a header.
import { isApiTokenSecret } from "../../crypto/api-token.ts";
import { csrfTokenFor, csrfTokenMatches } from "../../crypto/csrf-token.ts";
import type { PublicUser } from "./public-user.ts";
import type { Principal, SessionGrant } from "./sessions.ts";

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

/** A live session behind the cookie's token, or undefined (API tokens are refused here). */
export async function authenticateCookie(
  authenticate: (bearer: string) => Promise<Principal | undefined>,
  token: string,
): Promise<CookieSession | undefined> {
  if (token.length > MAX_TOKEN_CHARS || isApiTokenSecret(token)) return undefined;
  const principal = await authenticate(token);
  if (!principal?.sessionId) return undefined;
  return { principal, csrfToken: csrfTokenFor(token) };
}

export function csrfTokenValid(sessionToken: string, given: string | undefined): boolean {
  return csrfTokenMatches(sessionToken, given);
}

export function cookieGrant(grant: SessionGrant): CookieGrant {
  return { tokenType: "Cookie", expiresAt: grant.expiresAt, user: grant.user, csrfToken: csrfTokenFor(grant.token) };
}
