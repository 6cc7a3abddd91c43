// Album-link JWTs and password-unlock proofs (jose, HS256). They share the share links' derived
// key, but each kind has its own `typ` header and audience: an album token never passes as an
// image share token, a link token never as an unlock proof, and neither as a session JWT.
import { INSTANCE_KEY } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { jwtKeys } from "./jwt-keys.ts";
import { type LinkClaims, linkTokens, type VerifiedLinkToken } from "./link-token.ts";

/** What an album link token (and its unlock proof) is bound to. */
export interface AlbumLinkClaims {
  albumId: string;
  /** The album_links row. */
  linkId: string;
  /** The album's share epoch when the link was made; bumping it revokes every link of the album. */
  epoch: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** A correctly signed token of the right kind; `expired` when its `exp` is not after `now`. */
interface VerifiedAlbumLinkToken {
  claims: AlbumLinkClaims;
  expired: boolean;
}

export interface AlbumLinkSigner {
  signLink(claims: AlbumLinkClaims, now: Date): Promise<string>;
  verifyLink(token: string, now: Date): Promise<VerifiedAlbumLinkToken | undefined>;
  signUnlock(claims: AlbumLinkClaims, now: Date): Promise<string>;
  verifyUnlock(proof: string, now: Date): Promise<VerifiedAlbumLinkToken | undefined>;
}

export function createAlbumLinkSigner(keyring: Keyring): AlbumLinkSigner {
  const keys = jwtKeys(keyring, INSTANCE_KEY.shareLink);
  const link = linkTokens(keys, { typ: "pixvault-album-link+jwt", audience: "pixvault:album-link" });
  const unlock = linkTokens(keys, { typ: "pixvault-album-unlock+jwt", audience: "pixvault:album-unlock" });
  return {
    signLink: (claims, now) => link.sign(asLink(claims), now),
    verifyLink: async (token, now) => asAlbum(await link.verify(token, now)),
    signUnlock: (claims, now) => unlock.sign(asLink(claims), now),
    verifyUnlock: async (proof, now) => asAlbum(await unlock.verify(proof, now)),
  };
}

const asLink = ({ albumId, ...rest }: AlbumLinkClaims): LinkClaims => ({ subject: albumId, ...rest });

function asAlbum(verified: VerifiedLinkToken | undefined): VerifiedAlbumLinkToken | undefined {
  if (!verified) return undefined;
  const { subject, linkId, epoch, exp } = verified.claims;
  return { claims: { albumId: subject, linkId, epoch, exp }, expired: verified.expired };
}
