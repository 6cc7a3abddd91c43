// Frees a large transfer's buffers as soon as their last user is done with them.
//
// A 200 MiB upload makes ~400 MiB of short-lived 64–512 KiB buffers (request chunks, ciphertext),
// its download ~200 MiB (plaintext segments). JavaScriptCore collects them only every 16–30 MiB
// of allocation, and mimalloc keeps much of what it frees: each transfer raised the server's RSS
// by ~50 MiB (issue #17). Detaching a buffer (`ArrayBuffer.prototype.transfer(0)`) frees its
// memory at once.
//
// Only a buffer's maker knows it is fresh and shared with nobody, and only its last reader knows
// it is done with it: the maker hands the chunk over, the reader releases it. Releasing anything
// else (a slice of a handed-over chunk, a chunk never handed over) does nothing, so a reader may
// release whatever it is given without knowing where it came from.

const handedOver = new WeakMap<ArrayBufferLike, Uint8Array>();

/**
 * A cipher's output view leaves a byte or so of its buffer unused (Bun's AES-GCM update: n + 1);
 * anything more is a view of part of a larger buffer (a slice, a pool slab) whose other bytes
 * someone may still read, and detaching it would wipe them.
 */
const SLACK_BYTES = 64;

/** Declares `chunk` the only view of a buffer nobody else holds: its last reader may free it. */
export function handOver<T extends Uint8Array>(chunk: T): T {
  if (chunk.byteOffset === 0 && chunk.buffer.byteLength - chunk.byteLength <= SLACK_BYTES) handedOver.set(chunk.buffer, chunk);
  return chunk;
}

/** Frees `chunk`'s memory now if it is a chunk that was handed over, whole; the caller must not use it afterwards. */
export function release(chunk: Uint8Array): void {
  const whole = handedOver.get(chunk.buffer);
  if (!whole || whole.byteOffset !== chunk.byteOffset || whole.byteLength !== chunk.byteLength) return;
  handedOver.delete(chunk.buffer);
  try {
    (chunk.buffer as ArrayBuffer).transfer(0);
  } catch {
    // A buffer the runtime will not detach is left to the collector.
  }
}
