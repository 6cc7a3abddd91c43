// What master key rotation needs from storage: interfaces only; src/store implements them.
import type { Visibility } from "../images/keys.ts";
import type { TermSet } from "../images/ports.ts";

/** An image as rotation sees it: its owner's salt and the fields keyed by the master key. */
export interface KeyedImage {
  readonly id: string;
  readonly ownerId: string;
  readonly ownerKeySalt: Buffer;
  readonly visibility: Visibility;
  readonly wrappedKey: Buffer;
  readonly filenameEnc: Buffer;
  readonly descriptionEnc: Buffer | null;
  readonly tagsEnc: Buffer | null;
  /** The sealed analysis (its labels and colour buckets are search terms too), null until analysed. */
  readonly analysisEnc: Buffer | null;
}

/** What an image holds after rotation: its data key re-wrapped and its blind indexes recomputed. */
export interface ReKeyedImage {
  readonly wrappedKey: Buffer;
  readonly nameIndex: Buffer;
  readonly tagIndexes: readonly Buffer[];
  /** Its search terms, each kind replacing the image's terms of that kind. */
  readonly terms: TermSet;
}

/** An album as rotation sees it: its owner's salt and its wrapped data key. */
export interface KeyedAlbum {
  readonly id: string;
  readonly ownerId: string;
  readonly ownerKeySalt: Buffer;
  readonly wrappedKey: Buffer;
}

export interface KeyRepository {
  /**
   * One write transaction: records `check` for `version` (a plain insert, so a row already
   * there fails the whole rotation), replaces every image's wrapped key and indexes with what
   * `reKey` returns and every album's wrapped key with what `reWrapAlbum` returns, and makes
   * `version` the one keying the indexes. A throw rolls it all back.
   */
  rotate(
    version: number,
    check: Buffer,
    at: Date,
    reKey: (image: KeyedImage) => ReKeyedImage,
    reWrapAlbum: (album: KeyedAlbum) => Buffer,
  ): Promise<{ images: number; tagIndexes: number; albums: number }>;
  /** Every image's and album's wrapped data key (each names the master key version it was wrapped under). */
  wrappedKeys(): Promise<Buffer[]>;
}

/** Where the backfill of one term version got: after this image id (in id order), and whether it finished. */
interface TermBackfillProgress {
  readonly afterId: string;
  readonly done: boolean;
}

export interface TermBackfillRepository {
  /** undefined: this version's backfill never started. */
  progress(version: number): Promise<TermBackfillProgress | undefined>;
  /** Up to `limit` images with ids after `afterId`, in id order. */
  page(afterId: string, limit: number): Promise<KeyedImage[]>;
  /**
   * One write transaction: each image's terms replaced (an image deleted since it was read is
   * skipped), and the version's progress recorded.
   */
  save(version: number, progress: TermBackfillProgress, terms: readonly { imageId: string; terms: TermSet }[]): Promise<void>;
}
