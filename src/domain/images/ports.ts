// What the image rules need from storage: interfaces only; src/store implements them and owns
// every query and transaction behind them.
import type { CiphertextReader } from "../../crypto/stored-blob.ts";
import type { Result } from "../errors.ts";

export type Visibility = "private" | "public";

/** An image row as stored: metadata sealed, names and tags as blind indexes. */
export interface StoredImage {
  readonly id: string;
  readonly ownerId: string;
  readonly visibility: Visibility;
  /** `u:<ownerId>` for private images, `public` for all public ones. */
  readonly nameNamespace: string;
  readonly nameIndex: Buffer;
  readonly filenameEnc: Buffer;
  readonly descriptionEnc: Buffer | null;
  readonly tagsEnc: Buffer | null;
  readonly digestEnc: Buffer;
  readonly contentType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly wrappedKey: Buffer;
  readonly blobCommitment: Buffer;
  readonly shareEpoch: number;
  /**
   * Sealed photo metadata: from the upload's head when its EXIF was there (JPEG, TIFF), else null
   * until the media job has read the whole file (or when it found none).
   */
  readonly photoEnc: Buffer | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A stored image with what reading it needs from its owner (the salt of the user key). */
export interface OwnedImage extends StoredImage {
  readonly ownerUsername: string;
  readonly ownerKeySalt: Buffer;
  /** The media job's state; null only for a row whose job row is missing (treated as pending). */
  readonly mediaStatus: "pending" | "ready" | "failed" | null;
  readonly mediaReason: string | null;
  /** Sealed description of the preview blobs, set when the status is ready. */
  readonly mediaResultEnc: Buffer | null;
  /** The analysis stage's state (SPEC §9); null like mediaStatus. */
  readonly analysisStatus: "pending" | "ready" | "failed" | null;
  /** Sealed ImageAnalysis (domain/analysis/analysis-result.ts), set when it is ready. */
  readonly analysisEnc: Buffer | null;
}

/** The owner as the image rules see it: whose key seals the image, whose name shows. */
export interface ImageOwner {
  readonly id: string;
  readonly username: string;
  readonly keySalt: Buffer;
}

/** Fields an edit rewrites; absent ones stay. */
export interface ImageUpdate {
  visibility?: Visibility;
  nameNamespace?: string;
  nameIndex?: Buffer;
  filenameEnc?: Buffer;
  descriptionEnc?: Buffer | null;
  tagsEnc?: Buffer | null;
  /** Replaces every tag index when present. */
  tagIndexes?: readonly Buffer[];
  updatedAt: Date;
}

interface UpdateGuard {
  readonly unchangedSince: Date;
}

export type ImageSort = "newest" | "oldest" | "size";

/**
 * The kinds of search term (SPEC §9), each a blind index under the key the image's tags use:
 * filename trigrams and words of description and tags (search-terms.ts); labels and colours
 * are for the analysis to write.
 */
export type TermKind = "trigram" | "word" | "label" | "color";

/** An image's terms by kind; a kind present replaces all of the image's terms of that kind. */
export type TermSet = Partial<Record<TermKind, readonly Buffer[]>>;

/** One term as a filter looks for it: any of these indexes (one per key it may be written under). */
type TermIndexes = readonly Buffer[];

/** Rows holding every term of at least one of these sets. */
export type TermMatch = readonly (readonly TermIndexes[])[];

export interface ImageFilter {
  readonly ownerId?: string;
  readonly visibility?: Visibility;
  /** Rows of any of these content types. */
  readonly contentTypes?: readonly string[];
  /** Rows having any of these tag indexes. */
  readonly tagIndexes?: readonly Buffer[];
  /** Rows in this album. */
  readonly albumId?: string;
  /** Rows matching every one of these (`q=` is one; `label=` and `color=` would each be another). */
  readonly terms?: readonly TermMatch[];
}

/** Position after the last row of a page: the sort value and the id that breaks ties. */
export interface ImageCursor {
  readonly value: number;
  readonly id: string;
}

/**
 * One write transaction. Every lookup sees the writes before it; the unique name index still
 * has the last word (a libSQL server may interleave writers), which is why `insert` and
 * `update` can answer "name_taken".
 */
export interface ImageWriteScope {
  /** Which of these blind indexes are taken in the namespace (one query for many candidates). */
  takenNames(namespace: string, indexes: readonly Buffer[]): Promise<Buffer[]>;
  nameHolder(namespace: string, nameIndex: Buffer): Promise<{ id: string; ownerId: string } | undefined>;
  usedBytes(ownerId: string): Promise<number>;
  /** A new image with its tag indexes and search terms (a new id has none to replace). */
  insert(image: StoredImage, tagIndexes: readonly Buffer[], terms: TermSet): Promise<"inserted" | "name_taken">;
  /** Deletes the owner's rows; the ids that were deleted (their blobs go after the commit). */
  remove(ownerId: string, ids: readonly string[] | "all"): Promise<string[]>;
  /**
   * With `guard.unchangedSince`, only a row whose `updatedAt` is still that time is updated (a
   * compare-and-set for writers that are not the owner: captions); another counts as missing.
   */
  update(id: string, ownerId: string, change: ImageUpdate, guard?: UpdateGuard): Promise<"updated" | "missing" | "name_taken">;
  /** Replaces the image's search terms of each kind present in `set` (an empty list: none of that kind). */
  replaceTerms(imageId: string, set: TermSet): Promise<void>;
}

export interface ImageRepository {
  find(id: string): Promise<OwnedImage | undefined>;
  findMany(ids: readonly string[]): Promise<OwnedImage[]>;
  /** Up to `limit` of the owner's images, oldest first (a fixed order: archives must be reproducible). */
  findOwned(ownerId: string, limit: number): Promise<OwnedImage[]>;
  /** One keyset page: rows strictly after `after` in the sort order. */
  list(filter: ImageFilter, sort: ImageSort, after: ImageCursor | undefined, limit: number): Promise<OwnedImage[]>;
  usedBytes(ownerId: string): Promise<number>;
  /** Deletes the image if `ownerId` owns it, in one statement (its own transaction); false when nothing matched. */
  removeOwned(ownerId: string, id: string): Promise<boolean>;
  /** Runs `work` in one write transaction: commits when it returns an ok Result, rolls back on a failed one or a throw. */
  write<T>(work: (tx: ImageWriteScope) => Promise<Result<T>>): Promise<Result<T>>;
}

/** An encrypted blob being written: nothing is visible under the image id until commit(). */
interface BlobWriter {
  /** Appends ciphertext in order. */
  write(chunks: readonly Uint8Array[]): Promise<void>;
  /** Makes the blob durable under its id. */
  commit(): Promise<void>;
  /** Discards everything written; safe to call after a failure and more than once. */
  abort(): Promise<void>;
}

/** Where image blobs live, bytes only (disk or S3): decryption sits on top, in crypto/stored-blob.ts. */
export interface ImageBlobs {
  create(imageId: string): Promise<BlobWriter>;
  /** `undefined` when no blob exists under that id. */
  open(imageId: string): Promise<CiphertextReader | undefined>;
  /** A blob that is already gone is not an error. */
  delete(imageId: string): Promise<void>;
}
