// Albums by name for the client (SPEC §10): the server knows albums by id; people say their names.
import { ConfigError } from "../config-values.ts";
import type { Api } from "./api.ts";

export interface RemoteAlbum {
  readonly id: string;
  readonly name: string;
  readonly imageCount: number;
}

// POST /api/v1/albums/{id}/images takes at most this many ids at once (MAX_BULK_IDS).
const IDS_PER_REQUEST = 10_000;

/** The caller's album with this name (the server trims names, so the client does too); undefined if none. */
export async function findAlbum(api: Api, name: string): Promise<RemoteAlbum | undefined> {
  const wanted = name.trim().normalize("NFC");
  const { items } = await api.json<{ items: RemoteAlbum[] }>("GET", "/api/v1/albums");
  const matches = items.filter((a) => a.name.normalize("NFC") === wanted);
  if (matches.length > 1) {
    throw new ConfigError(`--album: ${matches.length} of your albums are named "${wanted}"; rename all but one`);
  }
  return matches[0];
}

/** The album that must exist (pull, ls): an unknown name is a usage error. */
export async function requireAlbum(api: Api, name: string): Promise<RemoteAlbum> {
  const album = await findAlbum(api, name);
  if (!album) throw new ConfigError(`--album: you have no album named "${name.trim()}"`);
  return album;
}

export async function createAlbum(api: Api, name: string): Promise<RemoteAlbum> {
  return (await api.json<{ album: RemoteAlbum }>("POST", "/api/v1/albums", { json: { name: name.trim() } }, [201])).album;
}

/** Adds the caller's images to the album (ones already in it stay as they are). */
export async function addToAlbum(api: Api, albumId: string, ids: readonly string[]): Promise<void> {
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += IDS_PER_REQUEST) {
    const batch = unique.slice(i, i + IDS_PER_REQUEST);
    await api.json("POST", `/api/v1/albums/${encodeURIComponent(albumId)}/images`, { json: { ids: batch } }, [200]);
  }
}
