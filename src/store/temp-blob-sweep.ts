// Start-up sweep of blob temp files. A temp file belongs to an upload in progress; at start-up
// under the data directory's lock no upload is, so every one left is from a process that crashed
// before its row committed (the blob is renamed into place before the row commits), and nothing
// can point at it.
import { removeBlobFile, tempFiles } from "./blob-inventory.ts";

/**
 * Removes the temp files under `<blobDir>/.tmp` at least `olderThanMs` old; returns how many went.
 * 0 removes every file: only for a process that holds the data directory's lock, before serving.
 */
export async function sweepTempBlobs(blobDir: string, options: { readonly olderThanMs: number }): Promise<number> {
  const { olderThanMs } = options;
  let removed = 0;
  const cutoff = Date.now() - olderThanMs;
  for await (const file of tempFiles(blobDir)) {
    if (olderThanMs > 0 && file.modifiedMs > cutoff) continue;
    await removeBlobFile(file);
    removed += 1;
  }
  return removed;
}
