// What the album rules need from storage: interfaces only; src/store implements them.
import type { OwnedImage } from "../images/ports.ts";

/** An album row as stored: name and description sealed under the album's own data key. */
interface StoredAlbum {
  readonly id: string;
  readonly ownerId: string;
  readonly wrappedKey: Buffer;
  readonly nameEnc: Buffer;
  readonly descriptionEnc: Buffer | null;
  readonly coverImageId: string | null;
  readonly shareEpoch: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An album with what describing it needs: the owner's key salt, its size and its cover. */
export interface ListedAlbum extends StoredAlbum {
  readonly ownerKeySalt: Buffer;
  readonly imageCount: number;
  /** The chosen cover, else the image added last; null for an empty album. */
  readonly effectiveCoverId: string | null;
}

interface AlbumChange {
  readonly nameEnc?: Buffer;
  readonly descriptionEnc?: Buffer | null;
  readonly coverImageId?: string | null;
  readonly updatedAt: Date;
}

export interface AlbumRepository {
  insert(album: StoredAlbum): Promise<void>;
  /** The album if `ownerId` owns it. */
  findOwned(id: string, ownerId: string): Promise<ListedAlbum | undefined>;
  /** Any album by id (album links resolve it without a viewer). */
  find(id: string): Promise<ListedAlbum | undefined>;
  /** The owner's albums, newest first. */
  listOwned(ownerId: string): Promise<ListedAlbum[]>;
  /** false when the owner has no such album. */
  update(id: string, ownerId: string, change: AlbumChange): Promise<boolean>;
  /** Deletes the album (its images stay); false when the owner has no such album. */
  remove(id: string, ownerId: string): Promise<boolean>;
  /** Adds images (already there: no change), all in one transaction. */
  addImages(albumId: string, imageIds: readonly string[], at: Date): Promise<void>;
  removeImages(albumId: string, imageIds: readonly string[], at: Date): Promise<void>;
  /** Whether an image is in the album (album links serve only what is). */
  contains(albumId: string, imageId: string): Promise<boolean>;
  /** Up to `limit` of the album's images in a fixed order (oldest first, then id): archives must be reproducible. */
  images(albumId: string, limit: number): Promise<OwnedImage[]>;
}
