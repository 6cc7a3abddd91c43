// What the album-link rules need from storage: interfaces only; src/store implements them.
import type { Uploader } from "../images/uploads.ts";

export interface AlbumLink {
  readonly id: string;
  readonly albumId: string;
  /** The album's share epoch when the link was made; a revocation bumps the album's. */
  readonly epoch: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly passwordHash: string | null;
  readonly allowDownload: boolean;
  readonly allowUpload: boolean;
  readonly revokedAt: Date | null;
}

export type NewAlbumLink = Omit<AlbumLink, "epoch" | "revokedAt">;

/** A link with what judging it needs: the album's current share epoch, and its owner (guests' uploads become theirs). */
export interface FoundAlbumLink {
  readonly link: AlbumLink;
  readonly albumShareEpoch: number;
  readonly owner: Uploader;
}

export interface AlbumLinkRepository {
  /** Inserts the link with the album's current share epoch and returns it; undefined when the album is gone. */
  insert(link: NewAlbumLink): Promise<number | undefined>;
  /** The link, its album's epoch and the album's owner, in one lookup. */
  find(id: string): Promise<FoundAlbumLink | undefined>;
  /** Links of the album that still work, newest first. */
  listLive(albumId: string, now: Date): Promise<AlbumLink[]>;
  /** Every link of the album stops working, tokens already handed out included. */
  revokeAll(albumId: string, now: Date): Promise<void>;
}
