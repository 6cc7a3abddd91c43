// Builds the image, upload, archive and share services from their ports: each service gets
// exactly the ports it uses. Wired once, in src/compose.
import type { Keyring } from "../../crypto/master-key.ts";
import type { ShareSigner } from "../../crypto/share-token.ts";
import type { Logger } from "../../logger.ts";
import type { Throttle } from "../accounts/throttle.ts";
import { type AlbumService, albumService } from "../albums/albums.ts";
import type { AlbumRepository } from "../albums/ports.ts";
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

export interface ImagePortSet {
  readonly images: ImageRepository;
  readonly albums: AlbumRepository;
  readonly shares: ShareRepository;
  readonly blobs: ImageBlobs;
  readonly keyring: Keyring;
  readonly shareSigner: ShareSigner;
  /** Share-link passwords are throttled like logins. */
  readonly throttle: Pick<Throttle, "beginShareUnlock" | "shareUnlockSucceeded">;
  readonly clock: Clock;
  /** Integrity failures are logged with the image id (never with key material). */
  readonly logger: Logger;
  readonly events?: Pick<DomainEvents, "integrityError"> | undefined;
  readonly previews: Pick<PreviewJobs, "ensure" | "kick">;
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
  readonly publicUrl?: string | undefined;
}

export function createImageServices(ports: ImagePortSet, settings: ImageSettings): ImageServices {
  const { images, albums, shares, blobs, keyring, shareSigner, throttle, clock, logger, events, previews } = ports;
  const reading = { images, blobs, keyring, logger, events };
  return {
    images: imageService({ ...reading, albums, clock, previews, takenDates: takenDateCache() }),
    uploads: uploadService({ images, blobs, keyring, clock, logger, previews, ...settings }),
    archives: archiveService({ ...reading, albums, clock, previews }),
    albums: albumService({ albums, images, keyring, clock, logger, events }),
    shareLinks: shareLinkService({ images, shares, shareSigner, clock }),
    sharedImages: sharedImageService({ ...reading, shares, shareSigner, throttle, clock, previews }),
    publicUrl: settings.publicUrl,
  };
}
