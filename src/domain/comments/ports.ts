// What the comment rules need from storage: interfaces only; src/store/comment-repository.ts
// implements them and owns every query behind them.

/** A comment row as stored: the body sealed under its image's key. */
export interface StoredComment {
  readonly id: string;
  readonly imageId: string;
  readonly authorId: string;
  readonly bodyEnc: Buffer;
  readonly createdAt: Date;
}

/** A stored comment with its author's names (from the users table). */
export interface AuthoredComment extends StoredComment {
  readonly authorUsername: string;
  readonly authorName: string;
}

/** Position after the last comment of a page: its time and the id that breaks ties. */
export interface CommentCursor {
  readonly value: number;
  readonly id: string;
}

export interface CommentRepository {
  /**
   * Inserts the comment; its createdAt comes back, never before the image's newest comment (so
   * the order of an image's comments is the order they were posted in). "gone" when the image
   * or the author was deleted meanwhile.
   */
  insert(comment: StoredComment): Promise<{ createdAt: Date } | "gone">;
  find(id: string): Promise<StoredComment | undefined>;
  /** One page of the image's comments, oldest first, strictly after `after`. */
  list(imageId: string, after: CommentCursor | undefined, limit: number): Promise<AuthoredComment[]>;
  /** Deletes the comment if it is on that image; false when it was not (or is already gone). */
  remove(imageId: string, id: string): Promise<boolean>;
}
