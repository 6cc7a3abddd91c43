// What a finished media job records, sealed under the image's metadata key: the preview blobs
// (how to open and serve them) with what others get instead of the original, and the photo
// metadata. Both are JSON inside the seal, authenticated with the image id and field name, so
// they cannot be moved between images.
import type { ImageSealer } from "../images/keys.ts";
import type { OthersCopy } from "./others-copy.ts";
import { PREVIEW_SIZES, type PhotoFields, type PreviewSize } from "./ports.ts";

/** One stored preview: enough to open its blob and to answer with exact headers. */
export interface PreviewBlob {
  readonly contentType: "image/webp" | "image/jpeg";
  readonly size: number;
  readonly width: number;
  readonly height: number;
  /** Of the preview's bytes: its strong ETag. */
  readonly sha256: string;
  /** The blob's key commitment, base64. */
  readonly commitment: string;
}

export type MediaResult = Readonly<Record<PreviewSize, PreviewBlob>> & {
  /** What non-owners get instead of the original; absent from results sealed before it existed. */
  readonly forOthers?: OthersCopy;
};

export const sealMediaResult = (sealer: ImageSealer, result: MediaResult): Buffer => sealer.json("media", result);

/** Throws IntegrityError when the sealed value was tampered with. */
export function openMediaResult(sealer: ImageSealer, sealed: Buffer): MediaResult {
  const value = sealer.openJson("media", sealed) as MediaResult;
  for (const size of PREVIEW_SIZES) if (typeof value[size]?.sha256 !== "string") throw new TypeError(`media result lacks ${size}`);
  return value;
}

export const sealPhoto = (sealer: ImageSealer, photo: PhotoFields): Buffer => sealer.json("photo", photo);

export const openPhoto = (sealer: ImageSealer, sealed: Buffer | null): PhotoFields | null =>
  sealed ? (sealer.openJson("photo", sealed) as PhotoFields) : null;
