// Listing images: scope, filters and keyset cursors. Filename search runs on decrypted
// names (the database holds only ciphertext), scanning pages until enough rows match or the
// request's scan bound is reached (then the page ends early, with a nextCursor). Orders and
// filters by date taken (sealed too) are done in memory, in taken-listing.ts.
import { ACCEPTED_IMAGE_TYPES } from "../../media/image-types.ts";
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
  MAX_SCANNED,
  timeSlicer,
} from "./list-page.ts";
import type { ImageCursor, ImageFilter, ImageSort, OwnedImage } from "./ports.ts";
import { listInMemoryOrder } from "./taken-listing.ts";
import type { ImageObject } from "./view.ts";

const SCAN_CHUNK = 100;

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

  if (query.album !== undefined) {
    // An album is its owner's: to anyone else (or signed out) it does not exist.
    const album = viewer ? await ports.albums.findOwned(query.album, viewer.id) : undefined;
    if (!album) return fail("not_found", `no album ${JSON.stringify(query.album)}`);
  }
  const filter: ImageFilter = {
    ...(query.album !== undefined ? { albumId: query.album, ownerId: viewer!.id } : {}),
    ...(scope === "mine"
      ? { ownerId: viewer!.id, ...(query.visibility ? { visibility: query.visibility } : {}) }
      : { visibility: "public" }),
    ...(contentTypes ? { contentTypes } : {}),
    ...(query.tag?.trim() ? { tagIndexes: tagIndexesFor(ports, scope, viewer, query.tag) } : {}),
  };
  const { takenFrom, takenTo } = query;
  if (takenFrom && takenTo && takenFrom > takenTo) return invalid("takenTo", "must not be before takenFrom");
  if (scope === "public" && query.visibility === "private") return ok({ items: [], nextCursor: null });
  const needle = query.q?.normalize("NFC").toLowerCase();
  const sort = query.sort;
  if (sort === "taken" || takenFrom || takenTo) {
    return ok(await listInMemoryOrder(ports, viewer, filter, { sort, limit: query.limit, takenFrom, takenTo, needle }, after));
  }
  return ok(await listFromDatabase(ports, viewer, filter, { sort, limit: query.limit, needle }, after));
}

/** Keyset pages straight from the database, a filename search scanning them up to its bound. */
async function listFromDatabase(
  ports: ListingPorts,
  viewer: Lister,
  filter: ImageFilter,
  query: { readonly sort: ImageSort; readonly limit: number; readonly needle: string | undefined },
  after: ImageCursor | undefined,
): Promise<ImagePage> {
  const { needle } = query;
  const items: ImageObject[] = [];
  const maxScanned = viewer ? MAX_SCANNED.signedIn : MAX_SCANNED.anonymous;
  let cursor = after;
  let scanned = 0;
  const breathe = timeSlicer();
  while (items.length < query.limit && scanned < maxScanned) {
    await breathe();
    const want = needle ? Math.min(SCAN_CHUNK, maxScanned - scanned) : query.limit - items.length + 1;
    const rows = await ports.images.list(filter, query.sort, cursor, want);
    if (rows.length === 0) return { items, nextCursor: null };
    for (const row of rows) {
      if (items.length === query.limit) return { items, nextCursor: encodeCursor(query.sort, cursor!) };
      await breathe();
      const image = describeListed(ports, row, viewer);
      scanned += 1;
      cursor = cursorOf(row, query.sort);
      if (image && (!needle || image.filename.toLowerCase().includes(needle))) items.push(image);
    }
    if (rows.length < want) return { items, nextCursor: null };
  }
  return { items, nextCursor: cursor ? encodeCursor(query.sort, cursor) : null };
}

/** Own images carry private or public tag indexes (by visibility); public ones only the instance's. */
function tagIndexesFor(ports: ListingPorts, scope: "mine" | "public", viewer: Lister, raw: string): Buffer[] {
  const tag = raw.normalize("NFC").trim().toLowerCase();
  const publicKey = publicIndexKey(ports.keyring);
  const keys = scope === "mine" ? [privateIndexKey(ports.keyring, viewer!), publicKey] : [publicKey];
  return keys.map((key) => tagIndex(key, tag));
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
