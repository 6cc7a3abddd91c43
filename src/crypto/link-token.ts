// Signed link tokens (jose, HS256) for links that open something without an account: image share
// links, album links, and the proofs that a link's password was given. Each kind has its own
// `typ` header and audience, so a token of one kind never passes as another.
import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { JwtKeys } from "./jwt-keys.ts";

/** What a link token (and an unlock proof) is bound to. */
export interface LinkClaims {
  /** What the link opens: an image id, an album id. */
  subject: string;
  /** The link's row: makes revoking one link possible. */
  linkId: string;
  /** The subject's share epoch when the link was made; bumping it revokes every link. */
  epoch: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** A correctly signed token of the right kind; `expired` when its `exp` is not after `now`. */
export interface VerifiedLinkToken {
  claims: LinkClaims;
  expired: boolean;
}

export interface LinkTokenKind {
  readonly typ: string;
  readonly audience: string;
}

const MAX_TOKEN_CHARS = 2048;

/** Signs and verifies tokens of one kind under `keys`. */
export function linkTokens(keys: JwtKeys, kind: LinkTokenKind) {
  return {
    sign: (claims: LinkClaims, now: Date): Promise<string> =>
      new SignJWT({ ep: claims.epoch })
        .setProtectedHeader({ alg: "HS256", typ: kind.typ, kid: keys.currentKid })
        .setAudience(kind.audience)
        .setSubject(claims.subject)
        .setJti(claims.linkId)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(claims.exp)
        .sign(keys.currentKey()),

    async verify(token: string, now: Date): Promise<VerifiedLinkToken | undefined> {
      if (token.length > MAX_TOKEN_CHARS) return undefined;
      let payload: JWTPayload;
      let expired = false;
      try {
        // Only HS256 is accepted, so `alg: none` and algorithm confusion fail here.
        ({ payload } = await jwtVerify(token, keys.resolve, {
          algorithms: ["HS256"],
          typ: kind.typ,
          audience: kind.audience,
          requiredClaims: ["sub", "jti", "exp", "ep"],
          currentDate: now,
        }));
      } catch (e) {
        // jose checks the signature, typ and audience before the expiry, so an expired token
        // reaching here is genuine: the caller can say "expired" rather than "not found".
        if (!(e instanceof errors.JWTExpired)) return undefined;
        payload = e.payload;
        expired = true;
      }
      const { sub, jti, exp, ep } = payload;
      if (typeof sub !== "string" || typeof jti !== "string" || typeof exp !== "number" || !Number.isSafeInteger(ep)) {
        return undefined;
      }
      return { claims: { subject: sub, linkId: jti, epoch: ep as number, exp }, expired };
    },
  };
}
