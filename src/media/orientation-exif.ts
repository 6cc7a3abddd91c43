// The one piece of EXIF kept when location metadata is stripped: the orientation, as a minimal TIFF block.
import exifReader from "exif-reader";

/** The Orientation (2–8) of a TIFF/EXIF block (with or without the "Exif\0\0" prefix), or 1. */
export function orientationOf(block: Uint8Array): number {
  try {
    const value = exifReader(Buffer.from(block.buffer, block.byteOffset, block.byteLength)).Image?.Orientation;
    return typeof value === "number" && value >= 1 && value <= 8 ? value : 1;
  } catch {
    return 1;
  }
}

/**
 * A big-endian TIFF block whose IFD0 holds only Orientation (26 bytes), or null for 1, which
 * needs no block at all. Rewriting rather than editing the original block means nothing else
 * in it (GPS, maker notes, serial numbers, an embedded thumbnail with its own EXIF) survives.
 */
export function orientationOnlyExif(orientation: number): Uint8Array | null {
  if (orientation < 2 || orientation > 8) return null;
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d, 0x00, 0x2a]); // "MM", 42
  view.setUint32(4, 8); // IFD0 right after the header
  view.setUint16(8, 1); // one entry:
  view.setUint16(10, 0x0112); // Orientation
  view.setUint16(12, 3); // SHORT
  view.setUint32(14, 1); // one value, held in the entry itself
  view.setUint16(18, orientation);
  view.setUint32(22, 0); // no IFD1
  return tiff;
}
