// Reading, changing and deleting images, with the access rules checked first.
import { IntegrityError } from "../crypto/errors.ts";
import { type DecryptedBlob, openStoredBlob } from "../crypto/stored-blob.ts";
import { deleteImageRows, findImages, updateImage, type ImageChange as RowChange, type OwnedImageRow } from "../store/image-repository.ts";
import type { ImageDeps } from "./context.ts";
import { AppError, fail, ok, type ErrorCode, type Result } from "./errors.ts";
import { canRead, findChangeable, findReadable, judgeChange, type Viewer } from "./image-access.ts";
import { indexKey, nameIndex, namespaceOf, openImageKeys, tagIndex } from "./image-crypto.ts";
import type { BulkSelection, ImageChange } from "./image-input.ts";
import { nameKey, sanitizeFilename } from "./image-names.ts";
import { nameConflict } from "./image-naming.ts";
import { describeImage, type ImageObject, publicImage } from "./image-view.ts";
import type { UserRow } from "../store/user-repository.ts";

/** Logs the image id and reason; the client only learns that stored data failed authentication. */
export function integrityFailure(deps: Pick<ImageDeps, "logger" | "events">, imageId: string, error: IntegrityError): Result<never> {
  deps.logger.error("integrity error", { imageId, reason: error.reason, message: error.message });
  deps.events?.integrityError();
  return fail("integrity_error", `stored data of image ${imageId} failed authentication; the operator should run pixvault fsck`);
}

function guarded<T>(deps: ImageDeps, imageId: string, work: () => T): Result<T> {
  try {
    return ok(work());
  } catch (e) {
    if (e instanceof IntegrityError) return integrityFailure(deps, imageId, e);
    throw e;
  }
}

export async function getImage(deps: ImageDeps, id: string, viewer: Viewer): Promise<Result<ImageObject>> {
  const found = await findReadable(deps.db, id, viewer);
  if (!found.ok) return found;
  return guarded(deps, id, () => publicImage(describeImage(deps.keyring, found.value)));
}

export interface ImageContent {
  readonly image: ImageObject;
  readonly blob: DecryptedBlob;
}

/** Opens the blob for reading (the caller closes it). The final segment is authenticated here. */
export async function openImageContent(deps: ImageDeps, id: string, viewer: Viewer): Promise<Result<ImageContent>> {
  const found = await findReadable(deps.db, id, viewer);
  if (!found.ok) return found;
  return openContent(deps, found.value);
}

export async function openContent(deps: ImageDeps, row: OwnedImageRow): Promise<Result<ImageContent>> {
  try {
    const image = publicImage(describeImage(deps.keyring, row));
    const { dataKey } = openImageKeys(deps.keyring, { id: row.ownerId, keySalt: row.ownerKeySalt }, row.id, row.wrappedKey);
    const blob = await openStoredBlob(deps.blobs, row.id, { dataKey, commitment: row.blobCommitment });
    if (!blob) {
      // Deleted since its row was read (a delete removes the row, then the blob): gone, not corrupt.
      if ((await findImages(deps.db.orm, [row.id])).length === 0) return fail("not_found", `no image ${JSON.stringify(row.id)}`);
      throw new IntegrityError("malformed", "blob (missing)");
    }
    if (blob.plaintextLength !== row.size) {
      await blob.close();
      throw new IntegrityError("malformed", "blob (length differs from the row)");
    }
    return ok({ image, blob: failingAsIntegrityError(deps, row.id, blob) });
  } catch (e) {
    if (e instanceof IntegrityError) return integrityFailure(deps, row.id, e);
    throw e;
  }
}

/**
 * Only the final segment is verified at open; any other one can fail while a body is read.
 * That failure is a value nobody can return any more (the reader is a generator consumed by
 * the HTTP layer), so it is logged with the image id and thrown as integrity_error, never as
 * an anonymous internal error.
 */
function failingAsIntegrityError(deps: ImageDeps, imageId: string, blob: DecryptedBlob): DecryptedBlob {
  async function* guard(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks;
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      const failure = integrityFailure(deps, imageId, e);
      throw failure.ok ? e : new AppError(failure.error.code, failure.error.detail);
    }
  }
  const close = () => blob.close();
  return {
    plaintextLength: blob.plaintextLength,
    segmentSize: blob.segmentSize,
    readRange: (start, endInclusive) => guard(blob.readRange(start, endInclusive)),
    readAll: () => guard(blob.readAll()),
    close,
    [Symbol.asyncDispose]: close,
  };
}

export async function changeImage(deps: ImageDeps, id: string, viewer: Viewer, change: ImageChange): Promise<Result<ImageObject>> {
  const found = await findChangeable(deps.db, id, viewer);
  if (!found.ok) return found;
  const row = found.value;
  const opened = guarded(deps, id, () => ({
    current: describeImage(deps.keyring, row),
    sealer: openImageKeys(deps.keyring, { id: row.ownerId, keySalt: row.ownerKeySalt }, row.id, row.wrappedKey).metadata,
  }));
  if (!opened.ok) return opened;
  const { current, sealer } = opened.value;

  let filename = current.filename;
  if (change.filename !== undefined) {
    const clean = sanitizeFilename(change.filename);
    if (!clean.ok) return clean;
    filename = clean.value;
  }
  const visibility = change.visibility ?? row.visibility;
  const tags = change.tags ?? current.tags;
  const owner = { id: row.ownerId, keySalt: row.ownerKeySalt };
  const key = indexKey(deps.keyring, visibility, owner);
  // Moving between namespaces re-keys every blind index, so they are all rewritten.
  const reindex = visibility !== row.visibility || change.filename !== undefined;
  const retag = visibility !== row.visibility || change.tags !== undefined;
  const rowChange: RowChange = {
    updatedAt: deps.now(),
    ...(visibility !== row.visibility ? { visibility } : {}),
    ...(reindex ? { nameNamespace: namespaceOf(visibility, row.ownerId), nameIndex: nameIndex(key, nameKey(filename)) } : {}),
    ...(change.filename !== undefined ? { filenameEnc: sealer.filename(filename) } : {}),
    ...(change.tags !== undefined ? { tagsEnc: sealer.tags(tags) } : {}),
    ...(retag ? { tagIndexes: tags.map((t) => tagIndex(key, t)) } : {}),
    ...(change.description !== undefined ? { descriptionEnc: sealer.description(change.description) } : {}),
  };
  const outcome = await updateImage(deps.db.client, id, owner.id, rowChange);
  if (outcome === "name_taken") return nameConflict(filename, visibility);
  if (outcome === "missing") return fail("not_found", `no image ${JSON.stringify(id)}`);
  return getImage(deps, id, viewer);
}

/** Row first, then blob: a crash in between leaves an orphan blob for fsck, never a row without one. */
export async function deleteImage(deps: ImageDeps, id: string, viewer: Viewer): Promise<Result<void>> {
  const found = await findChangeable(deps.db, id, viewer);
  if (!found.ok) return found;
  const deleted = await deleteImageRows(deps.db.orm, found.value.ownerId, [id]);
  for (const gone of deleted) await deps.blobs.delete(gone);
  return deleted.length > 0 ? ok(undefined) : fail("not_found", `no image ${JSON.stringify(id)}`);
}

export interface BulkDeleteResult {
  deleted: string[];
  failed: { id: string; code: ErrorCode; detail: string }[];
}

export async function deleteImages(deps: ImageDeps, viewer: UserRow, selection: BulkSelection): Promise<BulkDeleteResult> {
  if ("all" in selection) {
    const deleted = await deleteImageRows(deps.db.orm, viewer.id, "all");
    await deleteBlobs(deps, deleted);
    return { deleted, failed: [] };
  }
  const ids = [...new Set(selection.ids)];
  const rows = new Map((await findImages(deps.db.orm, ids)).map((r) => [r.id, r]));
  const failed: BulkDeleteResult["failed"] = [];
  const mine: string[] = [];
  for (const id of ids) {
    const row = rows.get(id);
    const judged = row && canRead(row, viewer) ? judgeChange(row, viewer) : fail("not_found", `no image ${JSON.stringify(id)}`);
    if (judged.ok) mine.push(id);
    else failed.push({ id, code: judged.error.code, detail: judged.error.detail });
  }
  const deleted = await deleteImageRows(deps.db.orm, viewer.id, mine);
  const gone = new Set(deleted);
  for (const id of mine) if (!gone.has(id)) failed.push({ id, code: "not_found", detail: `no image ${JSON.stringify(id)}` });
  await deleteBlobs(deps, deleted);
  return { deleted, failed };
}

async function deleteBlobs(deps: ImageDeps, ids: readonly string[]): Promise<void> {
  for (const id of ids) await deps.blobs.delete(id);
}
