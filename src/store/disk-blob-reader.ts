// Reads one stored blob file with positional reads, into the caller's scratch when it fits.
import { promises as fs } from "node:fs";
import type { BlobReader } from "./blob-store.ts";

/** `undefined` when no file exists at `path`; the file stays open until close(). */
export async function openDiskBlob(path: string): Promise<BlobReader | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(position, length, into) {
        // Unzeroed: only the bytes the reads filled are returned.
        const target = into && into.length >= length ? into : Buffer.allocUnsafe(length);
        let filled = 0;
        // A positional read may return fewer bytes than asked; 0 means end of file.
        while (filled < length) {
          const { bytesRead } = await handle.read(target, filled, length - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return target.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
