// The recipient's side of share links: resolve a token to its live link, open the image,
// count a full download, and unlock a password-protected link (throttled).
import type { ShareClaims } from "../crypto/share-token.ts";
import { verifyPassword } from "../crypto/password.ts";
import type { OwnedImageRow } from "../store/image-repository.ts";
import { countShareDownload, findShareLink, type ShareLinkRow } from "../store/share-repository.ts";
import type { ImageDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import { openContent, type ImageContent } from "./images.ts";
import { beginThrottledAttempt, shareLinkAttempt, throttledAttemptSucceeded } from "./login-throttle.ts";

/** How long a correct password keeps a link open in that browser (never past the link's own expiry). */
export const UNLOCK_SECONDS = 10 * 60;

export type SharedImage =
  /** The link wants its password first. */
  | { kind: "locked" }
  | { kind: "open"; content: ImageContent };

export interface Unlock {
  /** A signed proof, bound to this link and epoch, for the link's cookie. */
  proof: string;
  maxAgeSeconds: number;
}

interface LiveLink {
  link: ShareLinkRow;
  image: OwnedImageRow;
}

// One answer for forged, unknown, revoked and deleted: a token holder learns nothing more.
const noSuchLink = () => fail("not_found", "no such share link");

/** The link the token names, if it is genuine, not revoked, unexpired and not used up. */
async function resolveLink(deps: ImageDeps, token: string): Promise<Result<LiveLink>> {
  const now = deps.now();
  const verified = await deps.shareSigner.verifyLink(token, now);
  if (!verified) return noSuchLink();
  const found = await findShareLink(deps.db.orm, verified.claims.linkId);
  if (!found || !boundTo(found.link, verified.claims) || found.link.revokedAt !== null || found.link.epoch !== found.image.shareEpoch) {
    return noSuchLink();
  }
  const { link } = found;
  if (verified.expired || link.expiresAt <= now) return fail("link_expired", `this share link expired at ${link.expiresAt.toISOString()}`);
  if (link.maxDownloads !== null && link.downloads >= link.maxDownloads) {
    return fail("link_exhausted", `this share link allowed ${link.maxDownloads} download(s), and all have been used`);
  }
  return ok(found);
}

const boundTo = (link: ShareLinkRow, claims: ShareClaims) =>
  link.id === claims.linkId && link.imageId === claims.imageId && link.epoch === claims.epoch;

/** The shared image for anyone holding the token; `unlockProof` is the cookie a correct password set. */
export async function openSharedImage(deps: ImageDeps, token: string, unlockProof: string | undefined): Promise<Result<SharedImage>> {
  const live = await resolveLink(deps, token);
  if (!live.ok) return live;
  const { link, image } = live.value;
  if (link.passwordHash !== null && !(await isUnlocked(deps, link, unlockProof))) return ok({ kind: "locked" });
  const content = await openContent(deps, image);
  return content.ok ? ok({ kind: "open", content: content.value }) : content;
}

async function isUnlocked(deps: ImageDeps, link: ShareLinkRow, proof: string | undefined): Promise<boolean> {
  if (proof === undefined) return false;
  const verified = await deps.shareSigner.verifyUnlock(proof, deps.now());
  return verified !== undefined && !verified.expired && boundTo(link, verified.claims);
}

/**
 * Counts one download — an answer that delivers the image's last byte, whole or as a range —
 * atomically against max_downloads. Fails (with why) when the link was used up, revoked or
 * expired since it was opened — concurrent downloads never exceed N.
 */
export async function countSharedDownload(deps: ImageDeps, token: string): Promise<Result<void>> {
  // The token was resolved in full when the image was opened; the UPDATE rechecks the row.
  const verified = await deps.shareSigner.verifyLink(token, deps.now());
  if (verified && !verified.expired && (await countShareDownload(deps.db.client, verified.claims.linkId, deps.now()))) {
    return ok(undefined);
  }
  const why = await resolveLink(deps, token);
  return why.ok ? fail("link_exhausted", "this share link has been used up") : why;
}

/**
 * Checks a link's password. Throttled like logins — per (link, address), per address and
 * per link — and counted before the check, so parallel guesses cannot slip past the limit. `undefined`
 * when the link has no password (nothing to unlock).
 */
export async function unlockSharedImage(deps: ImageDeps, token: string, password: string, clientIp: string): Promise<Result<Unlock | undefined>> {
  const live = await resolveLink(deps, token);
  if (!live.ok) return live;
  const { link } = live.value;
  if (link.passwordHash === null) return ok(undefined);
  const attempt = shareLinkAttempt(deps, link.id, clientIp);
  const allowed = await beginThrottledAttempt(deps, attempt);
  if (!allowed.ok) return allowed;
  if (!(await verifyPassword(link.passwordHash, password))) return fail("invalid_credentials", "the password of this share link is not correct");
  await throttledAttemptSucceeded(deps, attempt);
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const exp = Math.min(nowSeconds + UNLOCK_SECONDS, Math.floor(link.expiresAt.getTime() / 1000));
  const proof = await deps.shareSigner.signUnlock({ imageId: link.imageId, linkId: link.id, epoch: link.epoch, exp }, now);
  return ok({ proof, maxAgeSeconds: exp - nowSeconds });
}
