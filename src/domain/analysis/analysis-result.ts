// What analysis learns about an image (SPEC §9), sealed under the image's metadata key like the
// media result, and the blind-index terms `label=` and `color=` find it by. Nothing of it is
// stored in the clear: the colour names and labels live only inside the seal and as keyed HMACs.
import { blindIndex } from "../../crypto/image-keys.ts";
import type { ImageSealer } from "../images/keys.ts";
import type { TermSet } from "../images/ports.ts";

export interface AnalysisLabel {
  readonly name: string;
  readonly score: number;
}

export interface ImageAnalysis {
  /** Up to five "#rrggbb", largest area first. */
  readonly colors: readonly string[];
  /** The named colour buckets of SPEC §9 the colours fall in. */
  readonly buckets: readonly string[];
  /** Empty when the model is off (`--analysis off`). */
  readonly labels: readonly AnalysisLabel[];
  /** The 64-bit perceptual hash, 16 hex digits. */
  readonly hash: string;
}

export const sealAnalysis = (sealer: ImageSealer, analysis: ImageAnalysis): Buffer => sealer.json("analysis", analysis);

/** null for none; throws IntegrityError when the sealed value was tampered with. */
export const openAnalysis = (sealer: ImageSealer, sealed: Buffer | null): ImageAnalysis | null =>
  sealed ? (sealer.openJson("analysis", sealed) as ImageAnalysis) : null;

/** Label names compare like tags: case-folded, so `label=Dog` finds a dog. */
export const foldLabel = (name: string): string => name.normalize("NFC").trim().toLowerCase();

/**
 * What a label is found by: its whole name and, for names of several words ("cell phone"), each
 * word, so that `q=phone` (words) and `label=cell phone` both find it.
 */
function labelKeys(name: string): string[] {
  const folded = foldLabel(name);
  const words = folded.split(/\s+/).filter((w) => w !== "");
  return words.length > 1 ? [folded, ...words] : [folded];
}

/**
 * The image's `color` (one per bucket) and `label` (one per label name) terms under `key`, the key
 * its tags use. Both kinds are always present, so writing them clears what an earlier run left.
 */
export function analysisTerms(key: Buffer, analysis: ImageAnalysis | null): TermSet {
  return {
    color: [...new Set(analysis?.buckets ?? [])].map((bucket) => blindIndex(key, "color", bucket)),
    label: [...new Set((analysis?.labels ?? []).flatMap((l) => labelKeys(l.name)))].map((name) => blindIndex(key, "label", name)),
  };
}

/** The label index of `value` (a label name, or one word of one) under each of `keys`: any of them matches. */
export const labelIndexes = (keys: readonly Buffer[], value: string): Buffer[] =>
  keys.map((key) => blindIndex(key, "label", foldLabel(value)));

/** The colour index of a bucket name under each of `keys`. */
export const colorIndexes = (keys: readonly Buffer[], bucket: string): Buffer[] => keys.map((key) => blindIndex(key, "color", bucket));
