// CSRF tokens for cookie sessions: an HMAC keyed by the session token itself, so a token is
// bound to one session, needs no stored state, and cannot be made without the HttpOnly cookie.
import { createHmac, timingSafeEqual } from "node:crypto";

const LABEL = "pixvault/csrf/v1";

/**
 * The session token is a signed JWT that page scripts never see (HttpOnly); a script on
 * another site can neither read it nor invert this HMAC, so it cannot forge the token.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update(LABEL).digest("base64url");
}

export function csrfTokenMatches(sessionToken: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
