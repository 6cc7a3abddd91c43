// fsck of one image's previews: when its job says they are ready, each preview blob must open
// under the image's data key and the commitment recorded for it, and hold exactly the bytes
// (length and sha256) the job recorded. Pending and failed images have none to check.
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { openStoredBlob } from "../../crypto/stored-blob.ts";
import { openImageKeys } from "../images/keys.ts";
import { type MediaResult, openMediaResult, type PreviewBlob } from "../previews/media-result.ts";
import { PREVIEW_SIZES, type PreviewSize, previewBlobId } from "../previews/ports.ts";
import { digestBlob } from "./blob-digest.ts";
import type { FsckProblem } from "./fsck.ts";
import type { StoredImage } from "./ports.ts";

interface PreviewDeps {
  readonly blobs: Parameters<typeof openStoredBlob>[0];
  readonly keyring: Keyring;
}

export async function verifyPreviews(deps: PreviewDeps, row: StoredImage): Promise<{ verified: number; problems: FsckProblem[] }> {
  if (row.mediaStatus !== "ready") return { verified: 0, problems: [] };
  const imageId = row.id;
  let keys: ReturnType<typeof openImageKeys>;
  try {
    keys = openImageKeys(deps.keyring, { id: row.ownerId, keySalt: row.ownerKeySalt }, imageId, row.wrappedKey);
  } catch {
    return { verified: 0, problems: [] }; // the original's check reports a key that does not unwrap
  }
  let result: MediaResult;
  try {
    if (!row.mediaResultEnc) throw new TypeError("it is missing");
    result = openMediaResult(keys.metadata, row.mediaResultEnc);
  } catch (e) {
    const detail = `the record of the previews does not open: ${e instanceof Error ? e.message : String(e)}`;
    return { verified: 0, problems: [{ kind: "damaged_preview", imageId, detail }] };
  }
  const problems: FsckProblem[] = [];
  for (const size of PREVIEW_SIZES) {
    const problem = await verifyPreview(deps, imageId, size, keys.dataKey, result[size]);
    if (problem) problems.push(problem);
  }
  return { verified: PREVIEW_SIZES.length - problems.length, problems };
}

async function verifyPreview(
  deps: PreviewDeps,
  imageId: string,
  size: PreviewSize,
  dataKey: Buffer,
  recorded: PreviewBlob,
): Promise<FsckProblem | undefined> {
  const blobId = previewBlobId(imageId, size);
  const damaged = (why: string): FsckProblem => ({ kind: "damaged_preview", imageId, detail: `the ${size} preview ${why}` });
  let blob;
  try {
    blob = await openStoredBlob(deps.blobs, blobId, { dataKey, commitment: Buffer.from(recorded.commitment, "base64") });
  } catch (e) {
    if (e instanceof IntegrityError) return damaged(`fails authentication: ${e.reason}`);
    throw e;
  }
  if (!blob) return { kind: "missing_preview", imageId, detail: `the ${size} preview blob is missing` };
  try {
    if (blob.plaintextLength !== recorded.size) return damaged(`holds ${blob.plaintextLength} bytes, its record says ${recorded.size}`);
    const read = await digestBlob(blob);
    if (!read.ok) return damaged(`fails authentication after byte ${read.offset}: ${read.reason}`);
    if (read.sha256 !== recorded.sha256) return damaged("decrypts, but its sha256 differs from its record");
    return undefined;
  } finally {
    await blob.close();
  }
}
