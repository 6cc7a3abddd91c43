// Large noise PNGs written straight to disk, so a 1 GiB upload body never sits in memory.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { PNG_SIGNATURE, pngChunk } from "../../tests/support/images.ts";

/**
 * Writes a valid noise PNG of at least `bytes` to `path` piece by piece (stored deflate blocks,
 * one IDAT per ~1 MiB), so a 1 GiB image never sits in memory. Returns its size and sha256.
 */
export function writeNoisePngFile(path: string, bytes: number, seed: number): { size: number; sha256: string } {
  const width = 4096;
  const stride = width * 3 + 1;
  const height = Math.ceil(bytes / stride);
  const rowsPerBatch = 85; // ~1 MiB of scanlines
  const fd = openSync(path, "w");
  const hasher = new Bun.CryptoHasher("sha256");
  let size = 0;
  const put = (b: Uint8Array) => {
    hasher.update(b);
    let at = 0;
    while (at < b.length) at += writeSync(fd, b, at, b.length - at);
    size += b.length;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  put(PNG_SIGNATURE);
  put(pngChunk("IHDR", ihdr));
  let s = seed >>> 0 || 0x9e3779b9;
  let a = 1;
  let b = 0;
  const raw = new Uint8Array(rowsPerBatch * stride + 3);
  for (let y = 0; y < height; y += rowsPerBatch) {
    const rows = Math.min(rowsPerBatch, height - y);
    const n = rows * stride;
    const words = new Uint32Array(raw.buffer, 0, Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      words[i] = s;
    }
    for (let r = 0; r < rows; r++) raw[r * stride] = 0; // filter None
    const data = raw.subarray(0, n);
    for (let i = 0; i < n; ) {
      const stop = Math.min(n, i + 5552); // zlib's NMAX: no overflow before the modulo
      for (; i < stop; i++) {
        a += data[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    const last = y + rows >= height;
    const blocks = Math.ceil(n / 65535);
    const idat = Buffer.alloc((y === 0 ? 2 : 0) + blocks * 5 + n + (last ? 4 : 0));
    let at = 0;
    if (y === 0) {
      idat[at++] = 0x78; // zlib header: deflate, 32 KiB window, no dictionary
      idat[at++] = 0x01;
    }
    for (let from = 0; from < n; from += 65535) {
      const len = Math.min(65535, n - from);
      idat[at++] = last && from + len === n ? 1 : 0; // BFINAL, BTYPE=00 (stored)
      idat.writeUInt16LE(len, at);
      idat.writeUInt16LE(~len & 0xffff, at + 2);
      at += 4;
      idat.set(data.subarray(from, from + len), at);
      at += len;
    }
    if (last) idat.writeUInt32BE(((b << 16) | a) >>> 0, at);
    put(pngChunk("IDAT", idat));
  }
  put(pngChunk("IEND", new Uint8Array(0)));
  fsyncSync(fd); // so its writeback does not land in the next measurement
  closeSync(fd);
  return { size, sha256: hasher.digest("hex") };
}
