// What both ways of listing share (keyset pages from the database, and pages ordered in memory
// by date taken): their ports, scan bounds, time slicing, cursors and describing a row safely.
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

// A filename search decrypts every row it looks at, on the event loop (the SQLite driver is
// synchronous too): one request over 5,000 public rows took 0.28 s, and four anonymous clients
// pushed /healthz from 2 ms to 800 ms. So one request scans a bounded number of rows (fewer for
// anonymous callers, who cost nothing to multiply) and ends its page early with a cursor to go
// on from; and it yields to the event loop every few milliseconds, so other requests are
// served in between instead of after the whole scan.
export const MAX_SCANNED = { signedIn: 2000, anonymous: 500 } as const;
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
