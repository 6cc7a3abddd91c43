// Where encrypted blobs live. Files are named by image id only, fanned out over
// two directory levels so no directory grows past a few thousand entries.
import { constants, promises as fs } from "node:fs";
import { join } from "node:path";

export interface BlobStore {
  /** Removes the blob of an image; a blob that is already gone is not an error. */
  delete(imageId: string): Promise<void>;
  /** Readiness: the store can be written. */
  check(): Promise<void>;
}

export function blobPath(dir: string, imageId: string): string {
  return join(dir, imageId.slice(0, 2), imageId.slice(2, 4), imageId);
}

export function diskBlobStore(dir: string): BlobStore {
  return {
    async delete(imageId) {
      await fs.rm(blobPath(dir, imageId), { force: true });
    },
    check: () => fs.access(dir, constants.W_OK),
  };
}
