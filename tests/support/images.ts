// Images for tests: the committed fixtures (made by scripts/make-fixtures.mjs) and PNGs of any size
// written in pure JS, since sharp cannot run under bun test.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";

const FIXTURE_DIR = join(import.meta.dir, "../fixtures/images");

export function fixtureImage(name: string): Buffer {
  return readFileSync(join(FIXTURE_DIR, name));
}

export interface ImageFixture {
  file: string;
  contentType: string;
  width: number;
  height: number;
}

/** Every accepted fixture with what its bytes say it is (see tests/fixtures/images/README.md). */
export const FIXTURES: readonly ImageFixture[] = [
  { file: "sample.jpg", contentType: "image/jpeg", width: 40, height: 30 },
  { file: "sample.png", contentType: "image/png", width: 40, height: 30 },
  { file: "sample.gif", contentType: "image/gif", width: 40, height: 30 },
  { file: "sample.webp", contentType: "image/webp", width: 40, height: 30 },
  { file: "sample.avif", contentType: "image/avif", width: 40, height: 30 },
  { file: "sample.heif", contentType: "image/heif", width: 40, height: 30 },
  { file: "sample.heic", contentType: "image/heic", width: 40, height: 30 },
  { file: "sample.bmp", contentType: "image/bmp", width: 40, height: 30 },
  { file: "sample.tiff", contentType: "image/tiff", width: 40, height: 30 },
  { file: "bigtiff.tiff", contentType: "image/tiff", width: 40, height: 30 },
  // SOF ~95 KB in, behind a 65 KB Exif and a 30 KB XMP segment.
  { file: "big-exif.jpg", contentType: "image/jpeg", width: 64, height: 48 },
];

/** Fixtures that must be refused, with what they really are. */
export const REFUSED_FIXTURES: readonly { file: string; detected: string }[] = [
  { file: "sample.svg", detected: "image/svg+xml" },
  { file: "sample.pdf", detected: "application/pdf" },
  { file: "fake.png", detected: "text/plain" },
  { file: "sample.elf", detected: "application/x-elf" },
  { file: "sample.zip", detected: "application/zip" },
  { file: "sample.ico", detected: "image/x-icon" },
];

export interface NoisePngOptions {
  width: number;
  height: number;
  /** Same seed, same bytes. */
  seed?: number;
  /** Stored in a tEXt chunk (keyword "Comment"), to plant a findable marker inside image bytes. */
  text?: string;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC-32 (also used by bench/images.ts to stream huge PNGs). */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An 8-bit RGB PNG of pseudo-random pixels: it does not compress, so its size is ~3 bytes per pixel
 * and predictable. Deflate level 0 (stored blocks) keeps a 5 MB image well under a second to make.
 */
export function noisePng({ width, height, seed = 1, text }: NoisePngOptions): Buffer {
  const stride = width * 3 + 1; // each row leads with its filter byte
  const words = new Uint32Array(Math.ceil((stride * height) / 4));
  let s = seed >>> 0 || 0x9e3779b9; // xorshift32 must not start at 0
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s;
  }
  const rows = new Uint8Array(words.buffer, 0, stride * height);
  for (let y = 0; y < height; y++) rows[y * stride] = 0; // filter type None
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk("IHDR", ihdr),
    ...(text === undefined ? [] : [pngChunk("tEXt", Buffer.from(`Comment\0${text}`, "latin1"))]),
    pngChunk("IDAT", deflateSync(rows, { level: 0 })),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** A noise PNG (4:3) of at least `bytes` bytes, over by less than one row plus ~100 bytes of framing. */
export function pngOfSize(bytes: number, seed = 1): Buffer {
  const width = Math.max(1, Math.round(Math.sqrt((bytes / 3) * (4 / 3))));
  const stride = width * 3 + 1;
  let height = Math.max(1, Math.ceil((bytes - 100) / stride));
  for (;;) {
    const png = noisePng({ width, height, seed });
    if (png.length >= bytes) return png;
    height += Math.ceil((bytes - png.length) / stride);
  }
}
