// Reads an image's width and height from its header: from the kept head for formats whose header
// leads the file, or from a scanner fed the whole stream for JPEG and TIFF, whose size can sit far in.
import { GIF } from "image-size/types/gif";
import { HEIF } from "image-size/types/heif";
import type { ISizeCalculationResult } from "image-size/types/interface";
import { PNG } from "image-size/types/png";
import { WEBP } from "image-size/types/webp";
import { createJpegSizeScanner } from "./jpeg-size-scanner.ts";
import { createTiffSizeScanner } from "./tiff-size-scanner.ts";

export interface Dimensions {
  readonly width: number;
  readonly height: number;
}

/** Fed every chunk in order; retains only a few KiB whatever the stream's length. */
export interface SizeScanner {
  push(chunk: Uint8Array): void;
  result(): Dimensions | null;
}

/** The streaming scanner for a file starting with `head` (≥ 4 bytes), or null when its header leads the file. */
export function createStreamingSizeScanner(head: Uint8Array): SizeScanner | null {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return createJpegSizeScanner();
  if (isTiffMagic(head)) return createTiffSizeScanner();
  return null;
}

// "II*\0" / "MM\0*" (classic) and "II+\0" / "MM\0+" (BigTIFF).
const isTiffMagic = (h: Uint8Array) =>
  (h[0] === 0x49 && h[1] === 0x49 && (h[2] === 0x2a || h[2] === 0x2b) && h[3] === 0) ||
  (h[0] === 0x4d && h[1] === 0x4d && h[2] === 0 && (h[3] === 0x2a || h[3] === 0x2b));

// Known BITMAPINFOHEADER sizes: OS/2 core (12) and its v2 (16/64), Windows v1–v5 (40, 52, 56, 108, 124).
const BMP_DIB_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

/** The DIB header size of a plausible BMP, or null: file-type calls anything starting "BM" a bitmap. */
export function bmpDibSize(head: Uint8Array): number | null {
  if (head.length < 26 || head[0] !== 0x42 || head[1] !== 0x4d) return null;
  const size = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(14, true);
  return BMP_DIB_SIZES.has(size) ? size : null;
}

function bmpSize(head: Uint8Array): Dimensions | null {
  const dib = bmpDibSize(head);
  if (dib === null) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (dib === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
  // A negative height marks a top-down bitmap; the size is its magnitude.
  return { width: view.getInt32(18, true), height: Math.abs(view.getInt32(22, true)) };
}

// image-size's HEIF reader lists every ispe; for tiled (grid) images, as iPhones write, the largest
// is the full picture — the same choice image-size's own imageSize() makes.
function heifSize(head: Uint8Array): Dimensions {
  const found: ISizeCalculationResult = HEIF.calculate(head);
  return (found.images ?? [found]).reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

// The handlers are called directly, by the type file-type found, so image-size's own guess of the
// format (which misses brands such as AVIF's "avis") never overrides ours.
const fromHead: Record<string, (head: Uint8Array) => Dimensions | null> = {
  "image/png": PNG.calculate,
  "image/apng": PNG.calculate,
  "image/gif": GIF.calculate,
  "image/webp": WEBP.calculate,
  "image/bmp": bmpSize,
  "image/avif": heifSize,
  "image/heic": heifSize,
  "image/heif": heifSize,
  "image/heic-sequence": heifSize,
  "image/heif-sequence": heifSize,
};

/** Width and height from the head for `contentType`, or null when the head does not give them. */
export function dimensionsFromHead(contentType: string, head: Uint8Array): Dimensions | null {
  const read = fromHead[contentType];
  if (!read) return null;
  try {
    return plausible(read(head));
  } catch {
    return null; // a truncated or malformed header: readers throw RangeError/TypeError
  }
}

const isSize = (n: number) => Number.isSafeInteger(n) && n > 0;

function plausible(size: Dimensions | null): Dimensions | null {
  return size && isSize(size.width) && isSize(size.height) ? { width: size.width, height: size.height } : null;
}
