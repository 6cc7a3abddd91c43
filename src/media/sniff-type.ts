// Decides what an upload is from its first bytes alone, never the name or the client's
// Content-Type (README, Images with curl: Types): file-type's verdict, checked against the accepted list.
import { bmpDibSize } from "./image-dimensions.ts";
import { acceptedImageType, type AcceptedImageType } from "./image-types.ts";
import { tiffLayout } from "./tiff-size-scanner.ts";

export type TypeVerdict =
  | { ok: true; type: AcceptedImageType }
  /** `detected`: what the bytes look like, when known — for the error detail and logs. */
  | { ok: false; detected?: string };

export async function sniffType(head: Uint8Array): Promise<TypeVerdict> {
  const mime = (await fileTypeOf(head)) ?? tiffPastHead(head);
  // file-type calls anything starting "BM" a bitmap; without a real DIB header it is not one.
  if (mime === "image/bmp" && bmpDibSize(head) === null) return { ok: false };
  const type = acceptedImageType(mime);
  if (type) return { ok: true, type };
  const detected = describeRefused(mime, head);
  return detected === undefined ? { ok: false } : { ok: false, detected };
}

async function fileTypeOf(head: Uint8Array): Promise<string | undefined> {
  // Imported on the first upload, not at start (SPEC §7, cold start): its module graph is large.
  // Outside the try: a module that fails to load is a broken build, not a refused file.
  const { fileTypeFromBuffer } = await import("file-type");
  try {
    return (await fileTypeFromBuffer(head))?.mime;
  } catch {
    return undefined; // a parser tripping over hostile bytes is not an accepted image either
  }
}

// file-type follows a TIFF header to IFD0 and answers nothing when IFD0 lies past the bytes it was
// given — the usual layout, as libtiff writes IFD0 after the pixels. A valid header is then enough
// to call it a TIFF; the raw formats file-type would spot in IFD0 (DNG, ARW) are TIFFs as well.
const tiffPastHead = (head: Uint8Array) => (tiffLayout(head) !== null ? "image/tiff" : undefined);

const SVG_TAG = /<svg[\s>/]/i;
const BINARY_BYTE = /[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]/;

// file-type does not recognise text; naming SVG and text makes the refusal understandable.
function describeRefused(mime: string | undefined, head: Uint8Array): string | undefined {
  if (mime !== undefined && mime !== "application/xml") return mime;
  const text = new TextDecoder().decode(head.subarray(0, 4096));
  if (SVG_TAG.test(text)) return "image/svg+xml";
  if (mime === undefined && !BINARY_BYTE.test(text)) return "text/plain";
  return mime;
}
