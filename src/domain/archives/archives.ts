// A selection of images as one zip: every image checked before the first byte, entries in a
// fixed order with stored sizes and CRC-32s, so the archive has a known length, the same
// bytes every time (a strong ETag) and any byte range can be served on its own.
import { createHash } from "node:crypto";
import { zipLayout, type ZipEntry, type ZipLayout } from "../../archive/zip-layout.ts";
import type { Clock } from "../clock.ts";
import { AppError, fail, ok, type Result } from "../errors.ts";
import { canRead, type Viewer } from "../images/access.ts";
import { MAX_BULK_IDS, type ArchiveSelection } from "../images/input.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import type { ImageRepository, OwnedImage } from "../images/ports.ts";
import type { PreviewContentPorts } from "../previews/preview-content.ts";
import { type ChosenBytes, chooseBytes, factsOf, openChosen } from "../previews/representation.ts";
import { uniqueEntryNames } from "./entry-names.ts";

export interface ArchivePorts extends PreviewContentPorts {
  readonly images: Pick<ImageRepository, "find" | "findMany" | "findOwned">;
  readonly albums: Pick<AlbumRepository, "findOwned" | "images">;
  readonly clock: Clock;
}

/** The archive routes' service. */
export function archiveService(ports: ArchivePorts) {
  return {
    open: (viewer: Viewer, selection: ArchiveSelection) => openArchive(ports, viewer, selection),
    /** An album's zip for whoever holds its link (as anonymous: others' view, no location). */
    openRows: (rows: readonly OwnedImage[]) => archiveOf(ports, rows, undefined),
  };
}

export type ArchiveService = ReturnType<typeof archiveService>;

const MAX_ARCHIVE_ENTRIES = MAX_BULK_IDS;
// Bumped whenever the layout changes, so a client resuming with an old ETag starts over.
const LAYOUT_VERSION = "pixvault-zip-1";

export interface Archive {
  readonly layout: ZipLayout;
  /** Strong validator of these exact bytes. */
  readonly etag: string;
  readonly filename: string;
  /** Archive bytes start..endInclusive; decrypts only the segments the range overlaps. */
  read(start: number, endInclusive: number): AsyncGenerator<Uint8Array>;
}

async function openArchive(ports: ArchivePorts, viewer: Viewer, selection: ArchiveSelection): Promise<Result<Archive>> {
  const rows = await selectRows(ports, viewer, selection);
  if (!rows.ok) return rows;
  return archiveOf(ports, rows.value, viewer);
}

/** Too many images for one zip: the same refusal for all of one's images and for an album. */
const tooMany = (field: string, what: string) =>
  fail("validation_failed", `${what} more than ${MAX_ARCHIVE_ENTRIES} images; select at most that many by id`, {
    errors: [{ field, message: `more than ${MAX_ARCHIVE_ENTRIES} images` }],
  });

async function archiveOf(ports: ArchivePorts, rows: readonly OwnedImage[], viewer: Viewer): Promise<Result<Archive>> {
  if (rows.length > MAX_ARCHIVE_ENTRIES) return tooMany("album", "the album has");
  // Each entry's data key is unwrapped once, here, and its bytes chosen for this viewer (others'
  // images without their location, SPEC §8); their media jobs run side by side if still pending.
  const chosen: ChosenBytes[] = [];
  for (const result of await Promise.all(rows.map((row) => chooseBytes(ports, row, viewer)))) {
    if (!result.ok) return result;
    chosen.push(result.value);
  }
  const facts = chosen.map(factsOf);
  const names = uniqueEntryNames(facts.map((f) => f.filename));
  const entries: ZipEntry[] = chosen.map((c, i) => ({
    name: names[i]!,
    size: facts[i]!.size,
    crc32: facts[i]!.crc32,
    modified: c.opened.row.createdAt,
  }));
  const layout = zipLayout(entries);
  // The bytes' own digest per entry: an owner's zip keeps its ETag, another's differs with its copies.
  const etag = createHash("sha256")
    .update(
      JSON.stringify([
        LAYOUT_VERSION,
        chosen.map((c, i) => [c.opened.row.id, facts[i]!.sha256, entries[i]!.name, c.opened.row.createdAt.getTime()]),
      ]),
    )
    .digest("hex");
  return ok({
    layout,
    etag,
    filename: archiveFilename(ports.clock.now(), entries.length, etag),
    read: (start, end) => readArchive(ports, layout, chosen, start, end),
  });
}

/**
 * `pixvault-2026-12-04-12-images-3fa9c1d2.zip`: successive downloads of different selections
 * do not overwrite each other, and one selection keeps its name all day (the date is UTC, the
 * tail is the archive's own ETag), so a resumed download finds the file it started.
 */
function archiveFilename(now: Date, count: number, etag: string): string {
  return `pixvault-${now.toISOString().slice(0, 10)}-${count}-image${count === 1 ? "" : "s"}-${etag.slice(0, 8)}.zip`;
}

async function selectRows(ports: ArchivePorts, viewer: Viewer, selection: ArchiveSelection): Promise<Result<OwnedImage[]>> {
  if ("all" in selection) {
    if (!viewer) return fail("unauthorized", "an archive of all your images needs `Authorization: Bearer <token>`");
    const rows = await ports.images.findOwned(viewer.id, MAX_ARCHIVE_ENTRIES + 1);
    return rows.length > MAX_ARCHIVE_ENTRIES ? tooMany("all", "you have") : ok(rows);
  }
  if ("album" in selection) {
    // Another user's album is as unknown as one that never existed.
    const album = viewer ? await ports.albums.findOwned(selection.album, viewer.id) : undefined;
    if (!album) return fail("not_found", `no album ${JSON.stringify(selection.album)}`);
    return ok(await ports.albums.images(album.id, MAX_ARCHIVE_ENTRIES + 1));
  }
  const seen = new Set<string>();
  const duplicate = selection.ids.find((id) => {
    if (seen.has(id)) return true;
    seen.add(id);
    return false;
  });
  if (duplicate !== undefined) {
    return fail("validation_failed", `id ${JSON.stringify(duplicate)} is listed twice`, {
      errors: [{ field: "ids", message: `duplicate id ${duplicate}` }],
    });
  }
  const found = new Map((await ports.images.findMany(selection.ids)).map((row) => [row.id, row]));
  // Others' private images are as unknown as ids that never existed: one answer for both.
  const missing = selection.ids.filter((id) => {
    const row = found.get(id);
    return !row || !canRead(row, viewer);
  });
  if (missing.length > 0) {
    return fail("not_found", `${missing.length} of the selected images do not exist or are not yours to read`, { missing });
  }
  return ok(selection.ids.map((id) => found.get(id)!));
}

async function* readArchive(
  ports: ArchivePorts,
  layout: ZipLayout,
  entries: readonly ChosenBytes[],
  start: number,
  endInclusive: number,
): AsyncGenerator<Uint8Array> {
  for (const slice of layout.slices(start, endInclusive)) {
    if (slice.kind === "bytes") {
      yield slice.bytes;
      continue;
    }
    // One blob open at a time; a consumer that stops (client gone) closes it via finally.
    const opened = await openChosen(ports, entries[slice.entry]!);
    // Already logged with the image id; thrown, because the headers are out by now.
    if (!opened.ok) throw new AppError(opened.error.code, opened.error.detail);
    const blob = opened.value;
    try {
      yield* blob.readRange(slice.start, slice.endInclusive);
    } finally {
      await blob.close();
    }
  }
}
