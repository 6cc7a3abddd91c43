// The end of a resumable upload: its parts, decrypted in order, go through the §4 upload service
// exactly like a raw body (type sniffing, --max-image-bytes, names, onConflict, quota, previews
// queued), then the image joins the album the metadata named. Whatever the outcome, the parts go.
import { IntegrityError } from "../../crypto/errors.ts";
import type { Logger } from "../../logger.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import type { Clock } from "../clock.ts";
import { fail, type Result } from "../errors.ts";
import type { Uploader, UploadService } from "../images/uploads.ts";
import type { ImageObject } from "../images/view.ts";
import { readUploadMetadata } from "./metadata.ts";
import { deleteParts, type PartBlobs, plaintextOf } from "./parts.ts";
import type { UploadPart } from "./ports.ts";

export interface FinishPorts {
  readonly blobs: PartBlobs;
  readonly images: UploadService;
  readonly albums: Pick<AlbumRepository, "findOwned" | "addImages">;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A complete upload, already taken out of the database: its keys, its metadata and its parts. */
export interface CompleteUpload {
  readonly id: string;
  readonly length: number;
  readonly dataKey: Buffer;
  readonly metadata: string;
  readonly parts: readonly UploadPart[];
}

export async function finishUpload(ports: FinishPorts, owner: Uploader, upload: CompleteUpload): Promise<Result<ImageObject>> {
  try {
    // Checked at creation; read again from the sealed header, so nothing else needs storing.
    const request = readUploadMetadata(upload.metadata);
    if (!request.ok) return request;
    const session = await ports.images.begin(owner);
    const body = plaintextOf(ports.blobs, upload.dataKey, upload.id, upload.parts);
    const stored = await ports.images.upload(
      session,
      { filename: request.value.filename, body, declaredSize: upload.length },
      request.value.options,
    );
    const { albumId } = request.value;
    // An album deleted since the creation leaves the image where it is: on its own.
    if (stored.ok && albumId !== undefined && (await ports.albums.findOwned(albumId, owner.id))) {
      await ports.albums.addImages(albumId, [stored.value.id], ports.clock.now());
    }
    return stored;
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    ports.logger.error("a stored part of a resumable upload failed authentication", { uploadId: upload.id, reason: e.reason });
    return fail("integrity_error", "the stored bytes of this upload failed authentication; the upload was removed");
  } finally {
    await deleteParts(ports.blobs, upload.id, upload.parts.length);
  }
}
