// The image types pixvault accepts (README, Images with curl: Types), keyed by the MIME type file-type reports.
// Everything absent here is refused — SVG (scriptable), PDF, ICO, raw camera formats, archives, text.

export interface AcceptedImageType {
  /** The MIME type stored and served as Content-Type. */
  readonly contentType: string;
  /** Canonical file extension, without the dot. */
  readonly extension: string;
}

const accepted = (contentType: string, extension: string): AcceptedImageType => ({ contentType, extension });

export const ACCEPTED_IMAGE_TYPES: readonly AcceptedImageType[] = Object.freeze([
  accepted("image/jpeg", "jpg"),
  accepted("image/png", "png"),
  // file-type names a PNG with an acTL chunk APNG; it is still a PNG, and .png is its usual extension.
  accepted("image/apng", "png"),
  accepted("image/gif", "gif"),
  accepted("image/webp", "webp"),
  accepted("image/avif", "avif"),
  accepted("image/heic", "heic"),
  accepted("image/heif", "heif"),
  // Image sequences (burst / animated HEIF) are HEIF too; Apple's extensions for them.
  accepted("image/heic-sequence", "heics"),
  accepted("image/heif-sequence", "heifs"),
  accepted("image/bmp", "bmp"),
  accepted("image/tiff", "tiff"),
]);

const byContentType = new Map(ACCEPTED_IMAGE_TYPES.map((t) => [t.contentType, t]));

/** The accepted type for a sniffed MIME type, or undefined when that type is refused. */
export function acceptedImageType(mime: string | undefined): AcceptedImageType | undefined {
  return mime === undefined ? undefined : byContentType.get(mime);
}
