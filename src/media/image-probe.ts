// Judges an upload while it streams: its type from the first bytes, its size from the image header.
// It keeps a bounded head, never the file (memory stays bounded whatever the upload's size).
import { borrow, giveBack } from "../recycled-buffers.ts";
import type { ExifFacts } from "./exif.ts";
import { headExif } from "./head-exif.ts";
import { createStreamingSizeScanner, dimensionsFromHead, type SizeScanner } from "./image-dimensions.ts";
import { sniffType, type TypeVerdict } from "./sniff-type.ts";

export type ProbeResult =
  | {
      ok: true;
      contentType: string;
      extension: string;
      /** As stored, before any EXIF orientation. */
      width: number | null;
      height: number | null;
      /** What EXIF in the head says (JPEG, TIFF), or null. */
      exif: ExifFacts | null;
    }
  | { ok: false; reason: "empty" | "unsupported_type"; detected?: string /* e.g. "application/pdf" or "image/svg+xml", if known */ };

type Rejection = Extract<ProbeResult, { ok: false }>;

export interface ImageProbe {
  /** Feed every chunk in order. Must be cheap once the probe has what it needs; keeps a bounded head (≤ 128 KiB), never the whole file. */
  push(chunk: Uint8Array): void;
  /** Resolves to a rejection as soon as the head proves the bytes are not an accepted image (so a 1 GB PDF is refused after its first few KB); undefined while undecided or when it looks acceptable. */
  earlyRejection(): Promise<Rejection | undefined>;
  /** After the last chunk: the final verdict, with width/height read from the image header (null when the header does not give them) and the head's EXIF. */
  finish(): Promise<ProbeResult>;
}

/** Most kept: every accepted header except JPEG's and TIFF's (scanned as they stream) fits well inside. */
const HEAD_CAP = 128 * 1024;
/** file-type's own sample size (its reasonableDetectionSizeInBytes): every accepted signature lies within. */
const SNIFF_BYTES = 4100;
/** Bytes the JPEG/TIFF scanner choice needs. */
const MAGIC_BYTES = 4;

const unsupported = (verdict: Extract<TypeVerdict, { ok: false }>): Rejection =>
  verdict.detected === undefined
    ? { ok: false, reason: "unsupported_type" }
    : { ok: false, reason: "unsupported_type", detected: verdict.detected };

export function createImageProbe(): ImageProbe {
  let head = new Uint8Array(0);
  let kept = 0;
  let scanner: SizeScanner | null | undefined; // undefined until MAGIC_BYTES have arrived
  let early: Promise<TypeVerdict> | undefined;
  let final: Promise<ProbeResult> | undefined;

  // Copies what fits under the cap (callers may reuse their chunk buffers); returns how much it took.
  function keep(chunk: Uint8Array): number {
    const take = Math.min(chunk.length, HEAD_CAP - kept);
    if (take <= 0) return 0;
    // The cap at once, borrowed (recycled-buffers.ts) and unzeroed: only head[0, kept) is ever
    // read. Growing it by doubling made every upload allocate, copy and fault in up to 240 KiB.
    if (head.length === 0) head = borrow(HEAD_CAP);
    head.set(chunk.subarray(0, take), kept);
    kept += take;
    return take;
  }

  async function judge(): Promise<ProbeResult> {
    try {
      return await judgeHead();
    } finally {
      // Read to the end (the early sniff has a copy): the next upload's probe takes it.
      giveBack(head);
      head = new Uint8Array(0);
    }
  }

  async function judgeHead(): Promise<ProbeResult> {
    if (kept === 0) return { ok: false, reason: "empty" };
    // Once refused early, stay refused: the upload pipeline may already have acted on it.
    const first = early && (await early);
    if (first && !first.ok) return unsupported(first);
    const verdict = await sniffType(head.subarray(0, kept));
    if (!verdict.ok) return unsupported(verdict);
    const { contentType, extension } = verdict.type;
    const size = scanner?.result() ?? dimensionsFromHead(contentType, head.subarray(0, kept));
    const exif = headExif(contentType, head.subarray(0, kept));
    return { ok: true, contentType, extension, width: size?.width ?? null, height: size?.height ?? null, exif };
  }

  return {
    push(chunk) {
      if (final) throw new Error("ImageProbe.push after finish");
      if (chunk.length === 0) return;
      const took = keep(chunk);
      if (scanner === undefined) {
        if (kept < MAGIC_BYTES) return;
        scanner = createStreamingSizeScanner(head);
        // The scanner starts now, so it first catches up on everything already kept.
        scanner?.push(head.subarray(0, kept));
        scanner?.push(chunk.subarray(took));
        return;
      }
      scanner?.push(chunk);
    },
    async earlyRejection() {
      if (kept < SNIFF_BYTES) return undefined;
      early ??= sniffType(head.slice(0, SNIFF_BYTES));
      const verdict = await early;
      return verdict.ok ? undefined : unsupported(verdict);
    },
    finish() {
      final ??= judge();
      return final;
    },
  };
}
