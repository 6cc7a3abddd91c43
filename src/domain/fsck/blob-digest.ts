// Reads a decrypted blob to its end, every segment authenticated, and digests what came out:
// the one read loop fsck uses for originals and previews alike.
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { IntegrityError } from "../../crypto/errors.ts";
import type { DecryptedBlob } from "../../crypto/stored-blob.ts";

export type BlobDigest =
  | { readonly ok: true; readonly sha256: string; readonly crc32: number }
  /** A segment failed authentication after `offset` good bytes. */
  | { readonly ok: false; readonly offset: number; readonly reason: string };

export async function digestBlob(blob: DecryptedBlob): Promise<BlobDigest> {
  const sha256 = createHash("sha256");
  let crc = 0;
  let offset = 0;
  try {
    for await (const chunk of blob.readAll()) {
      sha256.update(chunk);
      crc = crc32(chunk, crc);
      offset += chunk.length;
    }
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    return { ok: false, offset, reason: e.reason };
  }
  return { ok: true, sha256: sha256.digest("hex"), crc32: crc >>> 0 };
}
