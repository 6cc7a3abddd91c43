// Listing images: scope, filters and keyset cursors. `q=` narrows rows through the search index
// (search-terms.ts) and confirms each candidate decrypted; a page stops early, with a nextCursor,
// once it has decrypted MAX_UNRETURNED rows it does not return. Orders and filters by date taken
// (sealed too) are done in memory, in taken-listing.ts.
import { COLOR_BUCKETS } from "../../media/analysis/color-buckets.ts";
import { ACCEPTED_IMAGE_TYPES } from "../../media/image-types.ts";
import { colorIndexes, labelIndexes } from "../analysis/analysis-result.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { ListQuery } from "./input.ts";
import { privateIndexKey, publicIndexKey, tagIndex } from "./keys.ts";
import {
  decodeCursor,
  describeListed,
  encodeCursor,
  type ImagePage,
  type Lister,
  type ListingPorts,
  MAX_UNRETURNED,
  timeSlicer,
} from "./list-page.ts";
import type { ImageCursor, ImageFilter, ImageSort, OwnedImage } from "./ports.ts";
import { matchesTextSearch, parseTextSearch, type TextSearch, textSearchTerms } from "./search-terms.ts";
import { listInMemoryOrder } from "./taken-listing.ts";
import type { ImageObject } from "./view.ts";

export async function listImages(ports: ListingPorts, viewer: Lister, query: ListQuery): Promise<Result<ImagePage>> {
  const scope = query.scope ?? (viewer ? "mine" : "public");
  if (scope === "mine" && !viewer)
    return fail("unauthorized", "scope=mine needs `Authorization: Bearer <token>`; use scope=public to browse public images");
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
  if (after === null) return invalid("cursor", "is not a cursor of this listing (it encodes another sort order or was altered)");
  // A blank filter (an empty form field) filters nothing, as a blank q does.
  const typeName = query.type?.trim().toLowerCase();
  const contentTypes = typeName ? TYPE_NAMES.get(typeName) : undefined;
  if (typeName && !contentTypes) return invalid("type", TYPE_HINT);
  const color = query.color?.trim().toLowerCase();
  if (color && !(COLOR_BUCKETS as readonly string[]).includes(color)) return invalid("color", `must be one of ${COLOR_BUCKETS.join(", ")}`);
  const label = query.label?.trim();

  if (query.album !== undefined) {
    // An album is its owner's: to anyone else (or signed out) it does not exist.
    const album = viewer ? await ports.albums.findOwned(query.album, viewer.id) : undefined;
    if (!album) return fail("not_found", `no album ${JSON.stringify(query.album)}`);
  }
  const tag = query.tag?.normalize("NFC").trim().toLowerCase();
  const search = parseTextSearch(query.q);
  const keys = indexKeysFor(ports, scope, viewer);
  const searchTerms = search ? textSearchTerms(keys, search) : undefined;
  // Labels and colours are exact blind-index lookups: a row found by them needs no confirming.
  const terms = [
    ...(searchTerms ? [searchTerms] : []),
    ...(label ? [[[labelIndexes(keys, label)]]] : []),
    ...(color ? [[[colorIndexes(keys, color)]]] : []),
  ];
  const filter: ImageFilter = {
    ...(query.album !== undefined ? { albumId: query.album, ownerId: viewer!.id } : {}),
    ...(scope === "mine"
      ? { ownerId: viewer!.id, ...(query.visibility ? { visibility: query.visibility } : {}) }
      : { visibility: "public" }),
    ...(contentTypes ? { contentTypes } : {}),
    ...(tag ? { tagIndexes: keys.map((key) => tagIndex(key, tag)) } : {}),
    ...(terms.length > 0 ? { terms } : {}),
  };
  const { takenFrom, takenTo } = query;
  if (takenFrom && takenTo && takenFrom > takenTo) return invalid("takenTo", "must not be before takenFrom");
  if (scope === "public" && query.visibility === "private") return ok({ items: [], nextCursor: null });
  const sort = query.sort;
  if (sort === "taken" || takenFrom || takenTo) {
    return ok(await listInMemoryOrder(ports, viewer, filter, { sort, limit: query.limit, takenFrom, takenTo, search }, after));
  }
  return ok(await listFromDatabase(ports, viewer, filter, { sort, limit: query.limit, search }, after));
}

/**
 * Keyset pages straight from the database, each row decrypted once: it is returned, or it counts
 * against the request's bound (a search candidate that did not confirm, or a damaged row).
 */
async function listFromDatabase(
  ports: ListingPorts,
  viewer: Lister,
  filter: ImageFilter,
  query: { readonly sort: ImageSort; readonly limit: number; readonly search: TextSearch | undefined },
  after: ImageCursor | undefined,
): Promise<ImagePage> {
  const { search } = query;
  const items: ImageObject[] = [];
  const maxUnreturned = viewer ? MAX_UNRETURNED.signedIn : MAX_UNRETURNED.anonymous;
  let cursor = after;
  let unreturned = 0;
  const breathe = timeSlicer();
  for (;;) {
    await breathe();
    // One row more than the page needs says whether another page follows; it is not decrypted.
    const want = query.limit - items.length + 1;
    const rows = await ports.images.list(filter, query.sort, cursor, want);
    for (const row of rows) {
      if (items.length === query.limit || unreturned === maxUnreturned) return { items, nextCursor: encodeCursor(query.sort, cursor!) };
      await breathe();
      const image = describeListed(ports, row, viewer);
      cursor = cursorOf(row, query.sort);
      if (image && (!search || matchesTextSearch(image, search))) items.push(image);
      else unreturned += 1;
    }
    if (rows.length < want) return { items, nextCursor: null };
  }
}

/** Own images carry private or public indexes (by visibility); public ones only the instance's. */
function indexKeysFor(ports: ListingPorts, scope: "mine" | "public", viewer: Lister): Buffer[] {
  const publicKey = publicIndexKey(ports.keyring);
  return scope === "mine" ? [privateIndexKey(ports.keyring, viewer!), publicKey] : [publicKey];
}

function cursorOf(row: OwnedImage, sort: ImageSort): ImageCursor {
  return { value: sort === "size" ? row.size : row.createdAt.getTime(), id: row.id };
}

/**
 * What `type=` accepts: a stored MIME type (`image/webp`), its subtype (`webp`) or its
 * extension (`jpg`, `tif`); `png` also finds APNGs. Anything else is refused rather than
 * silently listing nothing, so a typo (`jepg`) is noticed.
 */
const TYPE_NAMES: ReadonlyMap<string, readonly string[]> = (() => {
  const names = new Map<string, string[]>();
  const add = (name: string, contentType: string) => names.set(name, [...new Set([...(names.get(name) ?? []), contentType])]);
  for (const { contentType, extension } of ACCEPTED_IMAGE_TYPES) {
    add(contentType, contentType);
    add(contentType.slice("image/".length), contentType);
    add(extension, contentType);
  }
  add("tif", "image/tiff");
  return names;
})();

const TYPE_HINT = `must be an image type pixvault stores: ${[...new Set(ACCEPTED_IMAGE_TYPES.map((t) => t.extension))].join(", ")}, jpeg, tif or a MIME type such as image/webp`;

function invalid(field: string, message: string): Result<never> {
  return fail("validation_failed", `${field} ${message}`, { errors: [{ field, message }] });
}
