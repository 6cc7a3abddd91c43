// Share-link JWTs and password-unlock proofs (jose, HS256) under their own derived key.
// Each kind has its own `typ` header and audience, and the key is not the session key, so
// a session token never passes as a share token, nor a link token as an unlock proof.
import { INSTANCE_KEY } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { jwtKeys } from "./jwt-keys.ts";
import { type LinkClaims, linkTokens, type VerifiedLinkToken } from "./link-token.ts";

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

export function createShareSigner(keyring: Keyring): ShareSigner {
  const keys = jwtKeys(keyring, INSTANCE_KEY.shareLink);
  const link = linkTokens(keys, { typ: "pixvault-share+jwt", audience: "pixvault:share" });
  const unlock = linkTokens(keys, { typ: "pixvault-share-unlock+jwt", audience: "pixvault:share-unlock" });
  return {
    signLink: (claims, now) => link.sign(asLink(claims), now),
    verifyLink: async (token, now) => asShare(await link.verify(token, now)),
    signUnlock: (claims, now) => unlock.sign(asLink(claims), now),
    verifyUnlock: async (proof, now) => asShare(await unlock.verify(proof, now)),
  };
}

const asLink = ({ imageId, ...rest }: ShareClaims): LinkClaims => ({ subject: imageId, ...rest });

function asShare(verified: VerifiedLinkToken | undefined): VerifiedShareToken | undefined {
  if (!verified) return undefined;
  const { subject, linkId, epoch, exp } = verified.claims;
  return { claims: { imageId: subject, linkId, epoch, exp }, expired: verified.expired };
}
