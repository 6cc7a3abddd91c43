// The EXIF an upload's kept head holds, for the formats whose EXIF leads the file (JPEG, TIFF),
// so an upload shows its date, camera, place and displayed size before the media job has run.
import { type ExifFacts, readExifBlock } from "./exif.ts";

const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
// Markers with no length field: TEM and RST0–7.
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/**
 * The first APP1 "Exif" segment's body of a JPEG head, or null when the head holds none whole
 * (cameras write it first, right after SOI or JFIF's APP0; it is at most 64 KiB).
 */
export function jpegExifBlock(head: Uint8Array): Uint8Array | null {
  if (head[0] !== 0xff || head[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= head.length) {
    if (head[at] !== 0xff) return null;
    const marker = head[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === SOS || marker === EOI) return null; // the scan began: no EXIF comes before it
    const length = (head[at + 2]! << 8) | head[at + 3]!;
    if (length < 2) return null;
    const body = at + 4;
    const end = at + 2 + length;
    if (end > head.length) return null;
    if (marker === APP1 && EXIF_HEADER.every((b, i) => head[body + i] === b)) return head.subarray(body, end);
    at = end;
  }
  return null;
}

/**
 * What the EXIF in the head of a `contentType` file says, or null when its head holds none
 * (other formats, or an EXIF block past the head): the media job reads the whole file later.
 * A TIFF is itself the TIFF structure EXIF is; its IFDs must lie within the head.
 */
export function headExif(contentType: string, head: Uint8Array): ExifFacts | null {
  if (contentType === "image/jpeg") {
    const block = jpegExifBlock(head);
    return block ? readExifBlock(block) : null;
  }
  if (contentType === "image/tiff") return ifd0InHead(head) ? readExifBlock(head) : null;
  return null;
}

/** Whether a classic TIFF's IFD0 lies whole in the head (writers may put it after the pixels, at the end). */
function ifd0InHead(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const little = head[0] === 0x49;
  if (view.getUint16(2, little) !== 42) return false; // BigTIFF (43) is not EXIF's structure
  const at = view.getUint32(4, little);
  if (at < 8 || at + 2 > head.length) return false;
  return at + 2 + view.getUint16(at, little) * 12 + 4 <= head.length;
}
