// Reads a PXVB blob from a local file with positional reads into the reader's scratch buffer.
import { promises as fs } from "node:fs";
import { type OpenBlobOptions, type OpenedBlob, openBlob, type ReadAt } from "./blob-reader.ts";

export type BlobFileOptions = Omit<OpenBlobOptions, "read" | "blobLength">;
export type OpenedBlobFile = OpenedBlob & AsyncDisposable & { close(): Promise<void> };

/** Opens the file once; close it (or `await using`) when the response is done. */
export async function openBlobFile(
  path: string,
  options: BlobFileOptions,
): Promise<OpenedBlobFile> {
  const handle = await fs.open(path, "r");
  try {
    const { size } = await handle.stat();
    const read: ReadAt = async (offset, length, scratch) => {
      // Unzeroed: only the bytes the reads filled are returned.
      const target = scratch && scratch.length >= length ? scratch : Buffer.allocUnsafe(length);
      let filled = 0;
      // A positional read may return fewer bytes than asked; 0 means end of file.
      while (filled < length) {
        const { bytesRead } = await handle.read(target, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return target.subarray(0, filled);
    };
    const blob = await openBlob({ ...options, blobLength: size, read });
    const close = () => handle.close();
    return Object.assign(blob, { close, [Symbol.asyncDispose]: close });
  } catch (error) {
    await handle.close();
    throw error;
  }
}
