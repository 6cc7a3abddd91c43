// Where encrypted blobs live: bytes in, bytes out (decryption sits on top, in crypto/stored-blob.ts).
// On disk, files are named by image id only (blob-layout.ts); s3-blob-store.ts keeps them in a bucket.
import { constants, promises as fs } from "node:fs";
import { blobPath } from "./blob-layout.ts";
import { openDiskBlob } from "./disk-blob-reader.ts";
import { createDiskBlobWriter } from "./disk-blob-writer.ts";

/** An encrypted blob being written: nothing is visible under the image id until commit(). */
export interface BlobWriter {
  /** Appends ciphertext in order. */
  write(chunks: readonly Uint8Array[]): Promise<void>;
  /** Makes the blob durable under its id (fsync, rename, fsync of the directory). */
  commit(): Promise<void>;
  /** Discards everything written; safe to call after a failure and more than once. */
  abort(): Promise<void>;
}

/** A stored blob's bytes, read at any position; close it when done. */
export interface BlobReader {
  readonly size: number;
  /**
   * `length` bytes at `position`, fewer only past the end. It may fill `into` (unzeroed
   * scratch the caller owns and reuses) and return a view of it, so reads allocate nothing.
   */
  readonly read: (position: number, length: number, into?: Uint8Array) => Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface BlobStore {
  create(imageId: string): Promise<BlobWriter>;
  /** `undefined` when no blob exists under that id. */
  open(imageId: string): Promise<BlobReader | undefined>;
  /** Removes the blob of an image; a blob that is already gone is not an error. */
  delete(imageId: string): Promise<void>;
  /** Readiness: the store can be written. */
  check(): Promise<void>;
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
}

export function diskBlobStore(dir: string): BlobStore {
  return {
    create: (imageId) => createDiskBlobWriter(dir, imageId),
    open: (imageId) => openDiskBlob(blobPath(dir, imageId)),
    async delete(imageId) {
      // A bare unlink: rm stats the path first, twice the syscalls for every blob of every delete.
      await fs.unlink(blobPath(dir, imageId)).catch(ignoreMissing);
    },
    check: () => fs.access(dir, constants.W_OK),
  };
}
