// The image types pixvault accepts (README, Images with curl: Types), keyed by the MIME type file-type reports.
// Everything absent here is refused — SVG (scriptable), PDF, ICO, raw camera formats, archives, text.

export interface AcceptedImageType {
  /** The MIME type stored and served as Content-Type. */
  readonly contentType: string;
  /** Canonical file extension, without the dot. */
  readonly extension: string;
  /** Every extension that opens as this type (the canonical one first), lowercase, without the dot. */
  readonly extensions: readonly string[];
}

const accepted = (contentType: string, extension: string, ...others: string[]): AcceptedImageType => ({
  contentType,
  extension,
  extensions: [extension, ...others],
});

export const ACCEPTED_IMAGE_TYPES: readonly AcceptedImageType[] = Object.freeze([
  accepted("image/jpeg", "jpg", "jpeg", "jpe", "jfif"),
  accepted("image/png", "png"),
  // file-type names a PNG with an acTL chunk APNG; it is still a PNG, and .png is its usual extension.
  accepted("image/apng", "png", "apng"),
  accepted("image/gif", "gif"),
  accepted("image/webp", "webp"),
  accepted("image/avif", "avif"),
  // HEIC is HEIF with HEVC inside: viewers open either extension as either.
  accepted("image/heic", "heic", "heif"),
  accepted("image/heif", "heif", "heic"),
  // Image sequences (burst / animated HEIF) are HEIF too; Apple's extensions for them.
  accepted("image/heic-sequence", "heics", "heic", "heif"),
  accepted("image/heif-sequence", "heifs", "heif", "heic"),
  accepted("image/bmp", "bmp", "dib"),
  accepted("image/tiff", "tiff", "tif"),
]);

const byContentType = new Map(ACCEPTED_IMAGE_TYPES.map((t) => [t.contentType, t]));

/** The accepted type for a sniffed MIME type, or undefined when that type is refused. */
export function acceptedImageType(mime: string | undefined): AcceptedImageType | undefined {
  return mime === undefined ? undefined : byContentType.get(mime);
}
