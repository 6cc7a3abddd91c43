// Builds the image, upload, archive and share services from their ports: each service gets
// exactly the ports it uses. Wired once, in src/compose.
import type { Keyring } from "../../crypto/master-key.ts";
import type { ShareSigner } from "../../crypto/share-token.ts";
import type { AlbumLinkSigner } from "../../crypto/album-link-token.ts";
import type { Logger } from "../../logger.ts";
import type { Throttle } from "../accounts/throttle.ts";
import { type AlbumService, albumService } from "../albums/albums.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import { type AlbumLinkAccess, albumLinkAccess } from "../album-links/access.ts";
import { type GuestUploadService, guestUploadService } from "../album-links/guest-uploads.ts";
import { type AlbumLinkService, albumLinkService } from "../album-links/links.ts";
import type { AlbumLinkRepository } from "../album-links/ports.ts";
import { type ArchiveService, archiveService } from "../archives/archives.ts";
import type { Clock } from "../clock.ts";
import type { DomainEvents } from "../context.ts";
import { type SharedImageService, sharedImageService } from "../shares/access.ts";
import { type ShareLinkService, shareLinkService } from "../shares/links.ts";
import type { ShareRepository } from "../shares/ports.ts";
import type { PreviewJobs } from "../previews/jobs.ts";
import { type ImageService, imageService } from "./images.ts";
import type { ImageBlobs, ImageRepository } from "./ports.ts";
import { takenDateCache } from "./taken-dates.ts";
import { type UploadService, uploadService } from "./uploads.ts";
import type { ResumableUploadRepository } from "../resumable-uploads/ports.ts";
import { type ResumableUploadService, resumableUploadService } from "../resumable-uploads/resumable-uploads.ts";

export interface ImagePortSet {
  readonly images: ImageRepository;
  readonly albums: AlbumRepository;
  readonly shares: ShareRepository;
  readonly albumLinks: AlbumLinkRepository;
  readonly blobs: ImageBlobs;
  readonly keyring: Keyring;
  readonly shareSigner: ShareSigner;
  readonly albumLinkSigner: AlbumLinkSigner;
  /** Share-link passwords are throttled like logins; guests' uploads through album links take from a budget. */
  readonly throttle: Pick<Throttle, "beginShareUnlock" | "shareUnlockSucceeded" | "takeFromBudget">;
  readonly clock: Clock;
  /** Integrity failures are logged with the image id (never with key material). */
  readonly logger: Logger;
  readonly events?: Pick<DomainEvents, "integrityError"> | undefined;
  readonly previews: Pick<PreviewJobs, "ensure" | "kick">;
  readonly resumableUploads: ResumableUploadRepository;
}

export interface ImageSettings {
  /** Largest image accepted, in bytes. */
  readonly maxImageBytes: number;
  /** The server-wide quota; 0 = unlimited. A user row may override it. */
  readonly defaultQuotaBytes: number;
  /** --public-url, the base of share-link urls; absent means the request's own origin. */
  readonly publicUrl?: string | undefined;
}

export interface ImageServices {
  readonly images: ImageService;
  readonly uploads: UploadService;
  readonly archives: ArchiveService;
  readonly albums: AlbumService;
  /** The owner's side of share links. */
  readonly shareLinks: ShareLinkService;
  /** The recipient's side of share links. */
  readonly sharedImages: SharedImageService;
  /** The owner's side of album links. */
  readonly albumLinks: AlbumLinkService;
  /** The link holder's side of album links, and guests' uploads through them. */
  readonly sharedAlbums: AlbumLinkAccess;
  readonly guestUploads: GuestUploadService;
  /** tus uploads (SPEC §12), finished through `uploads`' rules. */
  readonly resumableUploads: ResumableUploadService;
  readonly publicUrl?: string | undefined;
}

export function createImageServices(ports: ImagePortSet, settings: ImageSettings): ImageServices {
  const { images, albums, shares, albumLinks, blobs, keyring, shareSigner, albumLinkSigner, throttle, clock, logger, events, previews } =
    ports;
  const reading = { images, blobs, keyring, logger, events };
  const uploads = uploadService({ images, blobs, keyring, clock, logger, previews, ...settings });
  const archives = archiveService({ ...reading, albums, clock, previews });
  return {
    images: imageService({ ...reading, albums, clock, previews, takenDates: takenDateCache() }),
    uploads,
    archives,
    albums: albumService({ albums, images, keyring, clock, logger, events }),
    shareLinks: shareLinkService({ images, shares, shareSigner, clock }),
    sharedImages: sharedImageService({ ...reading, shares, shareSigner, throttle, clock, previews }),
    albumLinks: albumLinkService({ albums, links: albumLinks, signer: albumLinkSigner, clock }),
    sharedAlbums: albumLinkAccess({ ...reading, albums, links: albumLinks, signer: albumLinkSigner, throttle, archives, clock, previews }),
    guestUploads: guestUploadService({ albums, links: albumLinks, signer: albumLinkSigner, throttle, uploads, clock }),
    resumableUploads: resumableUploadService({
      uploads: ports.resumableUploads,
      images: uploadService({ images, blobs, keyring, clock, logger, previews, ...settings }),
      blobs,
      albums,
      keyring,
      clock,
      logger,
      maxImageBytes: settings.maxImageBytes,
    }),
    publicUrl: settings.publicUrl,
  };
}
