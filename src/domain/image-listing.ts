// Listing images: scope, filters and keyset cursors. Filename search runs on decrypted
// names (the database holds only ciphertext), scanning pages until enough rows match.
import { IntegrityError } from "../crypto/errors.ts";
import { listImageRows, type ImageCursor, type ImageFilter, type ImageSort, type OwnedImageRow } from "../store/image-repository.ts";
import type { ImageDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import type { Viewer } from "./image-access.ts";
import { privateIndexKey, publicIndexKey, tagIndex } from "./image-crypto.ts";
import type { ListQuery } from "./image-input.ts";
import { integrityFailure } from "./images.ts";
import { describeImage, type ImageObject, publicImage } from "./image-view.ts";
import type { UserRow } from "../store/user-repository.ts";

export interface ImagePage {
  items: ImageObject[];
  nextCursor: string | null;
}

// Bounds the work of one filename search request; the cursor lets the client go on.
const MAX_SCANNED_PER_REQUEST = 5000;

export async function listImages(deps: ImageDeps, viewer: UserRow | undefined, query: ListQuery): Promise<Result<ImagePage>> {
  const scope = query.scope ?? (viewer ? "mine" : "public");
  if (scope === "mine" && !viewer) return fail("unauthorized", "scope=mine needs `Authorization: Bearer <token>`; use scope=public to browse public images");
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
  if (after === null) return invalid("cursor", "is not a cursor of this listing (it encodes another sort order or was altered)");
  const contentType = query.type === undefined ? undefined : normaliseType(query.type);
  if (contentType === null) return invalid("type", "must be an image type such as png, jpeg or image/webp");

  const filter: ImageFilter = {
    ...(scope === "mine" ? { ownerId: viewer!.id, ...(query.visibility ? { visibility: query.visibility } : {}) } : { visibility: "public" }),
    ...(contentType ? { contentType } : {}),
    ...(query.tag !== undefined ? { tagIndexes: tagIndexesFor(deps, scope, viewer, query.tag) } : {}),
  };
  if (scope === "public" && query.visibility === "private") return ok({ items: [], nextCursor: null });
  const needle = query.q?.normalize("NFC").toLowerCase();

  const items: ImageObject[] = [];
  let cursor = after;
  let scanned = 0;
  while (items.length < query.limit && scanned < MAX_SCANNED_PER_REQUEST) {
    const want = needle ? Math.min(200, MAX_SCANNED_PER_REQUEST - scanned) : query.limit - items.length + 1;
    const rows = await listImageRows(deps.db.orm, filter, query.sort, cursor, want);
    if (rows.length === 0) return ok({ items, nextCursor: null });
    for (const row of rows) {
      if (items.length === query.limit) return ok({ items, nextCursor: encodeCursor(query.sort, cursor!) });
      const image = describe(deps, row);
      if (!image.ok) return image;
      scanned += 1;
      cursor = cursorOf(row, query.sort);
      if (!needle || image.value.filename.toLowerCase().includes(needle)) items.push(image.value);
    }
    if (rows.length < want) return ok({ items, nextCursor: null });
  }
  return ok({ items, nextCursor: cursor ? encodeCursor(query.sort, cursor) : null });
}

function describe(deps: ImageDeps, row: OwnedImageRow): Result<ImageObject> {
  try {
    return ok(publicImage(describeImage(deps.keyring, row)));
  } catch (e) {
    if (e instanceof IntegrityError) return integrityFailure(deps, row.id, e);
    throw e;
  }
}

/** Own images carry private or public tag indexes (by visibility); public ones only the instance's. */
function tagIndexesFor(deps: ImageDeps, scope: "mine" | "public", viewer: UserRow | undefined, raw: string): Buffer[] {
  const tag = raw.normalize("NFC").trim().toLowerCase();
  const publicKey = publicIndexKey(deps.keyring);
  const keys = scope === "mine" ? [privateIndexKey(deps.keyring, viewer!), publicKey] : [publicKey];
  return keys.map((key) => tagIndex(key, tag));
}

function cursorOf(row: OwnedImageRow, sort: ImageSort): ImageCursor {
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

const TYPE_ALIASES: Record<string, string> = { jpg: "image/jpeg", tif: "image/tiff", heif: "image/heif", heic: "image/heic" };

function normaliseType(raw: string): string | null {
  const t = raw.trim().toLowerCase();
  if (/^image\/[a-z0-9.+-]+$/.test(t)) return t;
  if (/^[a-z0-9]+$/.test(t)) return TYPE_ALIASES[t] ?? `image/${t}`;
  return null;
}

function invalid(field: string, message: string): Result<never> {
  return fail("validation_failed", `${field} ${message}`, { errors: [{ field, message }] });
}
