// Decrypts a stored PXVB blob through the positional byte reader its store hands out (a disk
// file, an S3 object): stores move ciphertext only, on the way in and on the way out.
import { type OpenBlobOptions, type OpenedBlob, openBlob, type ReadAt } from "./blob-reader.ts";

/** What decryption needs from a store: the blob's size and positional reads (see ReadAt). */
export interface CiphertextReader {
  readonly size: number;
  readonly read: ReadAt;
  close(): Promise<void>;
}

export type DecryptOptions = Omit<OpenBlobOptions, "read" | "blobLength">;
export type DecryptedBlob = OpenedBlob & AsyncDisposable & { close(): Promise<void> };

/** Takes over the reader: closing the result (or `await using`) closes it, and so does a failed open. */
export async function openDecrypting(reader: CiphertextReader, options: DecryptOptions): Promise<DecryptedBlob> {
  try {
    const blob = await openBlob({ ...options, blobLength: reader.size, read: reader.read });
    const close = () => reader.close();
    return Object.assign(blob, { close, [Symbol.asyncDispose]: close });
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/** The blob of an image, decrypted; `undefined` when the store holds no blob under that id. */
export async function openStoredBlob(
  store: { open(imageId: string): Promise<CiphertextReader | undefined> },
  imageId: string,
  keys: Omit<DecryptOptions, "imageId">,
): Promise<DecryptedBlob | undefined> {
  const reader = await store.open(imageId);
  return reader && openDecrypting(reader, { ...keys, imageId });
}
