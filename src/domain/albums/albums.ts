// Albums (SPEC §10): an owner's named selections of their own images. Another user's album does
// not exist for them: every route answers 404, as for an album that never existed.
import type { Keyring } from "../../crypto/master-key.ts";
import { newId } from "../../crypto/random-id.ts";
import type { SignedInUser } from "../accounts/ports.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import { guarded, type IntegrityReport } from "../images/content.ts";
import type { ImageRepository } from "../images/ports.ts";
import type { AlbumChangeRequest, NewAlbum } from "./input.ts";
import { type AlbumObject, newAlbumKeys, openAlbum, openAlbumKeys } from "./view.ts";
import type { AlbumRepository, ListedAlbum } from "./ports.ts";

export interface AlbumPorts extends IntegrityReport {
  readonly albums: AlbumRepository;
  readonly images: Pick<ImageRepository, "findMany">;
  readonly keyring: Keyring;
  readonly clock: Clock;
}

type Owner = Pick<SignedInUser, "id" | "keySalt">;

export const albumMissing = (id: string): Result<never> => fail("not_found", `no album ${JSON.stringify(id)}`);

/** The album routes' service. */
export function albumService(ports: AlbumPorts) {
  const describe = (row: ListedAlbum): Result<AlbumObject> => guarded(ports, row.id, () => openAlbum(ports.keyring, row));
  const owned = async (owner: Owner, id: string): Promise<Result<ListedAlbum>> => {
    const row = await ports.albums.findOwned(id, owner.id);
    return row ? ok(row) : albumMissing(id);
  };
  const current = async (owner: Owner, id: string): Promise<Result<AlbumObject>> => {
    const row = await owned(owner, id);
    return row.ok ? describe(row.value) : row;
  };

  /** Every id must be one of the owner's images: one answer (404 with `missing`) for others' and unknown ones. */
  const ownImages = async (owner: Owner, ids: readonly string[]): Promise<Result<string[]>> => {
    const unique = [...new Set(ids)];
    const mine = new Set((await ports.images.findMany(unique)).filter((row) => row.ownerId === owner.id).map((row) => row.id));
    const missing = unique.filter((id) => !mine.has(id));
    if (missing.length > 0) return fail("not_found", `${missing.length} of the images do not exist or are not yours`, { missing });
    return ok(unique);
  };

  return {
    async create(owner: Owner, input: NewAlbum): Promise<Result<AlbumObject>> {
      const id = newId();
      const now = ports.clock.now();
      const { wrappedKey, metadata } = newAlbumKeys(ports.keyring, owner, id);
      await ports.albums.insert({
        id,
        ownerId: owner.id,
        wrappedKey,
        nameEnc: metadata.filename(input.name),
        descriptionEnc: metadata.description(input.description || null),
        coverImageId: null,
        shareEpoch: 0,
        createdAt: now,
        updatedAt: now,
      });
      return current(owner, id);
    },

    async list(owner: Owner): Promise<Result<AlbumObject[]>> {
      const items: AlbumObject[] = [];
      for (const row of await ports.albums.listOwned(owner.id)) {
        const album = describe(row);
        if (!album.ok) return album;
        items.push(album.value);
      }
      return ok(items);
    },

    get: current,

    async update(owner: Owner, id: string, change: AlbumChangeRequest): Promise<Result<AlbumObject>> {
      const row = await owned(owner, id);
      if (!row.ok) return row;
      const keys = guarded(ports, id, () => openAlbumKeys(ports.keyring, row.value));
      if (!keys.ok) return keys;
      const { metadata } = keys.value;
      if (change.coverImageId && !(await ports.albums.contains(id, change.coverImageId))) {
        return fail("validation_failed", "the cover must be an image in the album", {
          errors: [{ field: "coverImageId", message: "is not an image in this album" }],
        });
      }
      await ports.albums.update(id, owner.id, {
        ...(change.name !== undefined ? { nameEnc: metadata.filename(change.name) } : {}),
        ...(change.description !== undefined ? { descriptionEnc: metadata.description(change.description || null) } : {}),
        ...(change.coverImageId !== undefined ? { coverImageId: change.coverImageId } : {}),
        updatedAt: ports.clock.now(),
      });
      return current(owner, id);
    },

    async remove(owner: Owner, id: string): Promise<Result<void>> {
      return (await ports.albums.remove(id, owner.id)) ? ok(undefined) : albumMissing(id);
    },

    async addImages(owner: Owner, id: string, ids: readonly string[]): Promise<Result<AlbumObject>> {
      const row = await owned(owner, id);
      if (!row.ok) return row;
      const images = await ownImages(owner, ids);
      if (!images.ok) return images;
      await ports.albums.addImages(id, images.value, ports.clock.now());
      return current(owner, id);
    },

    async removeImages(owner: Owner, id: string, ids: readonly string[]): Promise<Result<AlbumObject>> {
      const row = await owned(owner, id);
      if (!row.ok) return row;
      await ports.albums.removeImages(id, [...new Set(ids)], ports.clock.now());
      return current(owner, id);
    },

    /** The album if it is the viewer's (the image listing's and the archive's `album=`). */
    owned,
  };
}

export type AlbumService = ReturnType<typeof albumService>;
