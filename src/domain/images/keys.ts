// The image rules' view of the key hierarchy: data keys, sealed metadata and blind indexes.
import { INSTANCE_KEY, USER_SUBKEY } from "../../crypto/context.ts";
import { newDataKey, unwrapDataKey, wrapDataKey, wrappedKeyVersion } from "../../crypto/data-key.ts";
import { blindIndex, imageMetadataKey, openImageField, sealImageField } from "../../crypto/image-keys.ts";
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { deriveInstanceKey, deriveSubkey, deriveUserKey } from "../../crypto/user-key.ts";
import type { OwnedImage, Visibility } from "./ports.ts";

export type { Visibility };

export interface KeyOwner {
  readonly id: string;
  readonly keySalt: Buffer;
}

/** Private names are unique per owner; public names are unique across the instance. */
export function namespaceOf(visibility: Visibility, ownerId: string): string {
  return visibility === "public" ? "public" : `u:${ownerId}`;
}

function userKey(keyring: Keyring, owner: KeyOwner, version: number): Buffer {
  const master = keyring.get(version);
  if (!master) throw new IntegrityError("wrong_key", `master key version ${version}`);
  return deriveUserKey(master.key, owner.keySalt, owner.id);
}

/**
 * The blind-index key of a namespace: the owner's for private images, the instance's for
 * public ones (so "is this public name taken?" and public tag search work across owners).
 * Derived from the keyring's index version; rotation recomputes the indexes and moves it.
 */
export function indexKey(keyring: Keyring, visibility: Visibility, owner: KeyOwner): Buffer {
  return visibility === "public" ? publicIndexKey(keyring) : privateIndexKey(keyring, owner);
}

export function publicIndexKey(keyring: Keyring): Buffer {
  return deriveInstanceKey(keyring.indexVersion.key, INSTANCE_KEY.publicBlindIndex);
}

export function privateIndexKey(keyring: Keyring, owner: KeyOwner): Buffer {
  return deriveSubkey(userKey(keyring, owner, keyring.indexVersion.id), USER_SUBKEY.blindIndex);
}

export const nameIndex = (key: Buffer, normalizedName: string) => blindIndex(key, "name", normalizedName);
export const tagIndex = (key: Buffer, tag: string) => blindIndex(key, "tag", tag);

export type NewImageKeys = ReturnType<typeof newImageKeys>;

/** A new image's keys: the data key (for the blob), its wrapped form (for the row), the metadata key. */
export function newImageKeys(keyring: Keyring, owner: KeyOwner, imageId: string) {
  const dataKey = newDataKey();
  return { dataKey, wrappedKey: wrapImageKey(keyring, owner, imageId, dataKey), metadata: imageSealer(dataKey, imageId) };
}

/** A data key wrapped under the current master key version (new images, and rotation). */
export function wrapImageKey(keyring: Keyring, owner: KeyOwner, imageId: string, dataKey: Buffer): Buffer {
  const version = keyring.current.id;
  return wrapDataKey(userKey(keyring, owner, version), version, dataKey, { userId: owner.id, imageId });
}

/** The owner key a stored image's data key is wrapped under. */
export const ownerOf = (image: Pick<OwnedImage, "ownerId" | "ownerKeySalt">): KeyOwner => ({
  id: image.ownerId,
  keySalt: image.ownerKeySalt,
});

/** Unwraps a stored image's data key with the master key version it names. Throws IntegrityError. */
export function openImageKeys(keyring: Keyring, owner: KeyOwner, imageId: string, wrappedKey: Buffer) {
  const key = userKey(keyring, owner, wrappedKeyVersion(wrappedKey));
  const dataKey = unwrapDataKey(key, wrappedKey, { userId: owner.id, imageId });
  return { dataKey, metadata: imageSealer(dataKey, imageId) };
}

export type ImageSealer = ReturnType<typeof imageSealer>;

function imageSealer(dataKey: Buffer, imageId: string) {
  const key = imageMetadataKey(dataKey, imageId);
  const text = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    filename: (name: string) => sealImageField(key, imageId, "filename", text.encode(name)),
    description: (value: string | null) => (value === null ? null : sealImageField(key, imageId, "description", text.encode(value))),
    tags: (tags: readonly string[]) => (tags.length === 0 ? null : sealImageField(key, imageId, "tags", text.encode(JSON.stringify(tags)))),
    digest: (sha256: Buffer, crc32: number) => {
      const bytes = Buffer.alloc(36);
      sha256.copy(bytes, 0);
      bytes.writeUInt32BE(crc32 >>> 0, 32);
      return sealImageField(key, imageId, "digest", bytes);
    },
    /** JSON values of the media job (photo metadata, preview descriptions), sealed per field. */
    json: (field: "photo" | "media" | "analysis", value: unknown) =>
      sealImageField(key, imageId, field, text.encode(JSON.stringify(value))),
    openJson: (field: "photo" | "media" | "analysis", sealed: Buffer): unknown =>
      JSON.parse(decoder.decode(openImageField(key, imageId, field, sealed))),
    openFilename: (sealed: Buffer) => decoder.decode(openImageField(key, imageId, "filename", sealed)),
    openDescription: (sealed: Buffer | null) => (sealed ? decoder.decode(openImageField(key, imageId, "description", sealed)) : null),
    openTags: (sealed: Buffer | null): string[] => (sealed ? JSON.parse(decoder.decode(openImageField(key, imageId, "tags", sealed))) : []),
    openDigest: (sealed: Buffer) => {
      const bytes = openImageField(key, imageId, "digest", sealed);
      return { sha256: bytes.subarray(0, 32).toString("hex"), crc32: bytes.readUInt32BE(32) };
    },
  };
}
