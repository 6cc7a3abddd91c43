// What previews and photo metadata need from the rest of the system: the media work (decode,
// resize, read EXIF) and the job table. src/media and src/store implement them; compose wires them.
import type { ImageAnalysis } from "../analysis/analysis-result.ts";
import type { TermSet } from "../images/ports.ts";

export const PREVIEW_SIZES = ["thumb", "display"] as const;
export type PreviewSize = (typeof PREVIEW_SIZES)[number];

/** One encoded preview, metadata-free. */
export interface PreviewImage {
  readonly contentType: "image/webp" | "image/jpeg";
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface PhotoCamera {
  readonly make: string | null;
  readonly model: string | null;
  readonly lens: string | null;
}

export interface PhotoLocation {
  readonly latitude: number;
  readonly longitude: number;
  readonly altitude?: number;
}

/** What a photo says about itself; sealed at rest. */
export interface PhotoFields {
  /** As displayed (orientation applied). */
  readonly width: number;
  readonly height: number;
  /** ISO 8601, with the offset when the camera recorded one. */
  readonly takenAt: string | null;
  readonly camera: PhotoCamera | null;
  readonly location: PhotoLocation | null;
}

export type MediaOutcome =
  | { readonly ok: true; readonly thumb: PreviewImage; readonly display: PreviewImage; readonly photo: PhotoFields | null }
  | { readonly ok: false; readonly reason: string; readonly detail: string; readonly photo: PhotoFields | null };

export type AnalysisOutcome =
  | { readonly ok: true; readonly analysis: ImageAnalysis }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

/** Decodes an original once and makes its previews and metadata. Never throws for bad input. */
export interface MediaProcessor {
  process(original: { readonly bytes: Uint8Array; readonly contentType: string }): Promise<MediaOutcome>;
  /** SPEC §9 from the encoded previews (never the original): colours and hash from the thumb, labels from the display. Never throws for bad input. */
  analyse(previews: { readonly thumb: Uint8Array; readonly display: Uint8Array }): Promise<AnalysisOutcome>;
  /** Ends workers (the HEIC decoder's); further calls may start them again. */
  close(): Promise<void>;
}

/** `<imageId>.thumb` / `<imageId>.display`: previews live in the blob store beside their original. */
export const previewBlobId = (imageId: string, size: PreviewSize): string => `${imageId}.${size}`;

/** The image id a preview blob belongs to, or undefined for an original's id. */
export function imageIdOfBlob(blobId: string): string | undefined {
  const dot = blobId.lastIndexOf(".");
  if (dot < 0) return undefined;
  const size = blobId.slice(dot + 1);
  return (PREVIEW_SIZES as readonly string[]).includes(size) ? blobId.slice(0, dot) : undefined;
}

export type MediaStatus = "pending" | "ready" | "failed";

/** A job a worker holds the lease of. */
export interface ClaimedJob {
  readonly imageId: string;
  /** Claims so far, this one included: a job that keeps killing its worker stops being retried. */
  readonly attempts: number;
}

/** What a finished job writes, in one transaction, only while its lease is still held (failed previews fail the analysis stage too: "no_previews"). */
export interface MediaJobOutcome {
  readonly status: "ready" | "failed";
  readonly reason: string | null;
  readonly resultEnc: Buffer | null;
  readonly photoEnc: Buffer | null;
  /** As displayed; null keeps the upload's values. */
  readonly width: number | null;
  readonly height: number | null;
}

/** What the analysis stage writes: its state, the sealed result, and its search terms (in the same transaction). */
export interface AnalysisRecord {
  readonly status: "ready" | "failed";
  readonly reason: string | null;
  readonly analysisEnc: Buffer | null;
  /** `color` and `label` terms under the image's index key; empty sets clear an earlier run's. */
  readonly terms: TermSet;
}

/** A claim of leases: up to `limit` claimable jobs oldest first (or `imageId`'s alone); jobs that used up `maxAttempts` fail ("worker_crashed") instead. */
export interface LeaseClaim {
  readonly owner: string;
  readonly now: Date;
  readonly leaseUntil: Date;
  readonly limit: number;
  readonly maxAttempts: number;
  readonly imageId?: string;
}

/**
 * Gives a held lease back, the job still pending. With `retry` the claim's attempt is given
 * back too (the job broke on storage, not on its image) and nobody claims it before then.
 */
export type ReleaseLease = (imageId: string, owner: string, retry?: { readonly notBefore: Date }) => Promise<void>;

export interface MediaJobRepository {
  /** Takes the lease of pending preview jobs whose lease is free or ran out. */
  claim(claim: LeaseClaim): Promise<ClaimedJob[]>;
  /** false when the lease was lost or the image is gone (nothing is written then). */
  finish(imageId: string, owner: string, outcome: MediaJobOutcome): Promise<boolean>;
  release: ReleaseLease;
  /** Queues again every job (`all`) or only failed ones; how many. */
  requeue(which: "all" | "failed", now: Date): Promise<number>;
  /** Queues one image's job again (its previews are missing or damaged); false when the image is gone. */
  requeueImage(imageId: string, now: Date): Promise<boolean>;
  /** Drops every lease and retry wait of both stages: only for a process that knows no other one works on this database. */
  freeLeases(): Promise<number>;
  counts(): Promise<Record<MediaStatus, number>>;
  /** The job's state, or undefined when the image is gone. */
  status(imageId: string): Promise<{ status: MediaStatus; reason: string | null; leaseUntil: Date | null } | undefined>;
}

/** The analysis stage's own leases on the same rows: claimable once the previews are ready. */
export interface AnalysisJobRepository {
  /** Takes the lease of images whose previews are ready and whose analysis is pending. */
  claim(claim: LeaseClaim): Promise<ClaimedJob[]>;
  /** Writes one image's analysis and its terms in one transaction, while the lease is held and the previews are ready; false otherwise. */
  record(imageId: string, owner: string, record: AnalysisRecord): Promise<boolean>;
  release: ReleaseLease;
  /** Marks every image with previews for analysis again (`analyse --rebuild`); how many. */
  requeue(): Promise<number>;
  counts(): Promise<Record<MediaStatus, number>>;
}
