// Opening an image's preview for reading: made on demand when still pending, answered with
// its own type, length and strong ETag, under the same access rules as the original.
import type { DecryptedBlob } from "../../crypto/stored-blob.ts";
import { fail, ok, type Result } from "../errors.ts";
import { missing, type Viewer } from "../images/access.ts";
import { type ContentPorts, guarded, type ImageContent, openImageBlob } from "../images/content.ts";
import { nameWithTypeExtension, withoutExtension } from "../images/filenames.ts";
import type { OwnedImage } from "../images/ports.ts";
import { imageObject, openImage } from "../images/view.ts";
import type { PreviewJobs } from "./jobs.ts";
import { openMediaResult, type PreviewBlob } from "./media-result.ts";
import { type PreviewSize, previewBlobId } from "./ports.ts";

export interface PreviewContentPorts extends ContentPorts {
  readonly previews: Pick<PreviewJobs, "ensure">;
}

/** The preview of a row the caller may read (the caller closes the blob). */
export async function openPreview(
  ports: PreviewContentPorts,
  found: OwnedImage,
  size: PreviewSize,
  viewer: Viewer,
): Promise<Result<ImageContent>> {
  const settled = await withJobDone(ports, found);
  if (!settled.ok) return settled;
  const row = settled.value;
  if (row.mediaStatus !== "ready" || !row.mediaResultEnc) return unavailable(row, size);
  const current = row;
  const opened = guarded(ports, row.id, () => {
    const image = openImage(ports.keyring, current);
    return { image, result: openMediaResult(image.sealer, current.mediaResultEnc!) };
  });
  if (!opened.ok) return opened;
  const { image, result } = opened.value;
  const preview = result[size];
  const blob = await openPreviewBlob(ports, row.id, size, image.dataKey, preview);
  if (!blob.ok) return blob;
  const object = imageObject(row, image.fields, viewer);
  return ok({
    image: object,
    blob: blob.value,
    etag: preview.sha256,
    contentType: preview.contentType,
    filename: nameWithTypeExtension(`${withoutExtension(object.filename)}.${size}`, preview.contentType),
    sameForEveryone: true,
  });
}

/** The row once its media job is no longer pending (made now if need be), or as it stands when that takes too long. */
export async function withJobDone(ports: PreviewContentPorts, found: OwnedImage): Promise<Result<OwnedImage>> {
  if (found.mediaStatus === "ready" || found.mediaStatus === "failed") return ok(found);
  await ports.previews.ensure(found.id);
  const row = await ports.images.find(found.id);
  return row ? ok(row) : missing(found.id);
}

/** A preview's blob, checked against what the media result says of it (the caller closes it). */
export function openPreviewBlob(
  ports: ContentPorts,
  imageId: string,
  size: PreviewSize,
  dataKey: Buffer,
  preview: PreviewBlob,
): Promise<Result<DecryptedBlob>> {
  return openImageBlob(ports, imageId, {
    blobId: previewBlobId(imageId, size),
    dataKey,
    commitment: Buffer.from(preview.commitment, "base64"),
    size: preview.size,
  });
}

function unavailable(row: OwnedImage, size: PreviewSize): Result<never> {
  const why = row.mediaStatus === "failed" ? (row.mediaReason ?? "undecodable") : "still being made";
  return fail("preview_unavailable", `image ${row.id} has no ${size} preview (${why}); its original is still available`, {
    reason: why,
  });
}
