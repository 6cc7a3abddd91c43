// Resumable uploads (SPEC §12, the tus 1.0 core, creation, creation-with-upload, termination and
// expiration): the rules behind /api/v1/uploads. The state lives in the database (offset, parts,
// a write lease), never in this process, so any instance can take the next PATCH; the bytes live
// in part blobs (parts.ts) and become an image through the §4 upload service (finish.ts).
import { IntegrityError } from "../../crypto/errors.ts";
import { newId } from "../../crypto/random-id.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import type { Logger } from "../../logger.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import type { Clock } from "../clock.ts";
import { type DomainError, fail, ok, type Result } from "../errors.ts";
import { quotaFailure } from "../images/name-claim.ts";
import type { Uploader, UploadService } from "../images/uploads.ts";
import type { ImageObject } from "../images/view.ts";
import { finishUpload } from "./finish.ts";
import { newUploadKeys, openUploadKeys } from "./keys.ts";
import { readUploadMetadata } from "./metadata.ts";
import { deleteParts, type PartBlobs, partBlobId, writePart } from "./parts.ts";
import type { ResumableUploadRepository, StoredUpload } from "./ports.ts";

export interface ResumableUploadPorts {
  readonly uploads: ResumableUploadRepository;
  readonly blobs: PartBlobs;
  /** The §4 upload service: the finished upload becomes an image through it. */
  readonly images: UploadService;
  readonly albums: Pick<AlbumRepository, "findOwned" | "addImages">;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly logger: Logger;
  /** --max-image-bytes: the largest Upload-Length accepted (Tus-Max-Size). */
  readonly maxImageBytes: number;
}

/** An unfinished upload is removed, data and all, this long after its creation. */
const UPLOAD_LIFETIME_MS = 24 * 3_600_000;
// Each unfinished upload holds quota and a row; a client that loses its upload URLs starts new
// ones, so the cap is generous, and the oldest frees a slot within a day.
const MAX_OPEN_UPLOADS = 100;
// Every PATCH is a part; a client sending a byte at a time would otherwise make millions.
const MAX_PARTS = 10_000;
// A PATCH holds the lease while its body streams and renews it; an instance that dies frees the
// upload for a retry within a minute.
const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

/** What HEAD answers (and every other answer's Upload-Offset and Upload-Expires). */
export interface UploadState {
  readonly id: string;
  readonly length: number;
  readonly offset: number;
  readonly expiresAt: Date;
  /** Upload-Metadata, as the client sent it. */
  readonly metadata: string;
}

/** After a PATCH (or a creation with a body): the state, and the image when that PATCH finished the upload. */
export interface Appended {
  readonly state: UploadState;
  readonly image?: ImageObject;
}

export interface NewUpload {
  /** Upload-Length. */
  readonly length: number;
  /** Upload-Metadata, as sent ("" without one). */
  readonly metadata: string;
  /** creation-with-upload: the first bytes. */
  readonly body?: AsyncIterable<Uint8Array>;
}

export function resumableUploadService(ports: ResumableUploadPorts) {
  return {
    maxBytes: ports.maxImageBytes,
    create: (owner: Uploader, upload: NewUpload) => createUpload(ports, owner, upload),
    status: async (owner: Uploader, id: string): Promise<Result<UploadState>> => {
      const found = await liveUpload(ports, owner, id);
      return found.ok ? ok(stateOf(found.value.upload, found.value.metadata)) : found;
    },
    append: (owner: Uploader, id: string, offset: number, body: AsyncIterable<Uint8Array>) => append(ports, owner, id, offset, body),
    /** tus termination: the upload and every stored byte of it go. */
    terminate: async (owner: Uploader, id: string): Promise<Result<void>> => {
      const found = await liveUpload(ports, owner, id);
      if (!found.ok) return found;
      await discard(ports, id);
      return ok(undefined);
    },
    /** Removes expired uploads with their data (at start and periodically); how many went. */
    sweep: () => sweepExpired(ports),
  };
}

export type ResumableUploadService = ReturnType<typeof resumableUploadService>;

async function createUpload(ports: ResumableUploadPorts, owner: Uploader, input: NewUpload): Promise<Result<Appended>> {
  if (input.length > ports.maxImageBytes) {
    return fail("payload_too_large", `the image is larger than this server's limit of ${ports.maxImageBytes} bytes`);
  }
  const request = readUploadMetadata(input.metadata);
  if (!request.ok) return request;
  const { albumId } = request.value;
  if (albumId !== undefined && !(await ports.albums.findOwned(albumId, owner.id))) {
    return fail("not_found", `no album ${JSON.stringify(albumId)}`);
  }
  const open = await ports.uploads.countOwned(owner.id);
  if (open.count >= MAX_OPEN_UPLOADS) return tooManyOpen(ports, open.firstExpiry);
  // usedBytes counts the owner's unfinished uploads too (their declared lengths).
  const session = await ports.images.begin(owner);
  if (session.quotaBytes !== null && session.usedBytes + input.length > session.quotaBytes) {
    return quotaFailure(session.quotaBytes, session.usedBytes);
  }
  const id = newId();
  const now = ports.clock.now();
  const keys = newUploadKeys(ports.keyring, owner, id, input.metadata);
  const upload: StoredUpload = {
    id,
    ownerId: owner.id,
    length: input.length,
    received: 0,
    parts: 0,
    wrappedKey: keys.wrappedKey,
    metadataEnc: keys.metadataEnc,
    createdAt: now,
    expiresAt: new Date(now.getTime() + UPLOAD_LIFETIME_MS),
  };
  await ports.uploads.insert(upload);
  // An empty file is complete as soon as it exists: its finish says what §4 says of it.
  if (input.body === undefined && input.length > 0) return ok({ state: stateOf(upload, input.metadata) });
  try {
    return await append(ports, owner, id, 0, input.body ?? emptyBody());
  } catch (e) {
    // A creation whose body broke off never told the client its URL: nobody can resume it.
    await discard(ports, id);
    throw e;
  }
}

async function append(
  ports: ResumableUploadPorts,
  owner: Uploader,
  id: string,
  offset: number,
  body: AsyncIterable<Uint8Array>,
): Promise<Result<Appended>> {
  const found = await liveUpload(ports, owner, id);
  if (!found.ok) return found;
  const { upload, metadata, dataKey } = found.value;
  if (offset !== upload.received) return offsetMismatch(offset, upload.received);
  if (upload.parts >= MAX_PARTS) {
    return fail("bad_request", `this upload was sent in ${MAX_PARTS} pieces already; start a new one and send it in fewer PATCH requests`);
  }
  const lease = { owner: newId(), until: later(ports, LEASE_MS) };
  if (!(await ports.uploads.claim(id, offset, lease, ports.clock.now()))) return busy(ports, id, offset);

  const renewal = setInterval(() => {
    ports.uploads.renew(id, { owner: lease.owner, until: later(ports, LEASE_MS) }).catch(() => {});
  }, RENEW_MS);
  let written: Awaited<ReturnType<typeof writePart>>;
  try {
    written = await writePart(ports.blobs, dataKey, id, upload.parts, body, upload.length - offset);
  } catch (e) {
    await ports.uploads.release(id, lease.owner);
    throw e;
  } finally {
    clearInterval(renewal);
  }
  if (written.overflow) {
    await ports.uploads.release(id, lease.owner);
    return fail("payload_too_large", `the PATCH body goes past the upload's length of ${upload.length} bytes`);
  }
  const part = written.commitment && { part: upload.parts, size: written.size, commitment: written.commitment };
  const received = offset + written.size;
  const lost = async () => {
    // The upload was terminated or expired meanwhile (or its lease taken over): its part goes too.
    if (part) await ports.blobs.delete(partBlobId(id, part.part));
    return fail("not_found", "this upload was removed while the PATCH was sent");
  };

  // Every byte is here (even if the body then failed to end cleanly): the upload is complete.
  if (received === upload.length) {
    const parts = await ports.uploads.take(id, lease.owner);
    if (!parts) return lost();
    const image = await finishUpload(ports, owner, {
      id,
      length: upload.length,
      dataKey,
      metadata,
      parts: part ? [...parts, part] : parts,
    });
    if (!image.ok) return image;
    return ok({ state: { ...stateOf(upload, metadata), offset: received }, image: image.value });
  }
  if (part) {
    if (!(await ports.uploads.addPart(id, lease.owner, part))) return lost();
  } else {
    await ports.uploads.release(id, lease.owner);
  }
  // A body that broke off: its bytes are stored (a HEAD tells the client where to resume).
  if (written.failure !== undefined) throw written.failure;
  return ok({ state: { ...stateOf(upload, metadata), offset: received } });
}

/** The caller's upload, still live, with its key and metadata; another user's, an unknown or an expired one is not_found. */
async function liveUpload(ports: ResumableUploadPorts, owner: Uploader, id: string) {
  const upload = await ports.uploads.find(id);
  if (!upload || upload.ownerId !== owner.id) return fail("not_found", `no upload ${JSON.stringify(id)}`);
  if (upload.expiresAt <= ports.clock.now()) {
    await discard(ports, id);
    return fail("not_found", `upload ${JSON.stringify(id)} expired; its data was removed`);
  }
  try {
    return ok({ upload, ...openUploadKeys(ports.keyring, owner, upload) });
  } catch (e) {
    // Its master key version was retired meanwhile (rotation re-wraps images and albums, not
    // day-long uploads): nothing of it can be read again, so it goes and the client starts anew.
    if (!(e instanceof IntegrityError)) throw e;
    ports.logger.warn("a resumable upload's key does not open; removed", { uploadId: id, reason: e.reason });
    await discard(ports, id);
    return fail("not_found", `upload ${JSON.stringify(id)} can no longer be read; start it again`);
  }
}

function stateOf(upload: StoredUpload, metadata: string): UploadState {
  return { id: upload.id, length: upload.length, offset: upload.received, expiresAt: upload.expiresAt, metadata };
}

async function discard(ports: Pick<ResumableUploadPorts, "uploads" | "blobs">, id: string): Promise<boolean> {
  // Row first: a crash in between leaves part blobs that fsck --repair removes, never a row without its parts.
  const removed = await ports.uploads.remove(id);
  if (removed) await deleteParts(ports.blobs, id, removed.parts);
  return removed !== undefined;
}

async function sweepExpired(ports: ResumableUploadPorts): Promise<number> {
  const BATCH = 100;
  let removed = 0;
  for (;;) {
    const expired = await ports.uploads.expired(ports.clock.now(), BATCH);
    for (const upload of expired) if (await discard(ports, upload.id)) removed += 1;
    if (expired.length < BATCH) return removed;
  }
}

/** The claim failed: the offset moved, the upload went, or another request is writing it now. */
async function busy(ports: ResumableUploadPorts, id: string, offset: number): Promise<Result<never>> {
  const now = await ports.uploads.find(id);
  if (!now) return fail("not_found", `no upload ${JSON.stringify(id)}`);
  if (now.received !== offset) return offsetMismatch(offset, now.received);
  return fail("conflict", "another request is writing to this upload; ask HEAD for its offset, then send the rest");
}

const offsetMismatch = (sent: number, stored: number) =>
  fail("conflict", `Upload-Offset ${sent} does not match the upload's offset ${stored}; ask HEAD for it and send the rest from there`, {
    offset: stored,
  });

function tooManyOpen(ports: ResumableUploadPorts, firstExpiry: Date | null): Result<never> {
  const error: DomainError = {
    code: "rate_limited",
    detail: `at most ${MAX_OPEN_UPLOADS} unfinished uploads at once: finish or terminate one`,
    retryAfterSeconds: Math.max(1, ((firstExpiry?.getTime() ?? 0) - ports.clock.now().getTime()) / 1000),
  };
  return { ok: false, error };
}

const later = (ports: Pick<ResumableUploadPorts, "clock">, ms: number) => new Date(ports.clock.now().getTime() + ms);

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
