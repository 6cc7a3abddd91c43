// The link holder's side of album links: the album, its images page by page, their previews and
// bytes, its zip, and unlocking a password-protected link (throttled). A link holder is never the
// owner: everything is served as to anyone else, without location (SPEC §8), and only while the
// image is in the album.
import type { AlbumLinkSigner } from "../../crypto/album-link-token.ts";
import type { Throttle } from "../accounts/throttle.ts";
import { albumMissing } from "../albums/albums.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import { openAlbum } from "../albums/view.ts";
import type { Archive, ArchiveService } from "../archives/archives.ts";
import { fail, ok, type Result } from "../errors.ts";
import { missing } from "../images/access.ts";
import { guarded, type ImageContent } from "../images/content.ts";
import { MAX_BULK_IDS } from "../images/input.ts";
import { decodeCursor, encodeCursor, type ImagePage } from "../images/list-page.ts";
import type { ImageRepository } from "../images/ports.ts";
import { describeImage, type ImageObject } from "../images/view.ts";
import type { PreviewSize } from "../previews/ports.ts";
import { type Unlock, unlockWithPassword } from "../shares/link-password.ts";
import { openPreview, type PreviewContentPorts } from "../previews/preview-content.ts";
import { openImageContent } from "../previews/representation.ts";
import type { AlbumLinkPage } from "./input.ts";
import { isUnlocked, type LiveLinkPorts, openLink, resolveLink } from "./live-link.ts";
import type { FoundAlbumLink } from "./ports.ts";

export interface AlbumLinkAccessPorts extends PreviewContentPorts, LiveLinkPorts {
  readonly albums: Pick<AlbumRepository, "find" | "contains" | "images">;
  readonly images: Pick<ImageRepository, "find" | "list">;
  readonly signer: Pick<AlbumLinkSigner, "verifyLink" | "verifyUnlock" | "signUnlock">;
  /** Album-link passwords are throttled like share links' and logins. */
  readonly throttle: Pick<Throttle, "beginShareUnlock" | "shareUnlockSucceeded">;
  readonly archives: Pick<ArchiveService, "openRows">;
}

/** What the link shows of the album: no id, no owner-only field. */
export type SharedAlbum =
  | { locked: true; expiresAt: string }
  | {
      locked: false;
      album: { name: string; description: string | null; imageCount: number; coverImageId: string | null };
      expiresAt: string;
      allowDownload: boolean;
      allowUpload: boolean;
    };

const noDownloads = () => fail("forbidden", "this album link does not allow downloads (its previews can still be viewed)");

/** The album link routes' service (the link holder's side); `proof` is the cookie a correct password set. */
export function albumLinkAccess(ports: AlbumLinkAccessPorts) {
  return {
    album: (token: string, proof: string | undefined) => sharedAlbum(ports, token, proof),
    unlock: (token: string, password: string, clientIp: string) => unlockLink(ports, token, password, clientIp),

    async images(token: string, proof: string | undefined, page: AlbumLinkPage): Promise<Result<ImagePage>> {
      const live = await openLink(ports, token, proof);
      return live.ok ? imagesPage(ports, live.value, page) : live;
    },

    /** An image of the album: its original (as others get it) or one of its previews (`size`). */
    async open(token: string, proof: string | undefined, imageId: string, size?: PreviewSize): Promise<Result<ImageContent>> {
      const live = await openLink(ports, token, proof);
      if (!live.ok) return live;
      const { link, owner } = live.value;
      if (!size && !link.allowDownload) return noDownloads();
      // Only what is in the album now: an image taken out of it stops being reachable at once.
      const row = (await ports.albums.contains(link.albumId, imageId)) ? await ports.images.find(imageId) : undefined;
      if (!row || row.ownerId !== owner.id) return missing(imageId);
      return size ? openPreview(ports, row, size, undefined) : openImageContent(ports, row, undefined);
    },

    async archive(token: string, proof: string | undefined): Promise<Result<Archive>> {
      const live = await openLink(ports, token, proof);
      if (!live.ok) return live;
      if (!live.value.link.allowDownload) return noDownloads();
      return ports.archives.openRows(await ports.albums.images(live.value.link.albumId, MAX_BULK_IDS + 1));
    },
  };
}

export type AlbumLinkAccess = ReturnType<typeof albumLinkAccess>;

async function sharedAlbum(ports: AlbumLinkAccessPorts, token: string, proof: string | undefined): Promise<Result<SharedAlbum>> {
  const live = await resolveLink(ports, token);
  if (!live.ok) return live;
  const { link } = live.value;
  const expiresAt = link.expiresAt.toISOString();
  if (!(await isUnlocked(ports, link, proof))) return ok({ locked: true, expiresAt });
  const row = await ports.albums.find(link.albumId);
  if (!row) return albumMissing(link.albumId);
  const opened = guarded(ports, row.id, () => openAlbum(ports.keyring, row));
  if (!opened.ok) return opened;
  const { name, description, imageCount, coverImageId } = opened.value;
  return ok({
    locked: false,
    album: { name, description, imageCount, coverImageId },
    expiresAt,
    allowDownload: link.allowDownload,
    allowUpload: link.allowUpload,
  });
}

/** Newest first; a row whose sealed fields fail to open is logged and left out, as in every listing. */
async function imagesPage(ports: AlbumLinkAccessPorts, { link, owner }: FoundAlbumLink, page: AlbumLinkPage): Promise<Result<ImagePage>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, "newest");
  if (after === null) {
    return fail("validation_failed", "cursor is not a cursor of this listing", {
      errors: [{ field: "cursor", message: "is not a cursor of this listing (it was altered)" }],
    });
  }
  const rows = await ports.images.list({ albumId: link.albumId, ownerId: owner.id }, "newest", after, page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const items: ImageObject[] = [];
  for (const row of shown) {
    const image = guarded(ports, row.id, () => describeImage(ports.keyring, row, undefined));
    if (image.ok) items.push(image.value);
  }
  const last = shown.at(-1);
  const nextCursor = rows.length > page.limit && last ? encodeCursor("newest", { value: last.createdAt.getTime(), id: last.id }) : null;
  return ok({ items, nextCursor });
}

/** Checks a link's password (shares/link-password.ts); `undefined` when the link has no password. */
async function unlockLink(
  ports: AlbumLinkAccessPorts,
  token: string,
  password: string,
  clientIp: string,
): Promise<Result<Unlock | undefined>> {
  const live = await resolveLink(ports, token);
  if (!live.ok) return live;
  const { link } = live.value;
  return unlockWithPassword(ports, link, password, clientIp, "album link", (exp, now) =>
    ports.signer.signUnlock({ albumId: link.albumId, linkId: link.id, epoch: link.epoch, exp }, now),
  );
}
