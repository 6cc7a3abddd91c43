// Start-up sweep of blob temp files. A temp file belongs to an upload in progress; at start-up
// no upload is, so every one left is from a process that crashed before its row committed
// (the blob is renamed into place before the row commits), and nothing can point at it.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { TEMP_DIR } from "./disk-blob-writer.ts";

/** Removes every `*.tmp` file under `<blobDir>/.tmp`; returns how many went. Call before serving. */
export async function sweepTempBlobs(blobDir: string): Promise<number> {
  const dir = join(blobDir, TEMP_DIR);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith(".tmp")) continue;
    await fs.rm(join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}
