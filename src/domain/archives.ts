// A selection of images as one zip: every image checked before the first byte, entries in a
// fixed order with stored sizes and CRC-32s, so the archive has a known length, the same
// bytes every time (a strong ETag) and any byte range can be served on its own.
import { createHash } from "node:crypto";
import { zipLayout, type ZipEntry, type ZipLayout } from "../archive/zip-layout.ts";
import { IntegrityError } from "../crypto/errors.ts";
import { findImages, findOwnedImages, type OwnedImageRow } from "../store/image-repository.ts";
import { uniqueEntryNames } from "./archive-names.ts";
import type { ImageDeps } from "./context.ts";
import { AppError, fail, ok, type Result } from "./errors.ts";
import { canRead, type Viewer } from "./image-access.ts";
import { MAX_BULK_IDS, type BulkSelection } from "./image-input.ts";
import { integrityFailure, openContent } from "./images.ts";
import { nameWithTypeExtension } from "./image-names.ts";
import { describeImage } from "./image-view.ts";

export const MAX_ARCHIVE_ENTRIES = MAX_BULK_IDS;
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

export async function openArchive(deps: ImageDeps, viewer: Viewer, selection: BulkSelection): Promise<Result<Archive>> {
  const rows = await selectRows(deps, viewer, selection);
  if (!rows.ok) return rows;
  const described: { row: OwnedImageRow; filename: string; crc32: number; sha256: string }[] = [];
  for (const row of rows.value) {
    try {
      const image = describeImage(deps.keyring, row);
      described.push({ row, filename: image.filename, crc32: image.crc32, sha256: image.sha256 });
    } catch (e) {
      if (e instanceof IntegrityError) return integrityFailure(deps, row.id, e);
      throw e;
    }
  }
  const names = uniqueEntryNames(described.map((d) => nameWithTypeExtension(d.filename, d.row.contentType)));
  const entries: ZipEntry[] = described.map((d, i) => ({ name: names[i]!, size: d.row.size, crc32: d.crc32, modified: d.row.createdAt }));
  const layout = zipLayout(entries);
  const etag = createHash("sha256")
    .update(JSON.stringify([LAYOUT_VERSION, described.map((d, i) => [d.row.id, d.sha256, entries[i]!.name, d.row.createdAt.getTime()])]))
    .digest("hex");
  const rowsInOrder = described.map((d) => d.row);
  return ok({
    layout,
    etag,
    filename: archiveFilename(deps.now(), entries.length, etag),
    read: (start, end) => readArchive(deps, layout, rowsInOrder, start, end),
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

async function selectRows(deps: ImageDeps, viewer: Viewer, selection: BulkSelection): Promise<Result<OwnedImageRow[]>> {
  if ("all" in selection) {
    if (!viewer) return fail("unauthorized", "an archive of all your images needs `Authorization: Bearer <token>`");
    const rows = await findOwnedImages(deps.db.orm, viewer.id, MAX_ARCHIVE_ENTRIES + 1);
    if (rows.length > MAX_ARCHIVE_ENTRIES) {
      return fail("validation_failed", `you have more than ${MAX_ARCHIVE_ENTRIES} images; select at most that many by id`, {
        errors: [{ field: "all", message: `more than ${MAX_ARCHIVE_ENTRIES} images` }],
      });
    }
    return ok(rows);
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
  const found = new Map((await findImages(deps.db.orm, selection.ids)).map((row) => [row.id, row]));
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
  deps: ImageDeps,
  layout: ZipLayout,
  rows: readonly OwnedImageRow[],
  start: number,
  endInclusive: number,
): AsyncGenerator<Uint8Array> {
  for (const slice of layout.slices(start, endInclusive)) {
    if (slice.kind === "bytes") {
      yield slice.bytes;
      continue;
    }
    // One blob open at a time; a consumer that stops (client gone) closes it via finally.
    const opened = await openContent(deps, rows[slice.entry]!);
    // Already logged with the image id; thrown, because the headers are out by now.
    if (!opened.ok) throw new AppError(opened.error.code, opened.error.detail);
    const { blob } = opened.value;
    try {
      yield* blob.readRange(slice.start, slice.endInclusive);
    } finally {
      await blob.close();
    }
  }
}
