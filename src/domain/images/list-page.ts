// What both ways of listing share (keyset pages from the database, and pages ordered in memory by
// date taken): their ports, the bound on rows decrypted and not returned, time slicing, cursors
// and describing a row safely.
import type { AlbumRepository } from "../albums/ports.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { guarded, type IntegrityReport } from "./content.ts";
import type { ImageCursor, ImageRepository, ImageSort, OwnedImage } from "./ports.ts";
import type { TakenDates } from "./taken-dates.ts";
import { describeImage, type ImageObject } from "./view.ts";

export interface ListingPorts extends IntegrityReport {
  readonly images: Pick<ImageRepository, "list">;
  /** `album=` lists one of the viewer's albums. */
  readonly albums: Pick<AlbumRepository, "findOwned">;
  readonly keyring: Keyring;
  /** Dates taken already opened, so paging by date taken does not decrypt every image again. */
  readonly takenDates: TakenDates;
}

/** Who lists: a signed-in user (whose private tag indexes count too), or nobody. */
export type Lister = { readonly id: string; readonly keySalt: Buffer } | undefined;

/** The sort orders of the API: the database's, and date taken (ordered in the domain: it is sealed). */
export type ListSort = ImageSort | "taken";

export interface ImagePage {
  items: ImageObject[];
  nextCursor: string | null;
}

// Every row a listing looks at is decrypted, on the event loop (the SQLite driver is synchronous
// too): ~56 µs a row (one request over 5,000 public rows took 0.28 s). A search reads only the
// candidates of the search index, but a candidate may still not confirm (a trigram match is not
// a substring match), and a 1–2 character search has no index to narrow it. So a request
// decrypts at most this many rows it does not return (fewer for anonymous callers, who cost
// nothing to multiply), then ends its page early with a cursor to go on from (SPEC §9; README
// "Search"); and it yields to the event loop every few milliseconds.
export const MAX_UNRETURNED = { signedIn: 200, anonymous: 50 } as const;
const SLICE_MS = 5;

/**
 * Yields once SLICE_MS of work has gone by since the last yield (else resolves at once):
 * setImmediate runs after the I/O callbacks of this loop turn, so waiting requests go first.
 */
export function timeSlicer(): () => Promise<void> {
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
export function describeListed(ports: ListingPorts, row: OwnedImage, viewer: Lister): ImageObject | undefined {
  const described = guarded(ports, row.id, () => describeImage(ports.keyring, row, viewer));
  return described.ok ? described.value : undefined;
}

/** Opaque to clients: the sort order, the last row's sort value and its id (which breaks ties). */
export function encodeCursor(sort: ListSort, cursor: ImageCursor): string {
  return Buffer.from(JSON.stringify([sort, cursor.value, cursor.id])).toString("base64url");
}

/** undefined: no cursor; null: a cursor that is not ours (or of another sort order). */
export function decodeCursor(text: string, sort: ListSort): ImageCursor | null {
  try {
    const [s, value, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if (s !== sort || !Number.isSafeInteger(value) || typeof id !== "string" || id.length > 64) return null;
    return { value: value as number, id };
  } catch {
    return null;
  }
}
