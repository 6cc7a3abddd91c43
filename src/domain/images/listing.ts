// Listing images: scope, filters and keyset cursors. Filename search runs on decrypted
// names (the database holds only ciphertext), scanning pages until enough rows match or the
// request's scan bound is reached (then the page ends early, with a nextCursor).
import type { Keyring } from "../../crypto/master-key.ts";
import { ACCEPTED_IMAGE_TYPES } from "../../media/image-types.ts";
import { fail, ok, type Result } from "../errors.ts";
import { guarded, type IntegrityReport } from "./content.ts";
import type { ListQuery } from "./input.ts";
import { privateIndexKey, publicIndexKey, tagIndex } from "./keys.ts";
import type { ImageCursor, ImageFilter, ImageRepository, ImageSort, OwnedImage } from "./ports.ts";
import { describeImage, type ImageObject } from "./view.ts";

export interface ListingPorts extends IntegrityReport {
  readonly images: Pick<ImageRepository, "list">;
  readonly keyring: Keyring;
}

/** Who lists: a signed-in user (whose private tag indexes count too), or nobody. */
type Lister = { readonly id: string; readonly keySalt: Buffer } | undefined;

export interface ImagePage {
  items: ImageObject[];
  nextCursor: string | null;
}

// A filename search decrypts every row it looks at, on the event loop (the SQLite driver is
// synchronous too): one request over 5,000 public rows took 0.28 s, and four anonymous clients
// pushed /healthz from 2 ms to 800 ms. So one request scans a bounded number of rows (fewer for
// anonymous callers, who cost nothing to multiply) and ends its page early with a cursor to go
// on from; and it yields to the event loop every few milliseconds, so other requests are
// served in between instead of after the whole scan.
const MAX_SCANNED = { signedIn: 2000, anonymous: 500 } as const;
const SCAN_CHUNK = 100;
const SLICE_MS = 5;

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

  const filter: ImageFilter = {
    ...(scope === "mine"
      ? { ownerId: viewer!.id, ...(query.visibility ? { visibility: query.visibility } : {}) }
      : { visibility: "public" }),
    ...(contentTypes ? { contentTypes } : {}),
    ...(query.tag?.trim() ? { tagIndexes: tagIndexesFor(ports, scope, viewer, query.tag) } : {}),
  };
  if (scope === "public" && query.visibility === "private") return ok({ items: [], nextCursor: null });
  const needle = query.q?.normalize("NFC").toLowerCase();

  const items: ImageObject[] = [];
  const maxScanned = viewer ? MAX_SCANNED.signedIn : MAX_SCANNED.anonymous;
  let cursor = after;
  let scanned = 0;
  const breathe = timeSlicer();
  while (items.length < query.limit && scanned < maxScanned) {
    await breathe();
    const want = needle ? Math.min(SCAN_CHUNK, maxScanned - scanned) : query.limit - items.length + 1;
    const rows = await ports.images.list(filter, query.sort, cursor, want);
    if (rows.length === 0) return ok({ items, nextCursor: null });
    for (const row of rows) {
      if (items.length === query.limit) return ok({ items, nextCursor: encodeCursor(query.sort, cursor!) });
      await breathe();
      const image = describe(ports, row, viewer);
      scanned += 1;
      cursor = cursorOf(row, query.sort);
      if (image && (!needle || image.filename.toLowerCase().includes(needle))) items.push(image);
    }
    if (rows.length < want) return ok({ items, nextCursor: null });
  }
  return ok({ items, nextCursor: cursor ? encodeCursor(query.sort, cursor) : null });
}

/**
 * Yields once SLICE_MS of work has gone by since the last yield (else resolves at once):
 * setImmediate runs after the I/O callbacks of this loop turn, so waiting requests go first.
 */
function timeSlicer(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

/**
 * A row whose sealed metadata fails to open is logged and left out: one damaged row must
 * not take down a listing (the public one is everyone's). Reading it directly still says
 * integrity_error, and fsck reports it.
 */
function describe(ports: ListingPorts, row: OwnedImage, viewer: Lister): ImageObject | undefined {
  const described = guarded(ports, row.id, () => describeImage(ports.keyring, row, viewer));
  return described.ok ? described.value : undefined;
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

function encodeCursor(sort: ImageSort, cursor: ImageCursor): string {
  return Buffer.from(JSON.stringify([sort, cursor.value, cursor.id])).toString("base64url");
}

/** undefined: no cursor; null: a cursor that is not ours (or of another sort order). */
function decodeCursor(text: string, sort: ImageSort): ImageCursor | null {
  try {
    const [s, value, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if (s !== sort || !Number.isSafeInteger(value) || typeof id !== "string" || id.length > 64) return null;
    return { value: value as number, id };
  } catch {
    return null;
  }
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
