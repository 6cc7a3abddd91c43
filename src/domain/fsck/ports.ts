// What fsck reads and repairs: interfaces only; src/store implements them.

/** An image row with what verifying it needs: its owner's salt and its sealed fields. */
export interface StoredImage {
  readonly id: string;
  readonly ownerId: string;
  readonly ownerKeySalt: Buffer;
  readonly wrappedKey: Buffer;
  readonly blobCommitment: Buffer;
  readonly size: number;
  readonly digestEnc: Buffer;
  readonly filenameEnc: Buffer;
  readonly tagsEnc: Buffer | null;
  readonly descriptionEnc: Buffer | null;
  /** The media job's state (null: no job row, treated as pending) and, once ready, its sealed record of the previews. */
  readonly mediaStatus: "pending" | "ready" | "failed" | null;
  readonly mediaResultEnc: Buffer | null;
}

export interface ImageInventory {
  totals(): Promise<{ images: number; bytes: number }>;
  /** Every row, a page at a time. */
  all(): AsyncIterable<StoredImage>;
  /** Whether an image row (or a resumable upload, whose parts those are) with this id exists now (one may have committed since `all` passed it). */
  exists(id: string): Promise<boolean>;
}

/** A file under the blob directory. */
export interface BlobFile {
  /** The image id for a stored blob; the file name for a temp file. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly modifiedMs: number;
}

/** The files of a local blob directory (a bucket has none to walk). */
export interface BlobFiles {
  stored(): AsyncIterable<BlobFile>;
  temp(): AsyncIterable<BlobFile>;
  remove(file: BlobFile): Promise<void>;
}
