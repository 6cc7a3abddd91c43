// Keys below an image's data key (metadata sealing) and the keyed blind indexes of names, tags and search terms.
import { createHmac, hkdfSync } from "node:crypto";
import { contextBytes, LABEL } from "./context.ts";
import { KEY_BYTES } from "./gcm.ts";
import { openBytes, sealBytes } from "./sealed-box.ts";

/**
 * `comment:<id>`: a comment's body, sealed under its image's key so it goes with the image (and its owner).
 * `upload-metadata`: a resumable upload's Upload-Metadata, under the upload's own key (`upload:<id>`).
 */
export type ImageField =
  | "filename"
  | "description"
  | "tags"
  | "digest"
  | "photo"
  | "media"
  | "analysis"
  | "upload-metadata"
  | `comment:${string}`;

/**
 * Metadata is sealed under a key derived from the image's data key, not from the user
 * key: rotating the master key then re-wraps data keys only, and never touches these.
 */
export function imageMetadataKey(dataKey: Uint8Array, imageId: string): Buffer {
  if (dataKey.length !== KEY_BYTES) throw new TypeError(`data key must be ${KEY_BYTES} bytes`);
  return Buffer.from(hkdfSync("sha256", dataKey, Buffer.alloc(0), contextBytes(LABEL.imageMetadata, imageId), KEY_BYTES));
}

/** The image id and field name are in the AAD, so a sealed value cannot move to another row or column. */
export function sealImageField(metadataKey: Uint8Array, imageId: string, field: ImageField, value: Uint8Array): Buffer {
  return sealBytes(metadataKey, value, contextBytes(LABEL.imageField, imageId, field));
}

/** Throws IntegrityError when the value was tampered with or belongs elsewhere. */
export function openImageField(metadataKey: Uint8Array, imageId: string, field: ImageField, sealed: Uint8Array): Buffer {
  return openBytes(metadataKey, sealed, contextBytes(LABEL.imageField, imageId, field));
}

/**
 * HMAC-SHA256(index key, label \0 value), truncated to 16 bytes: equality lookups work,
 * and without the key nobody can test a guess. Collisions at 2^-64 per pair are harmless
 * for a uniqueness check (a false "name taken" at worst).
 */
export function blindIndex(indexKey: Uint8Array, kind: BlindIndexKind, value: string): Buffer {
  return createHmac("sha256", indexKey).update(contextBytes(INDEX_LABEL[kind], value)).digest().subarray(0, 16);
}

/** One label per kind, so a trigram "cat" and a word "cat" (or a tag "cat") never share an index. */
const INDEX_LABEL = {
  name: LABEL.nameIndex,
  tag: LABEL.tagIndex,
  trigram: LABEL.trigramIndex,
  word: LABEL.wordIndex,
  label: LABEL.labelIndex,
  color: LABEL.colorIndex,
} as const;

export type BlindIndexKind = keyof typeof INDEX_LABEL;
