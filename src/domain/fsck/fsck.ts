// fsck: every image row against its blob, every segment authenticated, sizes and digests
// compared, and its previews against the job's record; then every file on disk against the
// rows. --repair removes only what no row points to (orphan blobs and previews, leftover temp
// files): a row whose blob is unreadable is reported, never deleted, because the operator may
// still restore that blob from a backup. Damaged previews are made again instead.
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { openStoredBlob } from "../../crypto/stored-blob.ts";
import type { Clock } from "../clock.ts";
import { openImageKeys } from "../images/keys.ts";
import { imageIdOfBlob, type MediaJobRepository } from "../previews/ports.ts";
import { uploadIdOfPart } from "../resumable-uploads/parts.ts";
import { digestBlob } from "./blob-digest.ts";
import { verifyPreviews } from "./previews.ts";
import type { BlobFile, BlobFiles, ImageInventory, StoredImage } from "./ports.ts";

type FsckProblemKind =
  | "unreadable_key" // the wrapped data key does not unwrap (wrong or missing master key version)
  | "unreadable_metadata" // a sealed field of the row fails authentication
  | "missing_blob" // a row without its blob
  | "integrity" // the blob fails authentication (which segment, when known)
  | "size_mismatch" // the blob's plaintext length differs from the row
  | "digest_mismatch" // decrypts fine but is not the image the row describes
  | "missing_preview" // a ready image without one of its preview blobs
  | "damaged_preview" // a preview blob (or its record) fails authentication or differs from its record
  | "orphan_blob" // a blob without a row
  | "temp_file"; // an upload's temp file that never committed

export interface FsckProblem {
  readonly kind: FsckProblemKind;
  readonly imageId?: string;
  readonly path?: string;
  readonly detail: string;
  /** Removed by this run (--repair); for a preview: queued to be made again. */
  readonly repaired?: boolean;
}

export interface FsckProgress {
  readonly images: number;
  readonly totalImages: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface FsckOptions {
  readonly repair: boolean;
  /** Files younger than this may belong to an upload in flight on a running server: left alone. */
  readonly graceMs: number;
  readonly onProgress?: (progress: FsckProgress) => void;
  readonly onProblem?: (problem: FsckProblem) => void;
}

export interface FsckReport {
  readonly images: number;
  readonly bytesVerified: number;
  /** Preview blobs read and found as their image's job recorded them. */
  readonly previewsVerified: number;
  readonly seconds: number;
  readonly problems: readonly FsckProblem[];
  /** Orphans and temp files too young to judge. */
  readonly skippedYoung: number;
}

export interface FsckDeps {
  readonly images: ImageInventory;
  /** undefined (blobs in a bucket): every row is still verified; no file walk. */
  readonly files: BlobFiles | undefined;
  readonly blobs: Parameters<typeof openStoredBlob>[0];
  /** --repair queues an image whose previews are damaged to be made again. */
  readonly jobs: Pick<MediaJobRepository, "requeueImage">;
  readonly keyring: Keyring;
  readonly clock: Clock;
}

export async function fsck(deps: FsckDeps, options: FsckOptions): Promise<FsckReport> {
  const started = performance.now();
  const problems: FsckProblem[] = [];
  const report = (problem: FsckProblem) => {
    problems.push(problem);
    options.onProblem?.(problem);
  };
  const totals = await deps.images.totals();
  const rowIds = new Set<string>();
  let images = 0;
  let bytes = 0;
  let previews = 0;
  for await (const row of deps.images.all()) {
    rowIds.add(row.id);
    const problem = await verifyImage(deps, row);
    if (problem) report(problem);
    else bytes += row.size;
    const checked = await verifyPreviews(deps, row);
    previews += checked.verified;
    if (checked.problems.length > 0) {
      // The original is intact (or restorable): its previews can always be made again from it.
      const requeued = options.repair && (await deps.jobs.requeueImage(row.id, deps.clock.now()));
      for (const p of checked.problems) report(requeued ? { ...p, repaired: true } : p);
    }
    images += 1;
    options.onProgress?.({ images, totalImages: Math.max(totals.images, images), bytes, totalBytes: totals.bytes });
  }

  let skippedYoung = 0;
  const oldEnough = (file: BlobFile) => deps.clock.now().getTime() - file.modifiedMs >= options.graceMs;
  const strays: { file: BlobFile; kind: "orphan_blob" | "temp_file" }[] = [];
  if (deps.files !== undefined) {
    for await (const file of deps.files.stored()) {
      if (!rowIds.has(ownerOf(file))) strays.push({ file, kind: "orphan_blob" });
    }
    for await (const file of deps.files.temp()) strays.push({ file, kind: "temp_file" });
  }
  for (const { file, kind } of strays) {
    if (!oldEnough(file)) {
      skippedYoung += 1;
      continue;
    }
    // Another look right before removing: a row may have committed since the table was read.
    const claimed = kind === "orphan_blob" && (await deps.images.exists(ownerOf(file)));
    if (claimed) continue;
    if (options.repair) await deps.files?.remove(file);
    const what =
      kind === "temp_file"
        ? "an upload's temp file that never committed"
        : uploadIdOfPart(file.name) !== undefined
          ? "a part of a resumable upload that is gone"
          : imageIdOfBlob(file.name) === undefined
            ? "a blob without an image row"
            : "a preview blob without an image row";
    report({ kind, path: file.path, detail: `${what} (${file.size} bytes)`, ...(options.repair ? { repaired: true } : {}) });
  }
  return {
    images,
    bytesVerified: bytes,
    previewsVerified: previews,
    seconds: (performance.now() - started) / 1000,
    problems,
    skippedYoung,
  };
}

/**
 * The row a stored file belongs to: its own id, the image id its preview's name carries, or the
 * resumable upload its part's name carries (exists() looks for both kinds of row).
 */
const ownerOf = (file: BlobFile): string => imageIdOfBlob(file.name) ?? uploadIdOfPart(file.name) ?? file.name;

/** Reads the whole image through the same authenticated reader the server uses. */
async function verifyImage(deps: FsckDeps, row: StoredImage): Promise<FsckProblem | undefined> {
  const imageId = row.id;
  let keys: ReturnType<typeof openImageKeys>;
  try {
    keys = openImageKeys(deps.keyring, { id: row.ownerId, keySalt: row.ownerKeySalt }, row.id, row.wrappedKey);
  } catch (e) {
    return { kind: "unreadable_key", imageId, detail: `the data key does not unwrap: ${messageOf(e)}` };
  }
  let digest: { sha256: string; crc32: number };
  try {
    digest = keys.metadata.openDigest(row.digestEnc);
    keys.metadata.openFilename(row.filenameEnc);
    keys.metadata.openTags(row.tagsEnc);
    keys.metadata.openDescription(row.descriptionEnc);
  } catch (e) {
    return { kind: "unreadable_metadata", imageId, detail: `a sealed field fails authentication: ${messageOf(e)}` };
  }
  let blob;
  try {
    blob = await openStoredBlob(deps.blobs, imageId, { dataKey: keys.dataKey, commitment: row.blobCommitment });
  } catch (e) {
    if (e instanceof IntegrityError) return { kind: "integrity", imageId, detail: `the blob fails authentication: ${e.reason}` };
    throw e;
  }
  if (!blob) return { kind: "missing_blob", imageId, detail: "the row has no blob" };
  try {
    if (blob.plaintextLength !== row.size) {
      return { kind: "size_mismatch", imageId, detail: `the blob holds ${blob.plaintextLength} bytes, the row says ${row.size}` };
    }
    const read = await digestBlob(blob);
    if (!read.ok) return { kind: "integrity", imageId, detail: `the blob fails authentication after byte ${read.offset}: ${read.reason}` };
    if (read.sha256 !== digest.sha256 || read.crc32 !== digest.crc32 >>> 0) {
      return { kind: "digest_mismatch", imageId, detail: "the blob decrypts, but its sha256 differs from the row's" };
    }
    return undefined;
  } finally {
    await blob.close();
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
