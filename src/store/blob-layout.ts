// Where a blob's bytes sit under a disk blob directory: one file per image id, fanned out over
// two directory levels so no directory grows past a few thousand entries, and a temp directory.
import { join } from "node:path";

/** Temp files live inside the blob dir so the final rename never crosses a filesystem. */
export const TEMP_DIR = ".tmp";

export function blobPath(dir: string, imageId: string): string {
  return join(dir, imageId.slice(0, 2), imageId.slice(2, 4), imageId);
}
