// The Image object of the API: a stored image with its sealed fields in the clear, for
// someone allowed to read it.
import type { Keyring } from "../../crypto/master-key.ts";
import { type AnalysisLabel, type ImageAnalysis, openAnalysis } from "../analysis/analysis-result.ts";
import { openPhoto } from "../previews/media-result.ts";
import type { MediaStatus, PhotoCamera, PhotoFields, PhotoLocation } from "../previews/ports.ts";
import { openImageKeys, ownerOf, type ImageSealer } from "./keys.ts";
import type { OwnedImage, Visibility } from "./ports.ts";

export interface ImageObject {
  id: string;
  filename: string;
  visibility: Visibility;
  owner: { id: string; username: string };
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  sha256: string;
  tags: string[];
  description: string | null;
  previews: { status: MediaStatus; reason?: string };
  /** SPEC §9: empty lists until it is ready. */
  analysis: { status: MediaStatus; colors: string[]; labels: AnalysisLabel[] };
  takenAt: string | null;
  camera: PhotoCamera | null;
  /** Shown to the owner only. */
  location: PhotoLocation | null;
  createdAt: string;
  updatedAt: string;
}

/** The sealed fields of an image, in the clear; the CRC-32 is for zip headers only, never shown. */
export interface OpenFields {
  readonly filename: string;
  readonly tags: string[];
  readonly description: string | null;
  readonly sha256: string;
  readonly crc32: number;
  readonly photo: PhotoFields | null;
  /** The analysis result: its colours and labels are shown; buckets and hash are for search and duplicates only. */
  readonly analysis: ImageAnalysis | null;
}

/** An image whose data key was unwrapped once: its fields, and the keys for its bytes or an edit. */
export interface OpenedImage {
  readonly row: OwnedImage;
  readonly fields: OpenFields;
  readonly dataKey: Buffer;
  readonly sealer: ImageSealer;
}

/** Unwraps the data key and opens every sealed field; throws IntegrityError if one was tampered with. */
export function openImage(keyring: Keyring, row: OwnedImage): OpenedImage {
  const { dataKey, metadata } = openImageKeys(keyring, ownerOf(row), row.id, row.wrappedKey);
  const digest = metadata.openDigest(row.digestEnc);
  const fields = {
    filename: metadata.openFilename(row.filenameEnc),
    tags: metadata.openTags(row.tagsEnc),
    description: metadata.openDescription(row.descriptionEnc),
    sha256: digest.sha256,
    crc32: digest.crc32,
    photo: openPhoto(metadata, row.photoEnc),
    analysis: openAnalysis(metadata, row.analysisEnc),
  };
  return { row, fields, dataKey, sealer: metadata };
}

/**
 * The API shape of a row whose fields the caller holds in the clear (just opened, or just
 * sealed). Where a photo was taken is its owner's business alone: `viewer` must be the owner
 * for `location` to show.
 */
export function imageObject(row: OwnedImage, fields: OpenFields, viewer: { readonly id: string } | undefined): ImageObject {
  const status = row.mediaStatus ?? "pending";
  return {
    id: row.id,
    filename: fields.filename,
    visibility: row.visibility,
    owner: { id: row.ownerId, username: row.ownerUsername },
    contentType: row.contentType,
    size: row.size,
    width: row.width,
    height: row.height,
    sha256: fields.sha256,
    tags: fields.tags,
    description: fields.description,
    previews: status === "failed" ? { status, reason: row.mediaReason ?? "undecodable" } : { status },
    analysis: {
      status: row.analysisStatus ?? "pending",
      colors: [...(fields.analysis?.colors ?? [])],
      labels: (fields.analysis?.labels ?? []).map(({ name, score }) => ({ name, score })),
    },
    takenAt: fields.photo?.takenAt ?? null,
    camera: fields.photo?.camera ?? null,
    location: viewer !== undefined && viewer.id === row.ownerId ? (fields.photo?.location ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Decrypts what the object shows; throws IntegrityError if a sealed value was tampered with. */
export function describeImage(keyring: Keyring, row: OwnedImage, viewer: { readonly id: string } | undefined): ImageObject {
  return imageObject(row, openImage(keyring, row).fields, viewer);
}
