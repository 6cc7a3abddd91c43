// The Image object of the API: a row decrypted for someone allowed to read it.
import type { Keyring } from "../crypto/master-key.ts";
import type { OwnedImageRow } from "../store/image-repository.ts";
import { openImageKeys, type Visibility } from "./image-crypto.ts";

export interface ImageObject {
  id: string;
  filename: string;
  visibility: Visibility;
  owner: { id: string; username: string };
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  sha256: string;
  tags: string[];
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Decrypts what the object shows; throws IntegrityError if a sealed value was tampered with. */
export function describeImage(keyring: Keyring, row: OwnedImageRow): ImageObject & { crc32: number } {
  const { metadata } = openImageKeys(keyring, { id: row.ownerId, keySalt: row.ownerKeySalt }, row.id, row.wrappedKey);
  const digest = metadata.openDigest(row.digestEnc);
  return {
    id: row.id,
    filename: metadata.openFilename(row.filenameEnc),
    visibility: row.visibility,
    owner: { id: row.ownerId, username: row.ownerUsername },
    contentType: row.contentType,
    size: row.size,
    width: row.width,
    height: row.height,
    sha256: digest.sha256,
    tags: metadata.openTags(row.tagsEnc),
    description: metadata.openDescription(row.descriptionEnc),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    crc32: digest.crc32,
  };
}

/** The API shape, without internal fields (the CRC-32 is for zip headers only). */
export function publicImage(image: ImageObject & { crc32?: number }): ImageObject {
  const { crc32: _crc32, ...rest } = image;
  return rest;
}
