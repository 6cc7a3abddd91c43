// The bytes of a resumable upload: every PATCH becomes one part, a complete PXVB blob of its own
// (docs/FORMAT.md §5) under the upload's data key, with `<uploadId>.part-<n>` as its blob id.
//
// Why parts and not one growing blob: a blob store moves whole blobs (S3 has no append), and a
// PXVB blob's last segment carries the last flag, so a blob can only be sealed once its end is
// known. A PATCH's end is known when its body ends, even when the client breaks off: the bytes
// that arrived are sealed (the partial segment from memory), so nothing is lost, a resume starts
// where the bytes stopped, and no plaintext is ever written anywhere. The part number is in each
// part's keys and AAD and its commitment is in the database, so parts cannot be swapped, reordered,
// truncated or replaced. The finish decrypts the parts in order into the §4 upload, which encrypts
// them again as the image's blob under the image's own key, sniffs, hashes and names them.
import { IntegrityError } from "../../crypto/errors.ts";
import { openEncrypting, openStoredBlob } from "../../crypto/stored-blob.ts";
import type { ImageBlobs } from "../images/ports.ts";
import type { UploadPart } from "./ports.ts";

export type PartBlobs = Pick<ImageBlobs, "create" | "open" | "delete">;

export const partBlobId = (uploadId: string, part: number) => `${uploadId}.part-${part}`;

/** The upload a part blob's id names; undefined for any other blob. */
export function uploadIdOfPart(blobId: string): string | undefined {
  return /^(.+)\.part-\d+$/.exec(blobId)?.[1];
}

/** What one PATCH body left: the part it stored (none for an empty body), and why it stopped early. */
export interface WrittenPart {
  /** Plaintext bytes stored; 0: no part was written. */
  readonly size: number;
  readonly commitment: Buffer | undefined;
  /** The body went on past the upload's length: nothing was kept. */
  readonly overflow: boolean;
  /** The body broke off (client gone, stalled): what arrived before is stored. */
  readonly failure: unknown;
}

/** Encrypts `body` into part `part`, at most `room` bytes of it; the part is durable when this returns. */
export async function writePart(
  blobs: PartBlobs,
  dataKey: Buffer,
  uploadId: string,
  part: number,
  body: AsyncIterable<Uint8Array>,
  room: number,
): Promise<WrittenPart> {
  const blobId = partBlobId(uploadId, part);
  let writer: Awaited<ReturnType<typeof openEncrypting>> | undefined;
  let size = 0;
  let failure: unknown;
  let overflow = false;
  const chunks = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (e) {
        // The body broke off (client gone, stalled): what came before it is kept.
        failure = e;
        break;
      }
      if (next.done) break;
      const chunk = next.value;
      if (chunk.length === 0) continue;
      if (size + chunk.length > room) {
        overflow = true;
        await chunks.return?.();
        break;
      }
      writer ??= await openEncrypting(await blobs.create(blobId), { dataKey, imageId: blobId });
      await writer.write(chunk);
      size += chunk.length;
    }
    if (!writer) return { size: 0, commitment: undefined, overflow, failure };
    if (overflow) {
      await writer.abort();
      return { size: 0, commitment: undefined, overflow, failure };
    }
    await writer.commit();
    return { size, commitment: writer.commitment, overflow, failure };
  } catch (e) {
    await writer?.abort();
    await chunks.return?.()?.catch(() => {});
    throw e;
  }
}

/** The plaintext of the parts, in order, each authenticated against its recorded commitment and size. */
export async function* plaintextOf(
  blobs: PartBlobs,
  dataKey: Buffer,
  uploadId: string,
  parts: readonly UploadPart[],
): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    const blobId = partBlobId(uploadId, part.part);
    const blob = await openStoredBlob(blobs, blobId, { dataKey, commitment: part.commitment });
    if (!blob) throw new IntegrityError("malformed", `upload part ${part.part} (missing)`);
    try {
      if (blob.plaintextLength !== part.size) throw new IntegrityError("malformed", `upload part ${part.part}`);
      yield* blob.readAll();
    } finally {
      await blob.close();
    }
  }
}

/** Removes part blobs 0..count-1 (a part already gone is no error). */
export async function deleteParts(blobs: PartBlobs, uploadId: string, count: number): Promise<void> {
  for (let part = 0; part < count; part += 1) await blobs.delete(partBlobId(uploadId, part));
}
