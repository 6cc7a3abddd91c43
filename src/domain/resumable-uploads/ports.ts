// What resumable uploads need from storage: interfaces only; src/store implements them.

/** An unfinished upload as stored: its own wrapped data key and its sealed Upload-Metadata. */
export interface StoredUpload {
  readonly id: string;
  readonly ownerId: string;
  /** Upload-Length, declared at creation. */
  readonly length: number;
  /** Upload-Offset: plaintext bytes stored so far (the sum of the parts' sizes). */
  readonly received: number;
  /** Parts stored so far; the next part's number. */
  readonly parts: number;
  readonly wrappedKey: Buffer;
  readonly metadataEnc: Buffer;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** One stored part: the plaintext bytes of one PATCH, as one encrypted blob. */
export interface UploadPart {
  readonly part: number;
  readonly size: number;
  /** The part blob's commitment (docs/FORMAT.md §5.2): a part is only read through it. */
  readonly commitment: Buffer;
}

/** Who may append right now, and until when (renewed while a PATCH body streams). */
interface WriteLease {
  readonly owner: string;
  readonly until: Date;
}

export interface ResumableUploadRepository {
  insert(upload: StoredUpload): Promise<void>;
  find(id: string): Promise<StoredUpload | undefined>;
  /** How many unfinished uploads the owner has, and when the first of them expires. */
  countOwned(ownerId: string): Promise<{ count: number; firstExpiry: Date | null }>;
  /**
   * Takes the write lease when the upload is still at `received` and no other request holds a
   * live lease on it (on any instance); false otherwise.
   */
  claim(id: string, received: number, lease: WriteLease, now: Date): Promise<boolean>;
  /** Extends a lease this request still holds; false when it was lost. */
  renew(id: string, lease: WriteLease): Promise<boolean>;
  release(id: string, leaseOwner: string): Promise<void>;
  /** Records the next part, moves the offset by its size and releases the lease, all only while `leaseOwner` holds it. */
  addPart(id: string, leaseOwner: string, part: UploadPart): Promise<boolean>;
  /** Deletes the upload while `leaseOwner` holds it and returns its parts in order; undefined when the lease was lost. */
  take(id: string, leaseOwner: string): Promise<UploadPart[] | undefined>;
  /** Deletes the upload (its part rows go with it); the row as it was, undefined when already gone. */
  remove(id: string): Promise<StoredUpload | undefined>;
  /** Up to `limit` uploads whose expiry is at or before `now`. */
  expired(now: Date, limit: number): Promise<StoredUpload[]>;
}
