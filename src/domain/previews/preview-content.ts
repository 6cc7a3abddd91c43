// Opening an image's preview for reading: made on demand when still pending, answered with
// its own type, length and strong ETag, under the same access rules as the original.
import { fail, ok, type Result } from "../errors.ts";
import { missing, type Viewer } from "../images/access.ts";
import { type ContentPorts, guarded, type ImageContent, openImageBlob } from "../images/content.ts";
import { nameWithTypeExtension } from "../images/filenames.ts";
import type { OwnedImage } from "../images/ports.ts";
import { imageObject, openImage } from "../images/view.ts";
import type { PreviewJobs } from "./jobs.ts";
import { openMediaResult } from "./media-result.ts";
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
  let row: OwnedImage | undefined = found;
  if (row.mediaStatus !== "ready" && row.mediaStatus !== "failed") {
    await ports.previews.ensure(row.id);
    row = await ports.images.find(row.id);
    if (!row) return missing(found.id);
  }
  if (row.mediaStatus !== "ready" || !row.mediaResultEnc) return unavailable(row, size);
  const current = row;
  const opened = guarded(ports, row.id, () => {
    const image = openImage(ports.keyring, current);
    return { image, result: openMediaResult(image.sealer, current.mediaResultEnc!) };
  });
  if (!opened.ok) return opened;
  const { image, result } = opened.value;
  const preview = result[size];
  const blob = await openImageBlob(ports, row.id, {
    blobId: previewBlobId(row.id, size),
    dataKey: image.dataKey,
    commitment: Buffer.from(preview.commitment, "base64"),
    size: preview.size,
  });
  if (!blob.ok) return blob;
  const object = imageObject(row, image.fields, viewer);
  return ok({
    image: object,
    blob: blob.value,
    etag: preview.sha256,
    contentType: preview.contentType,
    filename: nameWithTypeExtension(`${stem(object.filename)}.${size}`, preview.contentType),
  });
}

function unavailable(row: OwnedImage, size: PreviewSize): Result<never> {
  const why = row.mediaStatus === "failed" ? (row.mediaReason ?? "undecodable") : "still being made";
  return fail("preview_unavailable", `image ${row.id} has no ${size} preview (${why}); its original is still available`, {
    reason: why,
  });
}

const stem = (filename: string) => filename.replace(/\.[^.]*$/, "");
