// An album's keys and its public shape. Its data key is wrapped like an image's, under a key
// context of its own ("album:<id>"), so an album key can never open an image's fields or back.
import type { Keyring } from "../../crypto/master-key.ts";
import { type KeyOwner, newImageKeys, openImageKeys } from "../images/keys.ts";
import type { ListedAlbum } from "./ports.ts";

export interface AlbumObject {
  id: string;
  name: string;
  description: string | null;
  imageCount: number;
  coverImageId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The id an album's keys are bound to (data key wrapping and sealed fields). */
export const albumKeyId = (albumId: string) => `album:${albumId}`;

export function newAlbumKeys(keyring: Keyring, owner: KeyOwner, albumId: string) {
  return newImageKeys(keyring, owner, albumKeyId(albumId));
}

export function openAlbumKeys(keyring: Keyring, album: Pick<ListedAlbum, "id" | "ownerId" | "ownerKeySalt" | "wrappedKey">) {
  return openImageKeys(keyring, { id: album.ownerId, keySalt: album.ownerKeySalt }, albumKeyId(album.id), album.wrappedKey);
}

/** The album object (throws IntegrityError when a sealed field fails authentication). */
export function openAlbum(keyring: Keyring, row: ListedAlbum): AlbumObject {
  const keys = openAlbumKeys(keyring, row);
  return {
    id: row.id,
    name: keys.metadata.openFilename(row.nameEnc),
    description: keys.metadata.openDescription(row.descriptionEnc),
    imageCount: row.imageCount,
    coverImageId: row.effectiveCoverId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
