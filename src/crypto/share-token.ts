// Share-link JWTs and password-unlock proofs (jose, HS256) under their own derived key.
// Each kind has its own `typ` header and audience, and the key is not the session key, so
// a session token never passes as a share token, nor a link token as an unlock proof.
import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { INSTANCE_KEY } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { jwtKeys } from "./jwt-keys.ts";

/** What a link token (and an unlock proof) is bound to. */
export interface ShareClaims {
  /** The shared image's id. */
  imageId: string;
  /** The share_links row: makes revoking one link, and counting its downloads, possible. */
  linkId: string;
  /** The image's share epoch when the link was made; bumping it revokes every link. */
  epoch: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** A correctly signed token of the right kind; `expired` when its `exp` is not after `now`. */
interface VerifiedShareToken {
  claims: ShareClaims;
  expired: boolean;
}

export interface ShareSigner {
  signLink(claims: ShareClaims, now: Date): Promise<string>;
  verifyLink(token: string, now: Date): Promise<VerifiedShareToken | undefined>;
  signUnlock(claims: ShareClaims, now: Date): Promise<string>;
  verifyUnlock(proof: string, now: Date): Promise<VerifiedShareToken | undefined>;
}

const KINDS = {
  link: { typ: "pixvault-share+jwt", audience: "pixvault:share" },
  unlock: { typ: "pixvault-share-unlock+jwt", audience: "pixvault:share-unlock" },
} as const;
type Kind = keyof typeof KINDS;

const MAX_TOKEN_CHARS = 2048;

export function createShareSigner(keyring: Keyring): ShareSigner {
  const keys = jwtKeys(keyring, INSTANCE_KEY.shareLink);

  const sign = (kind: Kind, claims: ShareClaims, now: Date) =>
    new SignJWT({ ep: claims.epoch })
      .setProtectedHeader({ alg: "HS256", typ: KINDS[kind].typ, kid: keys.currentKid })
      .setAudience(KINDS[kind].audience)
      .setSubject(claims.imageId)
      .setJti(claims.linkId)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(claims.exp)
      .sign(keys.currentKey());

  async function verify(kind: Kind, token: string, now: Date): Promise<VerifiedShareToken | undefined> {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    let payload: JWTPayload;
    let expired = false;
    try {
      // Only HS256 is accepted, so `alg: none` and algorithm confusion fail here.
      ({ payload } = await jwtVerify(token, keys.resolve, {
        algorithms: ["HS256"],
        typ: KINDS[kind].typ,
        audience: KINDS[kind].audience,
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
    return { claims: { imageId: sub, linkId: jti, epoch: ep as number, exp }, expired };
  }

  return {
    signLink: (claims, now) => sign("link", claims, now),
    verifyLink: (token, now) => verify("link", token, now),
    signUnlock: (claims, now) => sign("unlock", claims, now),
    verifyUnlock: (proof, now) => verify("unlock", proof, now),
  };
}
