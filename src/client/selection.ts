// What pull works on: --album NAME, --tag T, --all (the caller's own images) or image ids,
// as a list of images or as the address of their zip.
import { requireAlbum } from "./albums.ts";
import { type Api, ApiError } from "./api.ts";
import { getImage, listAll, type RemoteImage } from "./images.ts";

export type Selection =
  | { readonly kind: "album"; readonly name: string }
  | { readonly kind: "tag"; readonly tag: string }
  | { readonly kind: "all" }
  | { readonly kind: "ids"; readonly ids: readonly string[] };

export interface Selected {
  /** Oldest first, so that names given to same-named images are the same on every run. */
  readonly images: RemoteImage[];
  /** Ids that are no image the caller can read. */
  readonly missing: string[];
}

export async function selectImages(api: Api, selection: Selection): Promise<Selected> {
  switch (selection.kind) {
    case "album": {
      const album = await requireAlbum(api, selection.name);
      return { images: await listAll(api, { album: album.id, sort: "oldest" }), missing: [] };
    }
    case "tag":
      return { images: await listAll(api, { scope: "mine", tag: selection.tag, sort: "oldest" }), missing: [] };
    case "all":
      return { images: await listAll(api, { scope: "mine", sort: "oldest" }), missing: [] };
    case "ids": {
      const images: RemoteImage[] = [];
      const missing: string[] = [];
      for (const id of new Set(selection.ids)) {
        try {
          images.push(await getImage(api, id));
        } catch (e) {
          if (!(e instanceof ApiError) || e.status !== 404) throw e;
          missing.push(id);
        }
      }
      return { images, missing };
    }
  }
}

/** How to ask for the selection's zip: a GET (a broken download resumes with Range) or, for more ids than fit in a URL, a POST. */
export type ArchiveRequest =
  | { readonly path: string; readonly ids?: undefined }
  | { readonly path: string; readonly ids: readonly string[] };

// Request heads are limited (16 KiB on many servers and proxies): longer id lists go in a POST body.
const MAX_QUERY_CHARS = 8000;

/** The zip of the selection; undefined when it is empty. */
export async function archiveRequest(api: Api, selection: Selection): Promise<ArchiveRequest | undefined> {
  const path = "/api/v1/images/archive";
  const byIds = (ids: readonly string[]): ArchiveRequest | undefined => {
    if (ids.length === 0) return undefined;
    const query = ids.map(encodeURIComponent).join(",");
    return query.length > MAX_QUERY_CHARS ? { path, ids } : { path: `${path}?ids=${query}` };
  };
  switch (selection.kind) {
    case "album":
      return { path: `${path}?album=${encodeURIComponent((await requireAlbum(api, selection.name)).id)}` };
    case "all":
      return { path: `${path}?all=1` };
    case "tag":
      return byIds((await listAll(api, { scope: "mine", tag: selection.tag, sort: "oldest" })).map((i) => i.id));
    case "ids":
      return byIds(selection.ids);
  }
}
