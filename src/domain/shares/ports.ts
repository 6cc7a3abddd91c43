// What the share-link rules need from storage: interfaces only; src/store implements them.
import type { OwnedImage } from "../images/ports.ts";

export interface ShareLink {
  readonly id: string;
  readonly imageId: string;
  /** The image's share epoch when the link was made; a revocation bumps the image's. */
  readonly epoch: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly maxDownloads: number | null;
  readonly downloads: number;
  readonly passwordHash: string | null;
  readonly revokedAt: Date | null;
}

export type NewShareLink = Pick<ShareLink, "id" | "imageId" | "createdAt" | "expiresAt" | "maxDownloads" | "passwordHash">;

export interface ShareRepository {
  /** Inserts the link with the image's current share epoch and returns it; undefined when the image is gone. */
  insert(link: NewShareLink): Promise<number | undefined>;
  /** The link and the image it shares, in one lookup. */
  find(id: string): Promise<{ link: ShareLink; image: OwnedImage } | undefined>;
  /** Links of the image that still work, newest first. */
  listLive(imageId: string, now: Date): Promise<ShareLink[]>;
  /** Counts one download if the link still allows it (atomically against max_downloads). */
  countDownload(id: string, now: Date): Promise<boolean>;
  /** Every link of the image stops working, tokens already handed out included. */
  revokeAll(imageId: string, now: Date): Promise<void>;
}
