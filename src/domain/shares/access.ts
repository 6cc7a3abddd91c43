// The recipient's side of share links: resolve a token to its live link, open the image,
// count a full download, and unlock a password-protected link (throttled).
import type { ShareClaims, ShareSigner } from "../../crypto/share-token.ts";
import type { Throttle } from "../accounts/throttle.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { ImageContent } from "../images/content.ts";
import type { PreviewSize } from "../previews/ports.ts";
import { openPreview, type PreviewContentPorts } from "../previews/preview-content.ts";
import { openImageContent } from "../previews/representation.ts";
import type { OwnedImage } from "../images/ports.ts";
import { type Unlock, unlockWithPassword } from "./link-password.ts";
import type { ShareLink, ShareRepository } from "./ports.ts";

export interface SharedAccessPorts extends PreviewContentPorts {
  readonly shares: Pick<ShareRepository, "find" | "countDownload">;
  readonly shareSigner: Pick<ShareSigner, "verifyLink" | "verifyUnlock" | "signUnlock">;
  /** Share-link passwords are throttled like logins. */
  readonly throttle: Pick<Throttle, "beginShareUnlock" | "shareUnlockSucceeded">;
  readonly clock: Clock;
}

/** The share-link routes' service (the recipient's side). */
export function sharedImageService(ports: SharedAccessPorts) {
  return {
    /** The shared image's bytes, or one of its previews (`size`). */
    open: (token: string, unlockProof: string | undefined, size?: PreviewSize) => openSharedImage(ports, token, unlockProof, size),
    countDownload: (token: string) => countSharedDownload(ports, token),
    unlock: (token: string, password: string, clientIp: string) => unlockSharedImage(ports, token, password, clientIp),
  };
}

export type SharedImageService = ReturnType<typeof sharedImageService>;

export type SharedImage =
  /** The link wants its password first. */
  { kind: "locked" } | { kind: "open"; content: ImageContent };

interface LiveLink {
  link: ShareLink;
  image: OwnedImage;
}

// One answer for forged, unknown, revoked and deleted: a token holder learns nothing more.
const noSuchLink = () => fail("not_found", "no such share link");

/** The link the token names, if it is genuine, not revoked, unexpired and not used up. */
async function resolveLink(ports: SharedAccessPorts, token: string): Promise<Result<LiveLink>> {
  const now = ports.clock.now();
  const verified = await ports.shareSigner.verifyLink(token, now);
  if (!verified) return noSuchLink();
  const found = await ports.shares.find(verified.claims.linkId);
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

const boundTo = (link: ShareLink, claims: ShareClaims) =>
  link.id === claims.linkId && link.imageId === claims.imageId && link.epoch === claims.epoch;

/** The shared image for anyone holding the token; `unlockProof` is the cookie a correct password set. */
async function openSharedImage(
  ports: SharedAccessPorts,
  token: string,
  unlockProof: string | undefined,
  size: PreviewSize | undefined,
): Promise<Result<SharedImage>> {
  const live = await resolveLink(ports, token);
  if (!live.ok) return live;
  const { link, image } = live.value;
  if (link.passwordHash !== null && !(await isUnlocked(ports, link, unlockProof))) return ok({ kind: "locked" });
  // A link holder is never the owner: they get the image without its location (SPEC §8).
  const content = size ? await openPreview(ports, image, size, undefined) : await openImageContent(ports, image, undefined);
  return content.ok ? ok({ kind: "open", content: content.value }) : content;
}

async function isUnlocked(ports: SharedAccessPorts, link: ShareLink, proof: string | undefined): Promise<boolean> {
  if (proof === undefined) return false;
  const verified = await ports.shareSigner.verifyUnlock(proof, ports.clock.now());
  return verified !== undefined && !verified.expired && boundTo(link, verified.claims);
}

/**
 * Counts one download — an answer that delivers the image's last byte, whole or as a range —
 * atomically against max_downloads. Fails (with why) when the link was used up, revoked or
 * expired since it was opened — concurrent downloads never exceed N.
 */
async function countSharedDownload(ports: SharedAccessPorts, token: string): Promise<Result<void>> {
  // The token was resolved in full when the image was opened; the UPDATE rechecks the row.
  const verified = await ports.shareSigner.verifyLink(token, ports.clock.now());
  if (verified && !verified.expired && (await ports.shares.countDownload(verified.claims.linkId, ports.clock.now()))) {
    return ok(undefined);
  }
  const why = await resolveLink(ports, token);
  return why.ok ? fail("link_exhausted", "this share link has been used up") : why;
}

/** Checks a link's password (link-password.ts); `undefined` when the link has no password. */
async function unlockSharedImage(
  ports: SharedAccessPorts,
  token: string,
  password: string,
  clientIp: string,
): Promise<Result<Unlock | undefined>> {
  const live = await resolveLink(ports, token);
  if (!live.ok) return live;
  const { link } = live.value;
  return unlockWithPassword(ports, link, password, clientIp, "share link", (exp, now) =>
    ports.shareSigner.signUnlock({ imageId: link.imageId, linkId: link.id, epoch: link.epoch, exp }, now),
  );
}
