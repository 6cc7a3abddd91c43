// Session JWTs (jose, HS256): signed with a key derived from the master key version named in `kid`.
import { jwtVerify, SignJWT } from "jose";
import { INSTANCE_KEY } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { jwtKeys } from "./jwt-keys.ts";

interface SessionClaims {
  /** User id. */
  sub: string;
  /** Session id: the row that makes revocation immediate. */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface SessionSigner {
  sign(claims: SessionClaims): Promise<string>;
  /** The claims of a well-formed, correctly signed token unexpired at `now` (the rules' clock); undefined otherwise. */
  verify(token: string, now?: Date): Promise<SessionClaims | undefined>;
}

// A token's signature never stops being valid, so each distinct token is checked once: every
// request of a session presents the same token, and the HMAC check through WebCrypto cost
// more than the rest of authentication. Expiry is still judged on every use, and revocation
// by the session row the caller looks up next.
const VERIFIED_TOKENS = 4096;

export function createSessionSigner(keyring: Keyring): SessionSigner {
  const keys = jwtKeys(keyring, INSTANCE_KEY.jwt);
  const verified = new Map<string, SessionClaims>();
  const remember = (token: string, claims: SessionClaims) => {
    if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  };
  return {
    sign: (claims) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: keys.currentKid })
        .setSubject(claims.sub)
        .setJti(claims.jti)
        .setIssuedAt()
        .setExpirationTime(claims.exp)
        .sign(keys.currentKey()),
    async verify(token, now = new Date()) {
      const known = verified.get(token);
      // jose's rule: a token is expired once its exp is at or before the current second.
      if (known) return known.exp > Math.floor(now.getTime() / 1000) ? known : undefined;
      try {
        // Only HS256 is accepted, so `alg: none` and algorithm confusion fail here.
        const { payload } = await jwtVerify(token, keys.resolve, {
          algorithms: ["HS256"],
          requiredClaims: ["sub", "jti", "exp"],
          currentDate: now,
        });
        if (typeof payload.sub !== "string" || typeof payload.jti !== "string" || typeof payload.exp !== "number") {
          return undefined;
        }
        const claims = { sub: payload.sub, jti: payload.jti, exp: payload.exp };
        remember(token, claims);
        return claims;
      } catch {
        return undefined;
      }
    },
  };
}
