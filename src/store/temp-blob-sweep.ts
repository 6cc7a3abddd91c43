// Start-up sweep of blob temp files. A temp file belongs to an upload in progress; at start-up
// no upload is, so every one left is from a process that crashed before its row committed
// (the blob is renamed into place before the row commits), and nothing can point at it.
import { removeBlobFile, tempFiles } from "./blob-inventory.ts";

/** Removes every temp file under `<blobDir>/.tmp`; returns how many went. Call before serving. */
export async function sweepTempBlobs(blobDir: string): Promise<number> {
  let removed = 0;
  for await (const file of tempFiles(blobDir)) {
    await removeBlobFile(file);
    removed += 1;
  }
  return removed;
}
