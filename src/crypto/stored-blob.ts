// Encrypts into and decrypts out of a blob store that moves bytes only (a disk file, an S3
// object): the PXVB format is composed here, over the store's writer and positional reader.
import { type BlobEncryptorOptions, createBlobEncryptor } from "./blob-encryptor.ts";
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

/** What encryption needs from a store's writer: nothing is visible under the id until commit(). */
interface CiphertextWriter {
  write(chunks: readonly Uint8Array[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface EncryptingWriter {
  /** Store it in the image's row: reads are refused unless it matches. */
  readonly commitment: Buffer;
  /** Appends plaintext in order; whole segments go to the store as they fill. */
  write(plaintext: Uint8Array): Promise<void>;
  /** Writes the final segment, then makes the blob durable. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Takes over the writer: the header goes out now (a failure aborts it), segments as they fill. */
export async function openEncrypting(writer: CiphertextWriter, options: BlobEncryptorOptions): Promise<EncryptingWriter> {
  const encryptor = createBlobEncryptor(options);
  try {
    await writer.write([encryptor.header]);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return {
    commitment: encryptor.commitment,
    write: (plaintext) => writer.write(encryptor.push(plaintext)),
    async commit() {
      await writer.write(encryptor.finish());
      await writer.commit();
    },
    abort: () => writer.abort(),
  };
}
