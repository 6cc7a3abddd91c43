// A resumable upload's keys: its own random data key, wrapped under the owner's user key like an
// image's but with the context `upload:<id>` (an id that can never be an image's or an album's,
// so no key or sealed value opens across them), and its Upload-Metadata sealed under a key
// derived from it. Deleting the owner (their key salt) shreds an unfinished upload too.
import { imageMetadataKey, openImageField, sealImageField } from "../../crypto/image-keys.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { type KeyOwner, newImageKeys, openImageKeys } from "../images/keys.ts";

const keyIdOf = (uploadId: string) => `upload:${uploadId}`;

/** A new upload's data key, its wrapped form for the row, and its sealed Upload-Metadata. */
export function newUploadKeys(keyring: Keyring, owner: KeyOwner, uploadId: string, metadata: string) {
  const { dataKey, wrappedKey } = newImageKeys(keyring, owner, keyIdOf(uploadId));
  return { dataKey, wrappedKey, metadataEnc: sealMetadata(dataKey, uploadId, metadata) };
}

/** The data key and the Upload-Metadata of a stored upload. Throws IntegrityError. */
export function openUploadKeys(keyring: Keyring, owner: KeyOwner, upload: { id: string; wrappedKey: Buffer; metadataEnc: Buffer }) {
  const keyId = keyIdOf(upload.id);
  const { dataKey } = openImageKeys(keyring, owner, keyId, upload.wrappedKey);
  const metadata = openImageField(imageMetadataKey(dataKey, keyId), keyId, "upload-metadata", upload.metadataEnc);
  return { dataKey, metadata: new TextDecoder("utf-8", { fatal: true }).decode(metadata) };
}

function sealMetadata(dataKey: Buffer, uploadId: string, metadata: string): Buffer {
  const keyId = keyIdOf(uploadId);
  return sealImageField(imageMetadataKey(dataKey, keyId), keyId, "upload-metadata", new TextEncoder().encode(metadata));
}
