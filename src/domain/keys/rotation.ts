// Master key rotation inside the database: every image's data key re-wrapped under the new
// version, and every blind index (names, tags, search terms) recomputed with it, in one transaction. No
// blob is touched: blobs are encrypted under data keys, which do not change.
import { wrappedKeyVersion } from "../../crypto/data-key.ts";
import { keyCheck, type Keyring } from "../../crypto/master-key.ts";
import type { Clock } from "../clock.ts";
import { ownerOf, wrapImageKey } from "../images/keys.ts";
import { openImageIndexes } from "./image-indexes.ts";
import { albumKeyId, openAlbumKeys } from "../albums/view.ts";
import type { KeyedAlbum, KeyedImage, KeyRepository, ReKeyedImage } from "./ports.ts";

export interface RotationReport {
  readonly images: number;
  readonly tagIndexes: number;
  readonly albums: number;
}

export class RotationError extends Error {
  override name = "RotationError";
}

/** One image under the keyring's current version; throws RotationError when its key does not unwrap. */
function reKeyImage(keyring: Keyring, image: KeyedImage): ReKeyedImage {
  let opened: ReturnType<typeof openImageIndexes>;
  try {
    opened = openImageIndexes(keyring, image);
  } catch (e) {
    throw new RotationError(
      `image ${image.id}: its data key does not unwrap (${e instanceof Error ? e.message : e}); run pixvault fsck, nothing was changed`,
    );
  }
  const { dataKey, ...indexes } = opened;
  return { wrappedKey: wrapImageKey(keyring, ownerOf(image), image.id, dataKey), ...indexes };
}

/** An album's data key under the keyring's current version (its sealed name and description stay as they are). */
function reWrapAlbum(keyring: Keyring, album: KeyedAlbum): Buffer {
  let dataKey: Buffer;
  try {
    dataKey = openAlbumKeys(keyring, album).dataKey;
  } catch (e) {
    throw new RotationError(
      `album ${album.id}: its data key does not unwrap (${e instanceof Error ? e.message : e}); run pixvault fsck, nothing was changed`,
    );
  }
  return wrapImageKey(keyring, { id: album.ownerId, keySalt: album.ownerKeySalt }, albumKeyId(album.id), dataKey);
}

/**
 * `keyring`'s current version becomes the one every data key and index uses. Its key check is
 * recorded in the same transaction, so a rotation that fails leaves no trace of the version.
 */
export function reKeyImages(ports: { keys: KeyRepository; clock: Clock }, keyring: Keyring): Promise<RotationReport> {
  const version = keyring.current.id;
  return ports.keys.rotate(
    version,
    keyCheck(keyring, version),
    ports.clock.now(),
    (image) => reKeyImage(keyring, image),
    (album) => reWrapAlbum(keyring, album),
  );
}

/** Versions still needed: those some wrapped key names, and the one keying the indexes. */
export async function versionsInUse(keys: Pick<KeyRepository, "wrappedKeys">, keyring: Keyring): Promise<Set<number>> {
  const used = new Set<number>([keyring.indexVersion.id]);
  for (const wrapped of await keys.wrappedKeys()) used.add(wrappedKeyVersion(wrapped));
  return used;
}
