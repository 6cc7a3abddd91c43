// What every preview must be, checked the same way by each media test; and the odd originals those tests feed in.
import { expect } from "bun:test";
import { fileTypeFromBuffer } from "file-type";
import { deflateSync } from "node:zlib";
import type { Sharp } from "../../src/media/sharp-loader.ts";
import { pngChunk } from "../support/images.ts";
import { RED } from "./photo-samples.ts";

interface PreviewLike {
  readonly contentType: string;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** What a browser would get: the declared type is the real one, and nothing but pixels is inside. */
export async function expectCleanPreview(sharp: Sharp, preview: PreviewLike): Promise<void> {
  expect((await fileTypeFromBuffer(preview.bytes))?.mime).toBe(preview.contentType);
  const meta = await sharp(preview.bytes).metadata();
  expect({ width: meta.width, height: meta.height }).toEqual({ width: preview.width, height: preview.height });
  expect(meta.exif).toBeUndefined();
  expect(meta.xmp).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  expect(meta.icc).toBeUndefined();
  expect(meta.orientation).toBeUndefined();
  expect(meta.pages ?? 1).toBe(1);
}

/** A PNG written by hand: sizes and layouts (huge, interlaced, 1-bit) that sharp would not write cheaply. */
export function png(width: number, height: number, rows: Buffer, { interlace = 0, colour = 0, depth = 8 } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  ihdr[12] = interlace;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(rows, { level: 9 })),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** A 30000×30000 1-bit PNG, all zero: ~110 KB on disk, 900 million pixels decoded. */
export function pngBomb(): Buffer {
  return png(30_000, 30_000, Buffer.alloc(30_000 * (1 + 30_000 / 8)), { depth: 1 });
}

/** An animated 120×90 GIF of two frames: red, then blue. */
export async function redThenBlueGif(sharp: Sharp): Promise<Buffer> {
  const frame = (background: typeof RED) =>
    sharp({ create: { width: 120, height: 90, channels: 3, background } })
      .raw()
      .toBuffer();
  const frames = Buffer.concat([await frame(RED), await frame({ r: 0, g: 0, b: 255 })]);
  return sharp(frames, { raw: { width: 120, height: 180, channels: 3, pageHeight: 90 } })
    .gif({ delay: [100, 100] })
    .toBuffer();
}
