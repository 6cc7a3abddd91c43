// One uploaded file: stream it through sniffing, hashing and encryption to a durable blob,
// then claim its name and commit its row. Anything that fails leaves nothing behind.
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { release } from "../../buffer-handover.ts";
import { type EncryptingWriter, openEncrypting } from "../../crypto/stored-blob.ts";
import { newId } from "../../crypto/random-id.ts";
import type { Logger } from "../../logger.ts";
import { createImageProbe, type ProbeResult } from "../../media/image-probe.ts";
import { quotaOf } from "../accounts/accounts.ts";
import type { PreviewJobs } from "../previews/jobs.ts";
import type { PhotoFields } from "../previews/ports.ts";
import { fail, ok, type Result } from "../errors.ts";
import { storageCondition } from "../storage-conditions.ts";
import { sanitizeFilename } from "./filenames.ts";
import type { UploadOptions } from "./input.ts";
import { newImageKeys } from "./keys.ts";
import { type ClaimPorts, claimNameAndInsert, quotaFailure } from "./name-claim.ts";
import type { ImageBlobs, ImageOwner, ImageRepository } from "./ports.ts";
import { imageObject, type ImageObject } from "./view.ts";

export interface UploadPorts extends ClaimPorts {
  readonly images: Pick<ImageRepository, "write" | "usedBytes">;
  readonly blobs: Pick<ImageBlobs, "create" | "delete">;
  readonly logger: Logger;
  /** Told when an image was stored, so its previews start without waiting for the next poll. */
  readonly previews: Pick<PreviewJobs, "kick">;
  /** Largest image accepted, in bytes. */
  readonly maxImageBytes: number;
  /** The server-wide quota; 0 = unlimited. A user row may override it. */
  readonly defaultQuotaBytes: number;
}

/** Who uploads: whose key seals the image, and their own quota (null: the server's). */
export interface Uploader extends ImageOwner {
  readonly quotaBytes: number | null;
}

/** The upload routes' service. */
export function uploadService(ports: UploadPorts) {
  return {
    begin: (owner: Uploader) => beginUploads(ports, owner),
    upload: (session: UploadSession, source: UploadSource, options: UploadOptions) => uploadImage(ports, session, source, options),
  };
}

export type UploadService = ReturnType<typeof uploadService>;

export interface UploadSource {
  readonly filename: string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /** Known in advance for a raw body with Content-Length: lets an oversize file fail before a byte is read. */
  readonly declaredSize?: number;
}

/** Tracks one request's uploads against the user's quota, so a 50-file request stops at the limit. */
export interface UploadSession {
  readonly owner: ImageOwner;
  readonly quotaBytes: number | null;
  usedBytes: number;
}

async function beginUploads(ports: UploadPorts, owner: Uploader): Promise<UploadSession> {
  const quotaBytes = quotaOf(ports, owner);
  const usedBytes = quotaBytes === null ? 0 : await ports.images.usedBytes(owner.id);
  return { owner, quotaBytes, usedBytes };
}

// file-type needs ~4 KiB; a little more lets the probe reject containers it half-recognises.
const EARLY_SNIFF_BYTES = 8192;

/** Stores one file. A body that throws (client gone, truncated multipart) rethrows after cleanup. */
async function uploadImage(
  ports: UploadPorts,
  session: UploadSession,
  source: UploadSource,
  options: UploadOptions,
): Promise<Result<ImageObject>> {
  if (source.filename === undefined) {
    return fail("validation_failed", "the file part has no filename", { errors: [{ field: "filename", message: "is required" }] });
  }
  const filename = sanitizeFilename(source.filename);
  if (!filename.ok) return filename;
  const tooBig = (size: number) => size > ports.maxImageBytes;
  if (source.declaredSize !== undefined && tooBig(source.declaredSize)) return payloadTooLarge(ports);
  if (source.declaredSize !== undefined && overQuota(session, source.declaredSize)) return quotaExceeded(session);

  const id = newId();
  const owner = session.owner;
  const keys = newImageKeys(ports.keyring, owner, id);
  const probe = createImageProbe();
  const sha256 = createHash("sha256");
  let crc = 0;
  let size = 0;
  const writer = await openEncrypting(await ports.blobs.create(id), { dataKey: keys.dataKey, imageId: id });
  let committed = false;
  try {
    let sniffed = false;
    for await (const chunk of source.body) {
      size += chunk.length;
      if (tooBig(size)) return await discard(writer, payloadTooLarge(ports));
      if (overQuota(session, size)) return await discard(writer, quotaExceeded(session));
      probe.push(chunk);
      if (!sniffed && size >= EARLY_SNIFF_BYTES) {
        sniffed = true;
        const rejected = await probe.earlyRejection();
        if (rejected) return await discard(writer, unsupported(rejected.detected));
      }
      sha256.update(chunk);
      crc = crc32(chunk, crc);
      await writer.write(chunk);
      // Hashed, probed (it keeps a copy) and sealed: nothing here reads it again.
      release(chunk);
    }
    // A raw body that ends early (client gone) must not be stored as a shorter image.
    if (source.declaredSize !== undefined && size !== source.declaredSize) {
      return await discard(writer, fail("bad_request", `the body ended after ${size} of ${source.declaredSize} bytes`));
    }
    const verdict = await probe.finish();
    if (!verdict.ok) return await discard(writer, verdict.reason === "empty" ? emptyFile() : unsupported(verdict.detected));
    await writer.commit();
    committed = true;
    const digest = sha256.digest();
    const photo = photoOfHead(verdict);
    const stored = await claimNameAndInsert(ports, owner, options, filename.value, {
      id,
      keys,
      contentType: verdict.contentType,
      size,
      width: photo?.width ?? verdict.width,
      height: photo?.height ?? verdict.height,
      photo,
      digest: keys.metadata.digest(digest, crc),
      commitment: writer.commitment,
      quotaBytes: session.quotaBytes,
    });
    if (!stored.ok) {
      await ports.blobs.delete(id);
      return stored;
    }
    session.usedBytes += size;
    ports.previews.kick();
    // Built from what was just sealed: no second key derivation, unwrap or decrypt.
    const row = { ...stored.value.row, ownerUsername: owner.username, ownerKeySalt: owner.keySalt, ...JUST_QUEUED };
    const fields = { filename: stored.value.filename, tags: options.tags, description: options.description ?? null, photo, analysis: null };
    return ok(imageObject(row, { ...fields, sha256: digest.toString("hex"), crc32: crc }, owner));
  } catch (e) {
    // The body failed (client gone, truncated multipart) or the database did: no row
    // points at this blob, so it goes.
    if (committed) await ports.blobs.delete(id);
    else await writer.abort();
    // A full disk fails this file alone (507), after its partial blob is gone.
    const condition = storageCondition(e);
    if (condition?.code !== "insufficient_storage") throw e;
    ports.logger.warn("storage full: upload refused", { imageId: id, message: (e as Error).message });
    return { ok: false, error: condition };
  }
}

/**
 * The photo fields the upload's head gives (JPEG and TIFF EXIF), so the image shows its date,
 * camera, place and displayed size at once; the media job later writes the same from the whole
 * file. null when the head has no EXIF or the header no size.
 */
function photoOfHead(verdict: Extract<ProbeResult, { ok: true }>): PhotoFields | null {
  const { exif, width, height } = verdict;
  if (!exif || !width || !height) return null;
  // Orientations 5–8 turn the picture by 90°: it is displayed height × width.
  const turned = exif.orientation >= 5;
  return {
    width: turned ? height : width,
    height: turned ? width : height,
    takenAt: exif.takenAt,
    camera: exif.camera,
    location: exif.location,
  };
}

/** The media job state of a row just inserted (the insert queued its job). */
const JUST_QUEUED = {
  mediaStatus: "pending",
  mediaReason: null,
  mediaResultEnc: null,
  analysisStatus: "pending",
  analysisEnc: null,
} as const;

function overQuota(session: UploadSession, size: number): boolean {
  return session.quotaBytes !== null && session.usedBytes + size > session.quotaBytes;
}

async function discard<T>(writer: Pick<EncryptingWriter, "abort">, result: Result<T>): Promise<Result<T>> {
  await writer.abort();
  return result;
}

const payloadTooLarge = (ports: Pick<UploadPorts, "maxImageBytes">) =>
  fail("payload_too_large", `the image is larger than this server's limit of ${ports.maxImageBytes} bytes`);

const quotaExceeded = (session: UploadSession) => quotaFailure(session.quotaBytes, session.usedBytes);

const emptyFile = (): Result<never> => fail("unsupported_media_type", "the file is empty");

function unsupported(detected: string | undefined): Result<never> {
  const what = detected ? `it is ${detected}` : "its type was not recognised";
  return fail("unsupported_media_type", `not an accepted image (${what}); accepted: JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, BMP, TIFF`);
}
