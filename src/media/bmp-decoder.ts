// Decodes an uncompressed BMP to raw RGB/RGBA pixels for previews.ts, since libvips has no BMP loader.
//
// Hand-written because no npm decoder fits: bmp-js (MIT, the usual choice) has not changed since
// 2018, allocates the whole frame (with the deprecated `new Buffer`) from the header's size before
// checking the file holds it, has no pixel limit and returns ABGR. ~150 lines are cheaper to own.
// Bounded on purpose: the pixel count is checked against maxPixels from the header, and the file
// must hold every row the header promises, both before any allocation, so the work done is
// proportional to the bytes received. Large images are box-averaged while decoding to at most
// `maxEdge` on their longest side, so the frame kept is small whatever the original's size, and the
// decoder yields to the event loop between slices of rows, checking its deadline there.
import { type BmpHeader, countTrailingZeros, readBmpHeader } from "./bmp-header.ts";

export interface DecodedBmp {
  readonly ok: true;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly data: Uint8Array;
}

export type BmpDecodeResult =
  | DecodedBmp
  | { readonly ok: false; readonly reason: "too_many_pixels" | "undecodable" | "timeout"; readonly detail: string };

export interface BmpDecodeOptions {
  /** Images with more pixels are refused before anything is allocated. */
  readonly maxPixels: number;
  /** The longest edge of the result: larger images are shrunk by a whole factor while decoding. */
  readonly maxEdge: number;
  readonly timeoutMs?: number;
}

/** Writes pixels x0 … x0+count-1 of the row starting at byte `start` into `run`, as RGB or RGBA. */
type RunReader = (start: number, x0: number, count: number, run: Uint8Array) => void;

// Roughly a million source pixels between yields: a few milliseconds of work.
const PIXELS_PER_SLICE = 2 ** 20;
// Rows are read in runs of at most this many pixels, so a 200-million-pixel-wide BMP needs no
// row buffer of its width.
const RUN_PIXELS = 2 ** 16;

function paletteReader({ bitsPerPixel: bits, palette }: BmpHeader, bytes: Uint8Array): RunReader {
  const colours = palette!;
  const indexMask = (1 << bits) - 1;
  return (start, x0, count, run) => {
    for (let i = 0; i < count; i++) {
      const bit = (x0 + i) * bits;
      const index = (bytes[start + (bit >>> 3)]! >>> (8 - bits - (bit & 7))) & indexMask;
      run[i * 3] = colours[index * 3]!;
      run[i * 3 + 1] = colours[index * 3 + 1]!;
      run[i * 3 + 2] = colours[index * 3 + 2]!;
    }
  };
}

function bgrReader(bytes: Uint8Array): RunReader {
  return (start, x0, count, run) => {
    for (let i = 0; i < count; i++) {
      const at = start + (x0 + i) * 3;
      run[i * 3] = bytes[at + 2]!;
      run[i * 3 + 1] = bytes[at + 1]!;
      run[i * 3 + 2] = bytes[at]!;
    }
  };
}

/** Scales one masked field to 0–255 (a 5-bit 31 becomes 255, an 8-bit field is copied). */
function channelOf(mask: number, missing: number): (pixel: number) => number {
  if (mask === 0) return () => missing;
  const shift = countTrailingZeros(mask);
  const max = mask >>> shift;
  if (max === 0xff) return (pixel) => (pixel & mask) >>> shift;
  return (pixel) => Math.round((((pixel & mask) >>> shift) * 255) / max);
}

function maskedReader({ bitsPerPixel, masks, channels }: BmpHeader, bytes: Uint8Array): RunReader {
  const [r, g, b, a] = [channelOf(masks!.red, 0), channelOf(masks!.green, 0), channelOf(masks!.blue, 0), channelOf(masks!.alpha, 255)];
  const wide = bitsPerPixel === 32;
  return (start, x0, count, run) => {
    for (let i = 0; i < count; i++) {
      const at = start + (x0 + i) * (wide ? 4 : 2);
      const pixel = wide
        ? (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
        : bytes[at]! | (bytes[at + 1]! << 8);
      const o = i * channels;
      run[o] = r(pixel);
      run[o + 1] = g(pixel);
      run[o + 2] = b(pixel);
      if (channels === 4) run[o + 3] = a(pixel);
    }
  };
}

function runReader(header: BmpHeader, bytes: Uint8Array): RunReader {
  if (header.palette) return paletteReader(header, bytes);
  return header.bitsPerPixel === 24 ? bgrReader(bytes) : maskedReader(header, bytes);
}

function hasAlpha(run: Uint8Array, length: number): boolean {
  for (let i = 3; i < length; i += 4) if (run[i] !== 0) return true;
  return false;
}

/** The pixels of a BMP, shrunk to fit `maxEdge`, or why not. Never throws for bad bytes. */
export async function decodeBmp(bytes: Uint8Array, options: BmpDecodeOptions): Promise<BmpDecodeResult> {
  const read = readBmpHeader(bytes);
  if (!read.ok) return { ok: false, reason: "undecodable", detail: read.detail };
  const header = read.header;
  const { width, height, channels, stride, pixelOffset } = header;
  if (width * height > options.maxPixels) {
    return { ok: false, reason: "too_many_pixels", detail: `${width}×${height} is more than ${options.maxPixels} pixels` };
  }
  // The last row may lack its padding (some writers stop at the last pixel).
  const needed = pixelOffset + stride * (height - 1) + Math.ceil((width * header.bitsPerPixel) / 8);
  if (needed > bytes.length) {
    const detail = `the BMP is truncated: its pixels need ${needed} bytes, the file has ${bytes.length}`;
    return { ok: false, reason: "undecodable", detail };
  }
  const shrink = Math.max(1, Math.ceil(Math.max(width, height) / options.maxEdge));
  const outWidth = Math.ceil(width / shrink);
  const outHeight = Math.ceil(height / shrink);
  const out = new Uint8Array(outWidth * outHeight * channels);
  // A run of whole blocks, so a block never straddles two runs.
  const runPixels = Math.min(width, shrink * Math.ceil(RUN_PIXELS / shrink));
  const run = new Uint8Array(runPixels * channels);
  const sums = new Float64Array(outWidth * channels);
  const readRun = runReader(header, bytes);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  let sinceYield = 0;
  let alphaSeen = false;

  for (let y = 0; y < height; y++) {
    const start = pixelOffset + (header.topDown ? y : height - 1 - y) * stride;
    for (let x0 = 0; x0 < width; x0 += runPixels) {
      if (sinceYield >= PIXELS_PER_SLICE) {
        sinceYield = 0;
        await new Promise((resume) => setImmediate(resume));
        if (performance.now() > deadline) return { ok: false, reason: "timeout", detail: `BMP decoding took longer than ${timeoutMs} ms` };
      }
      const count = Math.min(runPixels, width - x0);
      sinceYield += count;
      readRun(start, x0, count, run);
      if (channels === 4 && !alphaSeen) alphaSeen = hasAlpha(run, count * channels);
      if (shrink === 1) {
        out.set(run.subarray(0, count * channels), (y * width + x0) * channels);
        continue;
      }
      // Box average: each output pixel is the mean of its shrink×shrink block (smaller at the edges).
      for (let i = 0; i < count; i++) {
        const to = Math.floor((x0 + i) / shrink) * channels;
        for (let c = 0; c < channels; c++) sums[to + c]! += run[i * channels + c]!;
      }
    }
    const blockRows = (y % shrink) + 1;
    if (shrink === 1 || (blockRows < shrink && y < height - 1)) continue;
    const outRow = Math.floor(y / shrink) * outWidth * channels;
    for (let ox = 0; ox < outWidth; ox++) {
      const count = blockRows * Math.min(shrink, width - ox * shrink);
      for (let c = 0; c < channels; c++) out[outRow + ox * channels + c] = Math.round(sums[ox * channels + c]! / count);
    }
    sums.fill(0);
  }
  // An alpha channel that is 0 everywhere is one the writer never filled: show the picture opaque,
  // as browsers do, rather than an invisible one.
  if (channels === 4 && !alphaSeen) for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return { ok: true, width: outWidth, height: outHeight, channels, data: out };
}
