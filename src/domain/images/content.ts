// Opening an image's bytes for reading: the blob decrypted with a data key already unwrapped,
// and every failure of stored data reported as integrity_error with the image id.
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { type DecryptedBlob, openStoredBlob } from "../../crypto/stored-blob.ts";
import type { Logger } from "../../logger.ts";
import type { DomainEvents } from "../context.ts";
import { AppError, fail, ok, type Result } from "../errors.ts";
import { missing } from "./access.ts";
import type { ImageBlobs, ImageRepository, OwnedImage } from "./ports.ts";
import type { ImageObject } from "./view.ts";

/** Where stored data that fails authentication is reported. */
export interface IntegrityReport {
  readonly logger: Logger;
  readonly events?: Pick<DomainEvents, "integrityError"> | undefined;
}

export interface ContentPorts extends IntegrityReport {
  readonly images: Pick<ImageRepository, "find">;
  readonly blobs: Pick<ImageBlobs, "open">;
  readonly keyring: Keyring;
}

/** Bytes to serve: the original, or a representation of it (a preview, a location-free copy). */
export interface ImageContent {
  readonly image: ImageObject;
  readonly blob: DecryptedBlob;
  /** Strong: the SHA-256 of exactly these bytes. */
  readonly etag: string;
  readonly contentType: string;
  /** The download name, its extension matching contentType. */
  readonly filename: string;
  /**
   * False when others are served other bytes at the same URL (the owner's original of an image
   * with a position): such an answer is for no shared cache.
   */
  readonly sameForEveryone: boolean;
}

/** Logs the image id and reason; the client only learns that stored data failed authentication. */
function integrityFailure(report: IntegrityReport, imageId: string, error: IntegrityError): Result<never> {
  report.logger.error("integrity error", { imageId, reason: error.reason, message: error.message });
  report.events?.integrityError();
  return fail("integrity_error", `stored data of image ${imageId} failed authentication; the operator should run pixvault fsck`);
}

/** Runs `work`, answering an IntegrityError it throws as integrity_error (logged with the image id). */
export function guarded<T>(report: IntegrityReport, imageId: string, work: () => T): Result<T> {
  try {
    return ok(work());
  } catch (e) {
    if (e instanceof IntegrityError) return integrityFailure(report, imageId, e);
    throw e;
  }
}

/** A whole decrypted blob of `size` bytes (bounded by the caller), closed after; undefined when it fails authentication. */
export async function readWhole(blob: DecryptedBlob, size: number): Promise<Uint8Array | undefined> {
  const bytes = new Uint8Array(size);
  let at = 0;
  try {
    for await (const chunk of blob.readAll()) {
      if (at + chunk.length > size) return undefined;
      bytes.set(chunk, at);
      at += chunk.length;
    }
  } catch {
    return undefined;
  } finally {
    await blob.close();
  }
  return at === size ? bytes : undefined;
}

/** Opens the blob for reading (the caller closes it). The final segment is authenticated here. */
export function openBytes(ports: ContentPorts, row: OwnedImage, dataKey: Buffer): Promise<Result<DecryptedBlob>> {
  return openImageBlob(ports, row.id, { blobId: row.id, dataKey, commitment: row.blobCommitment, size: row.size });
}

/** One of an image's blobs (its original, or a preview under its own id), checked against what its row says. */
export async function openImageBlob(
  ports: ContentPorts,
  imageId: string,
  expected: { readonly blobId: string; readonly dataKey: Buffer; readonly commitment: Buffer; readonly size: number },
): Promise<Result<DecryptedBlob>> {
  try {
    const blob = await openStoredBlob(ports.blobs, expected.blobId, { dataKey: expected.dataKey, commitment: expected.commitment });
    if (!blob) {
      // Deleted since its row was read (a delete removes the row, then the blob): gone, not corrupt.
      if (!(await ports.images.find(imageId))) return missing(imageId);
      throw new IntegrityError("malformed", `blob ${expected.blobId} (missing)`);
    }
    if (blob.plaintextLength !== expected.size) {
      await blob.close();
      throw new IntegrityError("malformed", `blob ${expected.blobId} (length differs from the row)`);
    }
    return ok(failingAsIntegrityError(ports, imageId, blob));
  } catch (e) {
    if (e instanceof IntegrityError) return integrityFailure(ports, imageId, e);
    throw e;
  }
}

/**
 * Only the final segment is verified at open; any other one can fail while a body is read.
 * That failure is a value nobody can return any more (the reader is a generator consumed by
 * the HTTP layer), so it is logged with the image id and thrown as integrity_error, never as
 * an anonymous internal error.
 */
function failingAsIntegrityError(report: IntegrityReport, imageId: string, blob: DecryptedBlob): DecryptedBlob {
  async function* guard(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks;
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      const failure = integrityFailure(report, imageId, e);
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
