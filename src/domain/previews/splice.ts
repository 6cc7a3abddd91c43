// A copy of an original described as a splice of it — runs of the original's bytes and a few
// new ones — and a reader that serves the copy from the original's blob. The location-free
// copy others get is stored this way: no second blob, yet exact lengths, any byte range, a
// strong ETag and a zip CRC-32, all known before the first byte.
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import type { DecryptedBlob } from "../../crypto/stored-blob.ts";

/** Bytes `from` (inclusive) to `to` (exclusive) of the original, or new bytes (base64). */
type SplicePiece = { readonly from: number; readonly to: number } | { readonly inline: string };

export interface Splice {
  readonly size: number;
  /** Of the copy's bytes: its strong ETag. */
  readonly sha256: string;
  /** Of the copy's bytes: its zip entry's CRC-32. */
  readonly crc32: number;
  readonly pieces: readonly SplicePiece[];
}

/**
 * Describes the concatenation of `parts` relative to `original`: a part that is a view of the
 * original's own memory becomes a range, anything else inline bytes. Neighbouring ranges and
 * neighbouring inline bytes are merged, so a JPEG's splice is a handful of pieces.
 */
export function spliceOf(original: Uint8Array, parts: readonly Uint8Array[]): Splice {
  const pieces: ({ from: number; to: number } | { bytes: Uint8Array[] })[] = [];
  const hash = createHash("sha256");
  let crc = 0;
  let size = 0;
  for (const part of parts) {
    if (part.length === 0) continue;
    hash.update(part);
    crc = crc32(part, crc);
    size += part.length;
    const last = pieces.at(-1);
    const from = offsetIn(original, part);
    if (from === undefined) {
      if (last && "bytes" in last) last.bytes.push(part);
      else pieces.push({ bytes: [part] });
    } else if (last && "to" in last && last.to === from) {
      last.to = from + part.length;
    } else {
      pieces.push({ from, to: from + part.length });
    }
  }
  return {
    size,
    sha256: hash.digest("hex"),
    crc32: crc,
    pieces: pieces.map((p) => ("bytes" in p ? { inline: Buffer.concat(p.bytes).toString("base64") } : p)),
  };
}

/** Where `part` lies in `original` when it is a view of the very same memory (not merely equal bytes). */
function offsetIn(original: Uint8Array, part: Uint8Array): number | undefined {
  if (part.buffer !== original.buffer) return undefined;
  const from = part.byteOffset - original.byteOffset;
  return from >= 0 && from + part.length <= original.length ? from : undefined;
}

/** The copy the splice describes, read from the original's blob; closing it closes the original. */
export function splicedBlob(original: DecryptedBlob, splice: Splice): DecryptedBlob {
  const pieces = splice.pieces.map((p) => ("inline" in p ? { bytes: Buffer.from(p.inline, "base64") } : p));
  async function* readRange(start: number, endInclusive: number): AsyncGenerator<Uint8Array> {
    let offset = 0;
    for (const piece of pieces) {
      if (offset > endInclusive) return;
      const length = "bytes" in piece ? piece.bytes.length : piece.to - piece.from;
      const lo = Math.max(start, offset) - offset;
      const hi = Math.min(endInclusive + 1, offset + length) - offset;
      offset += length;
      if (lo >= hi) continue;
      if ("bytes" in piece) yield piece.bytes.subarray(lo, hi);
      else yield* original.readRange(piece.from + lo, piece.from + hi - 1);
    }
  }
  const close = () => original.close();
  return {
    plaintextLength: splice.size,
    segmentSize: original.segmentSize,
    readRange,
    readAll: () => readRange(0, splice.size - 1),
    close,
    [Symbol.asyncDispose]: close,
  };
}
