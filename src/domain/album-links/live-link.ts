// Resolving an album link's token: genuine, not revoked, of the album's current epoch, unexpired,
// and — for a link with a password — unlocked in this browser by a signed proof.
import type { AlbumLinkClaims, AlbumLinkSigner } from "../../crypto/album-link-token.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { AlbumLink, AlbumLinkRepository, FoundAlbumLink } from "./ports.ts";

export interface LiveLinkPorts {
  readonly links: Pick<AlbumLinkRepository, "find">;
  readonly signer: Pick<AlbumLinkSigner, "verifyLink" | "verifyUnlock">;
  readonly clock: Clock;
}

// One answer for forged, unknown, revoked and deleted: a token holder learns nothing more.
const noSuchLink = () => fail("not_found", "no such album link");

/** The link the token names, if it is genuine, not revoked and unexpired (its password not yet asked). */
export async function resolveLink(ports: LiveLinkPorts, token: string): Promise<Result<FoundAlbumLink>> {
  const now = ports.clock.now();
  const verified = await ports.signer.verifyLink(token, now);
  if (!verified) return noSuchLink();
  const found = await ports.links.find(verified.claims.linkId);
  if (!found || !boundTo(found.link, verified.claims) || found.link.revokedAt !== null || found.link.epoch !== found.albumShareEpoch) {
    return noSuchLink();
  }
  const { link } = found;
  if (verified.expired || link.expiresAt <= now) return fail("link_expired", `this album link expired at ${link.expiresAt.toISOString()}`);
  return ok(found);
}

const boundTo = (link: AlbumLink, claims: AlbumLinkClaims) =>
  link.id === claims.linkId && link.albumId === claims.albumId && link.epoch === claims.epoch;

/** Whether the album behind a live link may be shown: no password, or `proof` (the unlock cookie) vouches for this link. */
export async function isUnlocked(ports: LiveLinkPorts, link: AlbumLink, proof: string | undefined): Promise<boolean> {
  if (link.passwordHash === null) return true;
  if (proof === undefined) return false;
  const verified = await ports.signer.verifyUnlock(proof, ports.clock.now());
  return verified !== undefined && !verified.expired && boundTo(link, verified.claims);
}

/** The live link once it is unlocked; 401 while its password has not been given in this browser. */
export async function openLink(ports: LiveLinkPorts, token: string, proof: string | undefined): Promise<Result<FoundAlbumLink>> {
  const live = await resolveLink(ports, token);
  if (!live.ok) return live;
  if (await isUnlocked(ports, live.value.link, proof)) return live;
  return fail("unauthorized", "this album link needs its password first: POST {password} to /a/<token>/unlock");
}
