// A comment's body sealed under its image's metadata key, with the comment id in the AAD: it
// follows the image's key (rotation re-wraps only the data key; deleting the image or its
// owner shreds it), and a sealed body cannot be moved to another comment or image.
import { imageMetadataKey, openImageField, sealImageField } from "../../crypto/image-keys.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { openImageKeys, ownerOf } from "../images/keys.ts";
import type { OwnedImage } from "../images/ports.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Unwraps the image's data key once; throws IntegrityError when it fails to open. */
export function commentSealer(keyring: Keyring, image: OwnedImage) {
  const { dataKey } = openImageKeys(keyring, ownerOf(image), image.id, image.wrappedKey);
  const key = imageMetadataKey(dataKey, image.id);
  return {
    seal: (commentId: string, body: string) => sealImageField(key, image.id, `comment:${commentId}`, encoder.encode(body)),
    /** Throws IntegrityError when the body was tampered with or belongs to another comment. */
    open: (commentId: string, sealed: Buffer) => decoder.decode(openImageField(key, image.id, `comment:${commentId}`, sealed)),
  };
}
