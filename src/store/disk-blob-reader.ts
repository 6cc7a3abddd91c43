// Reads one stored blob file: small ones whole at open, larger ones with positional reads as asked.
import { closeSync, fstat, open, read } from "node:fs";
import { promisify } from "node:util";
import { borrow, giveBack } from "../recycled-buffers.ts";
import type { BlobReader } from "./blob-store.ts";

/**
 * Blobs up to this size are read whole at open, in one read, and the file is closed at once:
 * a reader of a 500 KB image otherwise made six trips through the thread pool (open, stat,
 * header, last segment, the rest, close), each a wake-up of a pool thread and of the event
 * loop. Reads then return views of that buffer. Larger blobs are read as asked, memory
 * staying bounded.
 */
const WHOLE_READ_BYTES = 2 * 1024 * 1024;

// Plain descriptors for the whole-read path: a FileHandle closes its fd again when collected,
// which must not happen to a number closed here and reused since.
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const readFd = promisify(read);

/** `undefined` when no file exists at `path`; the file stays open until close(). */
export async function openDiskBlob(path: string): Promise<BlobReader | undefined> {
  let fd: number;
  try {
    fd = await openFd(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  let handed = false;
  try {
    const { size } = await fstatFd(fd);
    if (size <= WHOLE_READ_BYTES) return wholeBlob(await readAt(fd, 0, size, borrow(size)));
    handed = true;
    return {
      size,
      read: (position, length, into) => readAt(fd, position, length, into),
      close: async () => closeSync(fd),
    };
  } finally {
    // A regular file's close does no I/O: done here, not as another trip through the pool.
    if (!handed) closeSync(fd);
  }
}

/**
 * Reads are views of `bytes`, which go back for the next reader at close (recycled-buffers.ts).
 * Decryption is their only consumer: a view still read after close would hold another blob's
 * bytes and fail authentication, never pass as this blob.
 */
function wholeBlob(bytes: Uint8Array): BlobReader {
  return {
    size: bytes.length,
    read: async (position, length) => bytes.subarray(position, Math.min(bytes.length, position + length)),
    close: async () => giveBack(bytes),
  };
}

async function readAt(fd: number, position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
  // Unzeroed: only the bytes the reads filled are returned.
  const target = into && into.length >= length ? into : Buffer.allocUnsafe(length);
  let filled = 0;
  // A positional read may return fewer bytes than asked; 0 means end of file.
  while (filled < length) {
    const { bytesRead } = await readFd(fd, target, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return target.subarray(0, filled);
}
