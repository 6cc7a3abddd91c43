// The database schema (drizzle): what is stored, and which columns are ciphertext.
// Encrypted columns (`*_enc`) hold sealed bytes under a per-user key; `*_index`
// columns are keyed HMAC blind indexes, so uniqueness and tag search work
// without the server storing a filename or tag in the clear.
import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => integer("created_at", { mode: "timestamp_ms" }).notNull();
const updatedAt = () => integer("updated_at", { mode: "timestamp_ms" }).notNull();
const bytes = (name: string) => blob(name, { mode: "buffer" });

/** One row per master key version; `check` (an HMAC) proves the key file matches this database. */
export const masterKeys = sqliteTable("master_keys", {
  id: integer("id").primaryKey(),
  check: bytes("check").notNull(),
  createdAt: createdAt(),
  retiredAt: integer("retired_at", { mode: "timestamp_ms" }),
  /** 1 on the one version whose keys compute the blind indexes (moved by rotate-master-key). */
  keysIndexes: integer("keys_indexes").notNull().default(0),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    /** HKDF salt of the user key; deleting the row crypto-shreds every key below it. */
    keySalt: bytes("key_salt").notNull(),
    /** Per-user override; null means the server's --user-quota-bytes. */
    quotaBytes: integer("quota_bytes"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_username_unique").on(sql`lower(${t.username})`)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** The JWT's `jti`. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 of the secret; the secret itself is shown once and never stored. */
    tokenHash: bytes("token_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("api_tokens_hash_unique").on(t.tokenHash), index("api_tokens_user").on(t.userId)],
);

export const images = sqliteTable(
  "images",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    visibility: text("visibility", { enum: ["private", "public"] }).notNull(),
    /** `u:<ownerId>` for private images, `public` for all public ones. */
    nameNamespace: text("name_namespace").notNull(),
    /** HMAC of the normalised filename under the namespace's key. */
    nameIndex: bytes("name_index").notNull(),
    filenameEnc: bytes("filename_enc").notNull(),
    descriptionEnc: bytes("description_enc"),
    /** Sealed tag list (the values); `image_tags` holds their blind indexes. */
    tagsEnc: bytes("tags_enc"),
    /** Sealed sha256 and CRC-32 of the plaintext (ETag, zip headers). */
    digestEnc: bytes("digest_enc").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    width: integer("width"),
    height: integer("height"),
    /** The image's data key, wrapped under the owner's user key (names its master key version). */
    wrappedKey: bytes("wrapped_key").notNull(),
    /** Key commitment of the blob (AES-GCM does not commit to its key; also detects rollback). */
    blobCommitment: bytes("blob_commitment").notNull(),
    /** Bumped to revoke every share link of the image at once. */
    shareEpoch: integer("share_epoch").notNull().default(0),
    /** Sealed photo metadata (date taken, camera, position), once the media job has read it. */
    photoEnc: bytes("photo_enc"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("images_name_unique").on(t.nameNamespace, t.nameIndex),
    index("images_owner_created").on(t.ownerId, t.createdAt, t.id),
    index("images_visibility_created").on(t.visibility, t.createdAt, t.id),
  ],
);

/**
 * One media job per image: its previews and photo metadata, made in the background. A worker
 * claims a pending row by taking its lease; a lease that runs out (a crashed instance) makes
 * the row claimable again, so several instances on one database never work on it at once.
 * `result_enc` (sealed) describes the preview blobs: type, size, digest, key commitment.
 */
export const imageMedia = sqliteTable(
  "image_media",
  {
    imageId: text("image_id")
      .primaryKey()
      .references(() => images.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "ready", "failed"] }).notNull(),
    /** Why it failed (a fixed code such as too_many_pixels); never image content. */
    reason: text("reason"),
    queuedAt: integer("queued_at", { mode: "timestamp_ms" }).notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }),
    attempts: integer("attempts").notNull().default(0),
    resultEnc: bytes("result_enc"),
    /**
     * Analysis (SPEC §9) is a second stage with its own lease: once the previews are ready a worker
     * of its own claims it and analyses the stored thumb and display (never the original), so the
     * label model runs beside the next image's decode instead of holding up its previews.
     */
    analysisStatus: text("analysis_status", { enum: ["pending", "ready", "failed"] })
      .notNull()
      .default("pending"),
    /** Why analysis failed (a fixed code); never image content. */
    analysisReason: text("analysis_reason"),
    /** Sealed colours, buckets, labels and perceptual hash. */
    analysisEnc: bytes("analysis_enc"),
    analysisLeaseOwner: text("analysis_lease_owner"),
    analysisLeaseUntil: integer("analysis_lease_until", { mode: "timestamp_ms" }),
    analysisAttempts: integer("analysis_attempts").notNull().default(0),
  },
  (t) => [index("image_media_pending").on(t.status, t.queuedAt), index("image_media_analysis").on(t.analysisStatus, t.status, t.queuedAt)],
);

export const imageTags = sqliteTable(
  "image_tags",
  {
    imageId: text("image_id")
      .notNull()
      .references(() => images.id, { onDelete: "cascade" }),
    /** HMAC of the normalised tag under the owner's blind-index key. */
    tagIndex: bytes("tag_index").notNull(),
  },
  // As image_terms: the tag filter probes the (image_id, tag_index) key per row; no tag-first index.
  (t) => [primaryKey({ columns: [t.imageId, t.tagIndex] })],
);

/**
 * The search index (SPEC §9): per image, blind indexes of its filename trigrams and of the words of
 * its description and tags (later labels and colours), under the key its tags use. `kind` says
 * which writer owns a row, so one kind can be replaced alone; the HMAC labels already keep kinds apart.
 */
export const imageTerms = sqliteTable(
  "image_terms",
  {
    imageId: text("image_id")
      .notNull()
      .references(() => images.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["trigram", "word", "label", "color"] }).notNull(),
    term: bytes("term").notNull(),
  },
  // Only the (image_id, term) key: a search walks the owner's rows in order and probes it per row
  // (image-list-query.ts), and the cascade of a delete finds an image's rows by it. A (term,
  // image_id) index was never read, yet cost each upload and delete ~15 random B-tree writes,
  // ~2/3 of SQLite's work for them (bench/RESULTS.md, issue #17 fifth round; migration 0010).
  (t) => [primaryKey({ columns: [t.imageId, t.term] })],
);

/**
 * How far the backfill of search terms for images stored before a term version got (in id order):
 * resumable after a crash, and done once `done_at` is set.
 */
export const termBackfill = sqliteTable("term_backfill", {
  version: integer("version").primaryKey(),
  afterId: text("after_id").notNull(),
  doneAt: integer("done_at", { mode: "timestamp_ms" }),
});

export const shareLinks = sqliteTable(
  "share_links",
  {
    id: text("id").primaryKey(),
    imageId: text("image_id")
      .notNull()
      .references(() => images.id, { onDelete: "cascade" }),
    /** The image's share epoch when the link was made; a newer epoch revokes it. */
    epoch: integer("epoch").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    maxDownloads: integer("max_downloads"),
    downloads: integer("downloads").notNull().default(0),
    passwordHash: text("password_hash"),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("share_links_image").on(t.imageId)],
);

/**
 * Fixed-window counters shared by every instance (login throttling must hold across a cluster).
 * `key` is a keyed HMAC of what is counted (a username and address, say), never the typed text;
 * `subject` is the HMAC of the username alone, so `user unlock` finds every row about it.
 * Rows are deleted once `expires_at` (the end of their window) has passed.
 */
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    key: bytes("key").primaryKey(),
    subject: bytes("subject"),
    windowStart: integer("window_start", { mode: "timestamp_ms" }).notNull(),
    count: integer("count").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("rate_limits_subject").on(t.subject), index("rate_limits_expires").on(t.expiresAt)],
);

/** Invitation codes for `--registration invite`; only a SHA-256 of the code is stored. */
export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    codeHash: bytes("code_hash").notNull(),
    maxUses: integer("max_uses").notNull(),
    uses: integer("uses").notNull().default(0),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("invites_code_hash_unique").on(t.codeHash)],
);

/** Single-sign-on identities: a provider's (`issuer`, `subject`) belongs to one account, never matched by email. */
export const userIdentities = sqliteTable(
  "user_identities",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    /** The provider's `email` claim when linked, shown to the owner to tell identities apart. */
    email: text("email"),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("user_identities_issuer_subject_unique").on(t.issuer, t.subject), index("user_identities_user").on(t.userId)],
);

/**
 * Sign-ins under way at the provider: what the callback must check, found by the SHA-256 of the
 * browser's cookie and taken once. In the database, so any instance can finish what another began.
 */
export const oidcLogins = sqliteTable(
  "oidc_logins",
  {
    idHash: bytes("id_hash").primaryKey(),
    state: text("state").notNull(),
    nonce: text("nonce").notNull(),
    codeVerifier: text("code_verifier").notNull(),
    /** Set when a signed-in user started the flow to link an identity to their account. */
    linkUserId: text("link_user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("oidc_logins_expires").on(t.expiresAt)],
);

/**
 * Albums of one owner's images. Each has its own data key, wrapped under the owner's user key
 * like an image's (rotate-master-key re-wraps it); name and description are sealed under a key
 * derived from it.
 */
export const albums = sqliteTable(
  "albums",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    wrappedKey: bytes("wrapped_key").notNull(),
    nameEnc: bytes("name_enc").notNull(),
    descriptionEnc: bytes("description_enc"),
    /** Chosen by the owner; null means the most recently added image. */
    coverImageId: text("cover_image_id").references(() => images.id, { onDelete: "set null" }),
    /** Revoking the album's links bumps it: tokens of an older epoch stop working. */
    shareEpoch: integer("share_epoch").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // The cover index serves the set-null cascade of every image delete, which otherwise scans all albums.
  (t) => [index("albums_owner").on(t.ownerId, t.createdAt), index("albums_cover").on(t.coverImageId)],
);

/** Which images are in which album: an image in many albums; deleting either side removes the row. */
export const albumImages = sqliteTable(
  "album_images",
  {
    albumId: text("album_id")
      .notNull()
      .references(() => albums.id, { onDelete: "cascade" }),
    imageId: text("image_id")
      .notNull()
      .references(() => images.id, { onDelete: "cascade" }),
    addedAt: integer("added_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.albumId, t.imageId] }), index("album_images_image").on(t.imageId)],
);

/** Album links (/a/:token): like share links, for a whole album, optionally taking guests' uploads. */
export const albumLinks = sqliteTable(
  "album_links",
  {
    id: text("id").primaryKey(),
    albumId: text("album_id")
      .notNull()
      .references(() => albums.id, { onDelete: "cascade" }),
    /** The album's share epoch when the link was made; a newer epoch revokes it. */
    epoch: integer("epoch").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    passwordHash: text("password_hash"),
    allowDownload: integer("allow_download", { mode: "boolean" }).notNull().default(true),
    allowUpload: integer("allow_upload", { mode: "boolean" }).notNull().default(false),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("album_links_album").on(t.albumId)],
);

/**
 * Comments on images. The body is sealed under the image's metadata key (comment id in the AAD),
 * so it goes wherever the image's key goes: rotation, deletion, crypto-shredding.
 */
export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    imageId: text("image_id")
      .notNull()
      .references(() => images.id, { onDelete: "cascade" }),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    bodyEnc: bytes("body_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("comments_image").on(t.imageId, t.createdAt, t.id), index("comments_author").on(t.authorId)],
);

/**
 * Resumable (tus) uploads in progress (SPEC §12). Each has its own data key, wrapped under the
 * owner's user key with `upload:<id>` in place of an image id; the client's Upload-Metadata is
 * sealed under a key derived from it, and the bytes of every PATCH are one encrypted part blob
 * (`<id>.part-<n>`, below). The declared length counts against the owner's quota until the
 * upload becomes an image, is terminated or expires. The write lease lets one request at a time,
 * on any instance, append to it.
 */
export const resumableUploads = sqliteTable(
  "resumable_uploads",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Upload-Length, declared at creation. */
    length: integer("length").notNull(),
    /** Upload-Offset: the plaintext bytes stored so far, the sum of the parts' sizes. */
    received: integer("received").notNull().default(0),
    /** How many parts are stored; the next part's number. */
    parts: integer("parts").notNull().default(0),
    wrappedKey: bytes("wrapped_key").notNull(),
    metadataEnc: bytes("metadata_enc").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }),
  },
  (t) => [index("resumable_uploads_owner").on(t.ownerId), index("resumable_uploads_expiry").on(t.expiresAt)],
);

/** One stored part of a resumable upload: its plaintext size and its blob's commitment (PXVB §5.2). */
export const resumableUploadParts = sqliteTable(
  "resumable_upload_parts",
  {
    uploadId: text("upload_id")
      .notNull()
      .references(() => resumableUploads.id, { onDelete: "cascade" }),
    part: integer("part").notNull(),
    size: integer("size").notNull(),
    commitment: bytes("commitment").notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.part] })],
);
