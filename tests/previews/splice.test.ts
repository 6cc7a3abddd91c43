// The splice that stores a location-free copy: it describes exactly the stripped bytes, and the
// reader over the original's blob gives back every byte range of them, across piece boundaries.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import type { DecryptedBlob } from "../../src/crypto/stored-blob.ts";
import { spliceOf, splicedBlob } from "../../src/domain/previews/splice.ts";
import { stripLocation, stripLocationParts } from "../../src/media/gps-strip.ts";
import { photo } from "../media/photo-samples.ts";
import { testSharp } from "../support/previews-api.ts";

/** The original as a blob that serves ranges in small chunks, like the segment reader does. */
function blobOf(bytes: Uint8Array): DecryptedBlob & { closed: boolean } {
  async function* readRange(start: number, endInclusive: number): AsyncGenerator<Uint8Array> {
    expect(start).toBeGreaterThanOrEqual(0);
    expect(endInclusive).toBeLessThan(bytes.length);
    for (let at = start; at <= endInclusive; at += 7) yield bytes.slice(at, Math.min(at + 7, endInclusive + 1));
  }
  const blob = {
    closed: false,
    plaintextLength: bytes.length,
    segmentSize: 65536,
    readRange,
    readAll: () => readRange(0, bytes.length - 1),
    close: async () => {
      blob.closed = true;
    },
    [Symbol.asyncDispose]: async () => blob.close(),
  };
  return blob;
}

async function collect(chunks: AsyncGenerator<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("splice", () => {
  for (const format of ["jpeg", "png", "webp"] as const) {
    test(`${format}: the splice is the stripped copy, ranges included`, async () => {
      const contentType = `image/${format}`;
      const original = await photo(testSharp(), { width: 64, height: 40, format });
      const stripped = stripLocation(original, contentType);
      const parts = stripLocationParts(original, contentType);
      if (!stripped.ok || !parts.ok) throw new Error("strip failed");
      expect(stripped.changed).toBe(true);
      const expected = Buffer.from(stripped.bytes);
      const splice = spliceOf(original, parts.parts);
      expect(splice.size).toBe(expected.length);
      expect(splice.sha256).toBe(createHash("sha256").update(expected).digest("hex"));
      expect(splice.crc32).toBe(crc32(expected));
      // Kept runs are ranges of the original (merged), so the stored description stays small.
      expect(splice.pieces.length).toBeLessThanOrEqual(6);
      expect(JSON.stringify(splice).length).toBeLessThan(600);

      const source = blobOf(original);
      const copy = splicedBlob(source, splice);
      expect(copy.plaintextLength).toBe(expected.length);
      expect(await collect(copy.readAll())).toEqual(expected);
      for (let start = 0; start < expected.length; start += 13) {
        for (const end of [start, start + 1, start + 40, expected.length - 1]) {
          const last = Math.min(end, expected.length - 1);
          expect(await collect(copy.readRange(start, last))).toEqual(expected.subarray(start, last + 1));
        }
      }
      await copy.close();
      expect(source.closed).toBe(true);
    });
  }

  test("bytes equal to the original's but not its memory are inline, never a range", () => {
    const original = Buffer.from("abcdefgh");
    const splice = spliceOf(original, [original.subarray(0, 2), Buffer.from("cd"), original.subarray(4, 6), original.subarray(6)]);
    expect(splice.pieces).toEqual([{ from: 0, to: 2 }, { inline: Buffer.from("cd").toString("base64") }, { from: 4, to: 8 }]);
  });
});
