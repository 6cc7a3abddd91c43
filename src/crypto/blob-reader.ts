// Opens a PXVB blob through positional reads and decrypts only the segments a range needs.
import {
  blobKeyId,
  type BlobLayout,
  deriveSegmentKeys,
  HEADER_BYTES,
  layoutFor,
  parseHeader,
  sameBytes,
  type SegmentKeys,
  segmentNonce,
} from "./blob-format.ts";
import { IntegrityError } from "./errors.ts";
import { handOver } from "../buffer-handover.ts";
import { gcmDecrypt, TAG_BYTES } from "./gcm.ts";

/**
 * Returns `length` bytes at `offset` (fewer means the blob is shorter than announced).
 * It may fill `scratch` and return a view of it; the reader is done with those bytes
 * before its next call and allocates one scratch per readRange, so concurrent reads of
 * one blob never share a buffer.
 */
export type ReadAt = (offset: number, length: number, scratch?: Uint8Array) => Promise<Uint8Array>;

export interface OpenBlobOptions {
  readonly dataKey: Uint8Array;
  readonly imageId: string;
  /** From the image's row; a different blob of the same image (rollback) is refused. */
  readonly commitment: Uint8Array;
  readonly blobLength: number;
  readonly read: ReadAt;
}

export interface OpenedBlob {
  /** Authenticated: the final segment was verified at open. */
  readonly plaintextLength: number;
  readonly segmentSize: number;
  /** Inclusive range, as in HTTP Range. Each chunk is released only after its tag verified. */
  readRange(start: number, endInclusive: number): AsyncGenerator<Uint8Array>;
  /** The whole plaintext; yields one empty chunk for an empty image. */
  readAll(): AsyncGenerator<Uint8Array>;
}

// Batching positional reads amortises syscalls/requests; 1 MiB keeps memory bounded.
const READ_BATCH_BYTES = 1 << 20;
// Below this a blob is fetched in one read at open: saves round trips on remote stores.
const WHOLE_READ_BYTES = 256 << 10;
const WHAT = "blob";

/**
 * Checks structure, key id and commitment, then authenticates the final segment, so a
 * truncated or extended blob fails here, before any plaintext is handed out.
 */
export async function openBlob(options: OpenBlobOptions): Promise<OpenedBlob> {
  const { dataKey, imageId, commitment, blobLength } = options;
  if (!Number.isSafeInteger(blobLength) || blobLength < HEADER_BYTES + TAG_BYTES) {
    throw new IntegrityError("malformed", WHAT);
  }
  const read = blobLength <= WHOLE_READ_BYTES ? readFromBytes(await readExact(options.read, 0, blobLength)) : options.read;
  const headerBytes = Buffer.from(await readExact(read, 0, HEADER_BYTES));
  const header = parseHeader(headerBytes);
  if (!sameBytes(header.keyId, blobKeyId(dataKey))) throw new IntegrityError("wrong_key", WHAT);
  const derived = deriveSegmentKeys(dataKey, imageId, headerBytes, header);
  if (!sameBytes(derived.commitment, commitment)) throw new IntegrityError("commitment_mismatch", WHAT);
  const layout = layoutFor(blobLength, header.segmentLog2);
  const lastIndex = layout.segmentCount - 1;
  const lastOffset = segmentOffset(layout, lastIndex);
  const tail = decryptSegment(derived.keys, lastIndex, true, await readExact(read, lastOffset, blobLength - lastOffset));
  return new SegmentReader(derived.keys, layout, read, tail);
}

class SegmentReader implements OpenedBlob {
  readonly plaintextLength: number;
  readonly segmentSize: number;

  constructor(
    private readonly keys: SegmentKeys,
    private readonly layout: BlobLayout,
    private readonly read: ReadAt,
    private readonly tail: Buffer,
  ) {
    this.plaintextLength = layout.plaintextLength;
    this.segmentSize = layout.segmentSize;
  }

  async *readAll(): AsyncGenerator<Uint8Array> {
    if (this.plaintextLength === 0) {
      yield new Uint8Array(0);
      return;
    }
    yield* this.readRange(0, this.plaintextLength - 1);
  }

  async *readRange(start: number, endInclusive: number): AsyncGenerator<Uint8Array> {
    const inside = Number.isSafeInteger(start) && Number.isSafeInteger(endInclusive) && start >= 0;
    if (!inside || endInclusive < start || endInclusive >= this.plaintextLength) {
      throw new RangeError(`range ${start}-${endInclusive} outside 0-${this.plaintextLength - 1}`);
    }
    const S = this.segmentSize;
    const first = Math.floor(start / S);
    const last = Math.floor(endInclusive / S);
    const lastIndex = this.layout.segmentCount - 1;
    const stride = S + TAG_BYTES;
    const middleEnd = Math.min(last, lastIndex - 1); // the final segment is already verified
    const perBatch = Math.max(1, Math.floor(READ_BATCH_BYTES / stride));
    // Unzeroed: a read fills what it returns, and only that is decrypted.
    const scratch = middleEnd >= first ? Buffer.allocUnsafe(Math.min(perBatch, middleEnd - first + 1) * stride) : undefined;
    const clip = (index: number, plaintext: Uint8Array) =>
      plaintext.subarray(Math.max(0, start - index * S), Math.min(plaintext.length, endInclusive + 1 - index * S));

    for (let index = first; index <= middleEnd; ) {
      const count = Math.min(perBatch, middleEnd - index + 1);
      const bytes = await readExact(this.read, segmentOffset(this.layout, index), count * stride, scratch);
      for (let k = 0; k < count; k += 1, index += 1) {
        const segment = bytes.subarray(k * stride, (k + 1) * stride);
        // Handed over, unlike the tail this reader keeps: a reader that sends it whole frees it.
        yield clip(index, handOver(decryptSegment(this.keys, index, false, segment)));
      }
    }
    if (last === lastIndex) yield clip(lastIndex, this.tail);
  }
}

function segmentOffset(layout: BlobLayout, index: number): number {
  return HEADER_BYTES + index * (layout.segmentSize + TAG_BYTES);
}

function decryptSegment(keys: SegmentKeys, index: number, last: boolean, bytes: Uint8Array): Buffer {
  const nonce = segmentNonce(keys.noncePrefix, index, last);
  const ciphertext = bytes.subarray(0, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  return gcmDecrypt(keys.key, nonce, keys.aad, ciphertext, tag, WHAT);
}

async function readExact(read: ReadAt, offset: number, length: number, scratch?: Uint8Array): Promise<Uint8Array> {
  const bytes = await read(offset, length, scratch);
  if (bytes.length !== length) throw new IntegrityError("malformed", WHAT);
  return bytes;
}

/** A ReadAt over bytes already in memory (small blobs, tests); returns views, no copies. */
export function readFromBytes(blob: Uint8Array): ReadAt {
  return async (offset, length) => blob.subarray(offset, Math.min(blob.length, offset + length));
}
