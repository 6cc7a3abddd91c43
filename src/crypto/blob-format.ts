// The PXVB blob layout: header bytes, key schedule, segment nonces and length arithmetic.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { contextBytes, LABEL } from "./context.ts";
import { IntegrityError } from "./errors.ts";
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from "./gcm.ts";

const MAGIC = Buffer.from("PXVB", "latin1");
const BLOB_VERSION = 1;
export const HEADER_BYTES = 64;
const KEY_ID_BYTES = 16;
export const BLOB_SALT_BYTES = 32;
export const NONCE_PREFIX_BYTES = 7;
const COMMITMENT_BYTES = 32;
export const DEFAULT_SEGMENT_LOG2 = 16;
export const MIN_SEGMENT_LOG2 = 10;
export const MAX_SEGMENT_LOG2 = 24;
// The counter is a u32 in the nonce; more segments would repeat a nonce.
const MAX_SEGMENTS = 2 ** 32;

const OFFSET = { magic: 0, version: 4, segmentLog2: 5, keyId: 8, salt: 24, noncePrefix: 56, end: 63 } as const;
const WHAT = "blob";

export interface BlobHeader {
  readonly segmentLog2: number;
  readonly keyId: Buffer;
  readonly salt: Buffer;
  readonly noncePrefix: Buffer;
}

/** Everything a segment needs: its key, the shared AAD and the nonce prefix. */
export interface SegmentKeys {
  readonly key: Buffer;
  readonly aad: Buffer;
  readonly noncePrefix: Buffer;
}

/** First 16 bytes of HMAC-SHA256(dataKey, label): tells "wrong key" apart from "tampered". */
export function blobKeyId(dataKey: Uint8Array): Buffer {
  return createHmac("sha256", dataKey).update(LABEL.blobKeyId).digest().subarray(0, KEY_ID_BYTES);
}

export function encodeHeader(header: BlobHeader): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES); // reserved bytes stay zero
  MAGIC.copy(bytes, OFFSET.magic);
  bytes[OFFSET.version] = BLOB_VERSION;
  bytes[OFFSET.segmentLog2] = header.segmentLog2;
  header.keyId.copy(bytes, OFFSET.keyId);
  header.salt.copy(bytes, OFFSET.salt);
  header.noncePrefix.copy(bytes, OFFSET.noncePrefix);
  return bytes;
}

/** Structure only; the fields are authenticated later as every segment's AAD. */
export function parseHeader(bytes: Uint8Array): BlobHeader {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < HEADER_BYTES) throw new IntegrityError("malformed", WHAT);
  if (!b.subarray(OFFSET.magic, OFFSET.magic + MAGIC.length).equals(MAGIC)) {
    throw new IntegrityError("unsupported_version", WHAT);
  }
  if (b[OFFSET.version] !== BLOB_VERSION) throw new IntegrityError("unsupported_version", WHAT);
  const segmentLog2 = b[OFFSET.segmentLog2] ?? 0;
  if (segmentLog2 < MIN_SEGMENT_LOG2 || segmentLog2 > MAX_SEGMENT_LOG2) throw new IntegrityError("malformed", WHAT);
  if (b[6] !== 0 || b[7] !== 0 || b[OFFSET.end] !== 0) throw new IntegrityError("malformed", WHAT);
  return {
    segmentLog2,
    keyId: Buffer.from(b.subarray(OFFSET.keyId, OFFSET.keyId + KEY_ID_BYTES)),
    salt: Buffer.from(b.subarray(OFFSET.salt, OFFSET.salt + BLOB_SALT_BYTES)),
    noncePrefix: Buffer.from(b.subarray(OFFSET.noncePrefix, OFFSET.noncePrefix + NONCE_PREFIX_BYTES)),
  };
}

/**
 * HKDF(ikm = dataKey, salt = header salt, info = label \0 imageId) → 64 bytes:
 * segment key | commitment. The fresh salt gives every written blob its own key, so a
 * reused data key or nonce prefix still never repeats a (key, nonce) pair. GCM does not
 * commit to its key; the stored commitment does, and also pins which blob is current.
 */
export function deriveSegmentKeys(
  dataKey: Uint8Array,
  imageId: string,
  headerBytes: Buffer,
  header: BlobHeader,
): { keys: SegmentKeys; commitment: Buffer } {
  const okm = Buffer.from(hkdfSync("sha256", dataKey, header.salt, contextBytes(LABEL.blob, imageId), KEY_BYTES + COMMITMENT_BYTES));
  const aad = Buffer.concat([headerBytes, Buffer.from(imageId, "utf8")]);
  return {
    keys: { key: okm.subarray(0, KEY_BYTES), aad, noncePrefix: header.noncePrefix },
    commitment: okm.subarray(KEY_BYTES),
  };
}

export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * prefix(7) | counter u32 BE | last flag. The flag makes the final segment undecryptable
 * anywhere but at the end: dropping trailing segments or appending after it fails.
 */
export function segmentNonce(noncePrefix: Buffer, index: number, last: boolean): Buffer {
  if (index >= MAX_SEGMENTS) throw new RangeError("segment counter would overflow");
  const nonce = Buffer.alloc(NONCE_BYTES);
  noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  nonce[NONCE_BYTES - 1] = last ? 1 : 0;
  return nonce;
}

/** n = max(1, ceil(len / S)); blob = header + len + 16 n. */
export function blobLengthFor(plaintextLength: number, segmentLog2: number): number {
  const segments = Math.max(1, Math.ceil(plaintextLength / 2 ** segmentLog2));
  return HEADER_BYTES + plaintextLength + TAG_BYTES * segments;
}

export interface BlobLayout {
  readonly segmentSize: number;
  readonly segmentCount: number;
  readonly plaintextLength: number;
}

/**
 * Inverts blobLengthFor. Only the last segment may be short, and it holds at least one
 * byte unless it is the only one; any other length was not written by us.
 */
export function layoutFor(blobLength: number, segmentLog2: number): BlobLayout {
  const segmentSize = 2 ** segmentLog2;
  const body = blobLength - HEADER_BYTES;
  if (!Number.isSafeInteger(blobLength) || body < TAG_BYTES) throw new IntegrityError("malformed", WHAT);
  const segmentCount = Math.ceil(body / (segmentSize + TAG_BYTES));
  const lastCiphertext = body - (segmentCount - 1) * (segmentSize + TAG_BYTES) - TAG_BYTES;
  if (segmentCount > MAX_SEGMENTS || lastCiphertext < (segmentCount === 1 ? 0 : 1)) {
    throw new IntegrityError("malformed", WHAT);
  }
  return { segmentSize, segmentCount, plaintextLength: body - TAG_BYTES * segmentCount };
}
