// Streams plaintext into the PXVB blob format with one segment of memory.
import { randomBytes } from "node:crypto";
import {
  BLOB_SALT_BYTES,
  blobKeyId,
  DEFAULT_SEGMENT_LOG2,
  deriveSegmentKeys,
  encodeHeader,
  MAX_SEGMENT_LOG2,
  MIN_SEGMENT_LOG2,
  NONCE_PREFIX_BYTES,
  type SegmentKeys,
  segmentNonce,
} from "./blob-format.ts";
import { gcmEncrypt, KEY_BYTES } from "./gcm.ts";
import { handOver } from "../buffer-handover.ts";
import { borrow, giveBack } from "../recycled-buffers.ts";

export interface BlobEncryptorOptions {
  readonly dataKey: Uint8Array;
  readonly imageId: string;
  /** log2 of the segment size; 10..24, default 16 (64 KiB). */
  readonly segmentLog2?: number;
}

/**
 * Write `header`, then every Buffer that push() and finish() return, in order. Store
 * `commitment` in the image's row: reads are refused unless it matches.
 */
export interface BlobEncryptor {
  readonly header: Buffer;
  readonly commitment: Buffer;
  push(chunk: Uint8Array): Buffer[];
  finish(): Buffer[];
}

export function createBlobEncryptor(options: BlobEncryptorOptions): BlobEncryptor {
  return createBlobEncryptorWithNonces({
    ...options,
    salt: randomBytes(BLOB_SALT_BYTES),
    noncePrefix: randomBytes(NONCE_PREFIX_BYTES),
  });
}

/**
 * Test-vector entry point: fixed salt and prefix make the output deterministic. Never use
 * it for stored data; a repeated salt with the same data key repeats every nonce.
 */
export function createBlobEncryptorWithNonces(
  options: BlobEncryptorOptions & { readonly salt: Buffer; readonly noncePrefix: Buffer },
): BlobEncryptor {
  const segmentLog2 = options.segmentLog2 ?? DEFAULT_SEGMENT_LOG2;
  if (!Number.isInteger(segmentLog2) || segmentLog2 < MIN_SEGMENT_LOG2 || segmentLog2 > MAX_SEGMENT_LOG2) {
    throw new RangeError(`segmentLog2 must be ${MIN_SEGMENT_LOG2}..${MAX_SEGMENT_LOG2}`);
  }
  if (options.dataKey.length !== KEY_BYTES) throw new TypeError(`data key must be ${KEY_BYTES} bytes`);
  if (options.salt.length !== BLOB_SALT_BYTES || options.noncePrefix.length !== NONCE_PREFIX_BYTES) {
    throw new TypeError("bad salt or nonce prefix length");
  }
  const { salt, noncePrefix } = options;
  const header = { segmentLog2, keyId: blobKeyId(options.dataKey), salt, noncePrefix };
  const headerBytes = encodeHeader(header);
  const { keys, commitment } = deriveSegmentKeys(options.dataKey, options.imageId, headerBytes, header);
  return new SegmentWriter(keys, 2 ** segmentLog2, headerBytes, commitment);
}

/**
 * Holds back up to one full segment: the last segment carries a flag, and the end of an
 * upload is only known at finish().
 */
class SegmentWriter implements BlobEncryptor {
  private readonly pending: Uint8Array;
  private filled = 0;
  private index = 0;
  private finished = false;

  constructor(
    private readonly keys: SegmentKeys,
    private readonly segmentSize: number,
    readonly header: Buffer,
    readonly commitment: Buffer,
  ) {
    // Borrowed (recycled-buffers.ts) and given back at finish: nothing else holds it.
    this.pending = borrow(segmentSize);
  }

  push(chunk: Uint8Array): Buffer[] {
    if (this.finished) throw new Error("blob encryptor already finished");
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      // More input follows, so a full pending segment is not the last one.
      if (this.filled === this.segmentSize) {
        this.seal(this.pending, false, out);
        this.filled = 0;
      }
      // Fast path: encrypt straight from the caller's chunk when a full segment plus at
      // least one more byte is available, skipping the copy into `pending`.
      if (this.filled === 0 && chunk.length - offset > this.segmentSize) {
        this.seal(chunk.subarray(offset, offset + this.segmentSize), false, out);
        offset += this.segmentSize;
        continue;
      }
      const take = Math.min(this.segmentSize - this.filled, chunk.length - offset);
      this.pending.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
    }
    return out;
  }

  finish(): Buffer[] {
    if (this.finished) throw new Error("blob encryptor already finished");
    this.finished = true;
    const out: Buffer[] = [];
    this.seal(this.pending.subarray(0, this.filled), true, out);
    this.pending.fill(0);
    giveBack(this.pending);
    return out;
  }

  private seal(plaintext: Uint8Array, last: boolean, out: Buffer[]): void {
    const nonce = segmentNonce(this.keys.noncePrefix, this.index, last);
    const { ciphertext, tag } = gcmEncrypt(this.keys.key, nonce, this.keys.aad, plaintext);
    this.index += 1;
    out.push(handOver(ciphertext), tag);
  }
}

/**
 * Header, then segments, in write order. A Web ReadableStream (an upload body in Bun) is
 * an AsyncIterable, so it can be passed as is.
 */
export function encryptStream(
  source: AsyncIterable<Uint8Array>,
  options: BlobEncryptorOptions,
): { commitment: Buffer; chunks: AsyncGenerator<Buffer> } {
  const encryptor = createBlobEncryptor(options);
  async function* chunks(): AsyncGenerator<Buffer> {
    yield encryptor.header;
    for await (const chunk of source) yield* encryptor.push(chunk);
    yield* encryptor.finish();
  }
  return { commitment: encryptor.commitment, chunks: chunks() };
}

/** Whole-buffer convenience for small inputs and tests. */
export function encryptBlob(plaintext: Uint8Array, options: BlobEncryptorOptions): { blob: Buffer; commitment: Buffer } {
  const encryptor = createBlobEncryptor(options);
  const parts = [encryptor.header, ...encryptor.push(plaintext), ...encryptor.finish()];
  return { blob: Buffer.concat(parts), commitment: encryptor.commitment };
}
