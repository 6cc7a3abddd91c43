// Reading, changing and deleting images, with the access rules checked first.
import type { Keyring } from "../../crypto/master-key.ts";
import type { Clock } from "../clock.ts";
import { ok, type ErrorCode, type Result } from "../errors.ts";
import { canRead, findChangeable, findReadable, judgeChange, missing, missingDetail, type Viewer } from "./access.ts";
import type { PreviewSize } from "../previews/ports.ts";
import { openPreview, type PreviewContentPorts } from "../previews/preview-content.ts";
import { openImageContent } from "../previews/representation.ts";
import { guarded, type ImageContent } from "./content.ts";
import { nameKey, sanitizeFilename } from "./filenames.ts";
import type { BulkSelection, ImageChange, ListQuery } from "./input.ts";
import { indexKey, nameIndex, namespaceOf, ownerOf, tagIndex } from "./keys.ts";
import type { ListingPorts } from "./list-page.ts";
import { listImages } from "./listing.ts";
import { nameConflict } from "./name-claim.ts";
import { analysisTerms } from "../analysis/analysis-result.ts";
import { listDuplicates } from "../analysis/duplicate-listing.ts";
import { textTerms } from "./search-terms.ts";
import type { ImageBlobs, ImageRepository, ImageUpdate } from "./ports.ts";
import { describeImage, imageObject, type ImageObject, openImage } from "./view.ts";

export interface ImagePorts extends PreviewContentPorts, ListingPorts {
  readonly images: ImageRepository;
  readonly blobs: Pick<ImageBlobs, "open" | "delete">;
  readonly keyring: Keyring;
  readonly clock: Clock;
}

export interface BulkDeleteResult {
  deleted: string[];
  failed: { id: string; code: ErrorCode; detail: string }[];
}

/** The image routes' service: one function per route. */
export function imageService(ports: ImagePorts) {
  return {
    list: (viewer: { id: string; keySalt: Buffer } | undefined, query: ListQuery) => listImages(ports, viewer, query),
    get: (id: string, viewer: Viewer) => getImage(ports, id, viewer),
    duplicates: (viewer: { id: string }) => listDuplicates(ports, viewer),
    /** Opens the bytes this viewer gets (location privacy, SPEC §8) for reading (the caller closes them). */
    openContent: async (id: string, viewer: Viewer): Promise<Result<ImageContent>> => {
      const found = await findReadable(ports.images, id, viewer);
      return found.ok ? openImageContent(ports, found.value, viewer) : found;
    },
    /** Opens a preview, making it first if it is still pending (the caller closes the blob). */
    openPreview: async (id: string, viewer: Viewer, size: PreviewSize): Promise<Result<ImageContent>> => {
      const found = await findReadable(ports.images, id, viewer);
      return found.ok ? openPreview(ports, found.value, size, viewer) : found;
    },
    change: (id: string, viewer: Viewer, change: ImageChange) => changeImage(ports, id, viewer, change),
    delete: (id: string, viewer: Viewer) => deleteImage(ports, id, viewer),
    deleteMany: (viewer: { id: string }, selection: BulkSelection) => deleteImages(ports, viewer, selection),
  };
}

export type ImageService = ReturnType<typeof imageService>;

async function getImage(ports: ImagePorts, id: string, viewer: Viewer): Promise<Result<ImageObject>> {
  const found = await findReadable(ports.images, id, viewer);
  if (!found.ok) return found;
  return guarded(ports, id, () => describeImage(ports.keyring, found.value, viewer));
}

async function changeImage(ports: ImagePorts, id: string, viewer: Viewer, change: ImageChange): Promise<Result<ImageObject>> {
  const found = await findChangeable(ports.images, id, viewer);
  if (!found.ok) return found;
  const opened = guarded(ports, id, () => openImage(ports.keyring, found.value));
  if (!opened.ok) return opened;
  const { row, fields: current, sealer } = opened.value;

  let filename = current.filename;
  if (change.filename !== undefined) {
    const clean = sanitizeFilename(change.filename);
    if (!clean.ok) return clean;
    filename = clean.value;
  }
  const visibility = change.visibility ?? row.visibility;
  const tags = change.tags ?? current.tags;
  const description = change.description !== undefined ? change.description : current.description;
  const key = indexKey(ports.keyring, visibility, ownerOf(row));
  // Moving between namespaces re-keys every blind index, so they are all rewritten.
  const reindex = visibility !== row.visibility || change.filename !== undefined;
  const retag = visibility !== row.visibility || change.tags !== undefined;
  const update: ImageUpdate = {
    updatedAt: ports.clock.now(),
    ...(visibility !== row.visibility ? { visibility } : {}),
    ...(reindex ? { nameNamespace: namespaceOf(visibility, row.ownerId), nameIndex: nameIndex(key, nameKey(filename)) } : {}),
    ...(change.filename !== undefined ? { filenameEnc: sealer.filename(filename) } : {}),
    ...(change.tags !== undefined ? { tagsEnc: sealer.tags(tags) } : {}),
    ...(retag ? { tagIndexes: tags.map((t) => tagIndex(key, t)) } : {}),
    ...(change.description !== undefined ? { descriptionEnc: sealer.description(change.description) } : {}),
  };
  // The search terms cover name, description and tags under the namespace's key: any of them changing rewrites them.
  const reterm = reindex || retag || change.description !== undefined;
  const written = await ports.images.write(async (tx) => {
    const outcome = await tx.update(id, row.ownerId, update);
    if (outcome === "name_taken") return nameConflict(filename, visibility);
    if (outcome === "missing") return missing(id);
    if (reterm) await tx.replaceTerms(id, textTerms(key, { filename, description, tags }));
    // Labels and colours are keyed by the namespace too: a visibility change re-keys them.
    if (visibility !== row.visibility) await tx.replaceTerms(id, analysisTerms(key, current.analysis));
    return ok(undefined);
  });
  if (!written.ok) return written;
  // What was just written, in the clear: no second read, unwrap or decrypt.
  return ok(imageObject({ ...row, visibility, updatedAt: update.updatedAt }, { ...current, filename, tags, description }, viewer));
}

/** Row first, then blob: a crash in between leaves an orphan blob for fsck, never a row without one. */
async function deleteImage(ports: ImagePorts, id: string, viewer: Viewer): Promise<Result<void>> {
  // The owner-only condition of the delete is the access check, so the usual case needs no read
  // before it; the read only tells the other cases apart (404, or 401/403 on a public image).
  if (viewer && (await ports.images.removeOwned(viewer.id, id))) {
    await deleteBlobs(ports, [id]);
    return ok(undefined);
  }
  const found = await findChangeable(ports.images, id, viewer);
  return found.ok ? missing(id) : found;
}

async function deleteImages(ports: ImagePorts, viewer: { id: string }, selection: BulkSelection): Promise<BulkDeleteResult> {
  const removed = (ids: readonly string[] | "all") => ports.images.write(async (tx) => ok(await tx.remove(viewer.id, ids)));
  if ("all" in selection) {
    const deleted = await removed("all");
    const ids = deleted.ok ? deleted.value : [];
    await deleteBlobs(ports, ids);
    return { deleted: ids, failed: [] };
  }
  const ids = [...new Set(selection.ids)];
  const rows = new Map((await ports.images.findMany(ids)).map((r) => [r.id, r]));
  const failed: BulkDeleteResult["failed"] = [];
  const mine: string[] = [];
  for (const id of ids) {
    const row = rows.get(id);
    const judged = row && canRead(row, viewer) ? judgeChange(row, viewer) : missing(id);
    if (judged.ok) mine.push(id);
    else failed.push({ id, code: judged.error.code, detail: judged.error.detail });
  }
  const result = await removed(mine);
  const deleted = result.ok ? result.value : [];
  const gone = new Set(deleted);
  for (const id of mine) if (!gone.has(id)) failed.push({ id, code: "not_found", detail: missingDetail(id) });
  await deleteBlobs(ports, deleted);
  return { deleted, failed };
}

async function deleteBlobs(ports: Pick<ImagePorts, "blobs">, ids: readonly string[]): Promise<void> {
  for (const id of ids) await ports.blobs.delete(id);
}
