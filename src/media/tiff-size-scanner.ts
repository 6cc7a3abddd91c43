// Finds a TIFF's width and height in its first directory (IFD0), captured as the upload streams by.
// libtiff (and so sharp, and most scanners) writes IFD0 after the pixel data — at the end of the
// file — so the header only tells us where to look; a head of the file would never contain it.
import type { Dimensions, SizeScanner } from "./image-dimensions.ts";

export interface TiffLayout {
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  /** Absolute offset of IFD0. */
  readonly ifdOffset: number;
}

const HEADER_BYTES = 16; // BigTIFF's header; a classic one is 8
// IFD0's tags are sorted by number, so ImageWidth (256) and ImageLength (257) come first: 4 KiB is ample.
const WINDOW_BYTES = 4096;
const TAG_WIDTH = 256;
const TAG_HEIGHT = 257;

/** The layout a TIFF header declares, or null when the bytes are not a TIFF header. */
export function tiffLayout(header: Uint8Array): TiffLayout | null {
  if (header.length < 8) return null;
  const littleEndian = header[0] === 0x49 && header[1] === 0x49; // "II"
  if (!littleEndian && !(header[0] === 0x4d && header[1] === 0x4d)) return null; // "MM"
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const version = view.getUint16(2, littleEndian);
  if (version === 42) {
    const ifdOffset = view.getUint32(4, littleEndian);
    return ifdOffset >= 8 ? { littleEndian, bigTiff: false, ifdOffset } : null;
  }
  if (version !== 43 || header.length < 16) return null;
  const ifdOffset = view.getBigUint64(8, littleEndian);
  if (ifdOffset < 16n || ifdOffset > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { littleEndian, bigTiff: true, ifdOffset: Number(ifdOffset) };
}

function readSize(dir: Uint8Array, layout: TiffLayout): Dimensions | null {
  const { littleEndian: le, bigTiff } = layout;
  const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const countBytes = bigTiff ? 8 : 2;
  const entryBytes = bigTiff ? 20 : 12;
  const valueAt = bigTiff ? 12 : 8;
  if (dir.length < countBytes) return null;
  const count = bigTiff ? Number(view.getBigUint64(0, le)) : view.getUint16(0, le);
  let width = 0;
  let height = 0;
  for (let i = 0, at = countBytes; i < count && at + entryBytes <= dir.length; i++, at += entryBytes) {
    const tag = view.getUint16(at, le);
    if (tag !== TAG_WIDTH && tag !== TAG_HEIGHT) continue;
    const type = view.getUint16(at + 2, le);
    const values = bigTiff ? Number(view.getBigUint64(at + 4, le)) : view.getUint32(at + 4, le);
    if (values !== 1) continue;
    const value =
      type === 3
        ? view.getUint16(at + valueAt, le)
        : type === 4
          ? view.getUint32(at + valueAt, le)
          : type === 16 && bigTiff
            ? Number(view.getBigUint64(at + valueAt, le))
            : 0;
    if (tag === TAG_WIDTH) width = value;
    else height = value;
  }
  return width > 0 && height > 0 ? { width, height } : null;
}

export function createTiffSizeScanner(): SizeScanner {
  const header = new Uint8Array(HEADER_BYTES);
  const window = new Uint8Array(WINDOW_BYTES);
  let seen = 0;
  let layout: TiffLayout | null | undefined; // undefined until the header is complete

  // Copies the part of `bytes` (which start at absolute offset `at`) that falls inside the IFD window.
  function capture(bytes: Uint8Array, at: number, ifd: number): void {
    const start = Math.max(at, ifd);
    const end = Math.min(at + bytes.length, ifd + WINDOW_BYTES);
    if (end > start) window.set(bytes.subarray(start - at, end - at), start - ifd);
  }

  return {
    push(chunk) {
      if (layout === null) return;
      const at = seen;
      if (at < HEADER_BYTES) header.set(chunk.subarray(0, HEADER_BYTES - at), at);
      seen += chunk.length;
      if (layout === undefined) {
        if (seen < HEADER_BYTES) return;
        layout = tiffLayout(header);
        if (layout === null) return;
        capture(header, 0, layout.ifdOffset); // IFD0 may start inside the header bytes already pushed
      }
      if (at < layout.ifdOffset + WINDOW_BYTES) capture(chunk, at, layout.ifdOffset);
    },
    result() {
      if (!layout) return null;
      const captured = Math.min(WINDOW_BYTES, Math.max(0, seen - layout.ifdOffset));
      return readSize(window.subarray(0, captured), layout);
    },
  };
}
