// The analysis stage over stored previews (`pixvault analyse`): images whose previews were made
// before analysis existed, or again with --rebuild. It decrypts the two small previews, never the
// original, and records the outcome as the preview job does.
import { IntegrityError } from "../../crypto/errors.ts";
import { type ContentPorts, readWhole } from "../images/content.ts";
import { openImage } from "../images/view.ts";
import { openMediaResult } from "../previews/media-result.ts";
import type { AnalysisRecord, MediaJobRepository, MediaProcessor, MediaStatus } from "../previews/ports.ts";
import { openPreviewBlob } from "../previews/preview-content.ts";
import { analyseImage } from "./analyse-image.ts";

export interface StoredAnalysisPorts extends ContentPorts {
  readonly jobs: Pick<MediaJobRepository, "analysisBacklog" | "requeueAnalysis" | "recordAnalysis" | "analysisCounts">;
  readonly processor: Pick<MediaProcessor, "analyse">;
}

const BATCH = 50;

const damaged: AnalysisRecord = { status: "failed", reason: "integrity_error", analysisEnc: null, terms: {} };

/** Analyses one image from its stored previews; its final status, or undefined when it went (or lost its previews) meanwhile. */
async function analyseStored(ports: StoredAnalysisPorts, imageId: string): Promise<MediaStatus | undefined> {
  const row = await ports.images.find(imageId);
  if (row?.mediaStatus !== "ready" || !row.mediaResultEnc) return undefined;
  let opened: ReturnType<typeof openImage>;
  let result: ReturnType<typeof openMediaResult>;
  try {
    opened = openImage(ports.keyring, row);
    result = openMediaResult(opened.sealer, row.mediaResultEnc);
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    return (await ports.jobs.recordAnalysis(imageId, damaged)) ? "failed" : undefined;
  }
  const read = async (size: "thumb" | "display") => {
    const blob = await openPreviewBlob(ports, imageId, size, opened.dataKey, result[size]);
    return blob.ok ? readWhole(blob.value, result[size].size) : undefined;
  };
  const thumb = await read("thumb");
  const display = thumb && (await read("display"));
  const record = thumb && display ? await analyseImage(ports, row, opened.sealer, { thumb, display }) : damaged;
  return (await ports.jobs.recordAnalysis(imageId, record)) ? record.status : undefined;
}

/**
 * Analyses every image with ready previews and pending analysis, in id order, one at a time (the
 * label model runs one image at a time anyway); stops between images when `shouldStop` says so.
 */
export async function analyseBacklog(
  ports: StoredAnalysisPorts,
  onDone: (imageId: string, status: MediaStatus) => void,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  let after = "";
  for (;;) {
    const ids = await ports.jobs.analysisBacklog(after, BATCH);
    if (ids.length === 0) return;
    for (const id of ids) {
      if (shouldStop()) return;
      const status = await analyseStored(ports, id);
      if (status) onDone(id, status);
      after = id;
    }
  }
}
