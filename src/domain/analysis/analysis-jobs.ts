// The analysis stage (SPEC §9): once an image's previews are ready, a worker of its own claims it,
// decrypts the two small previews (never the original) and records colours, labels and hash with
// their search terms. Its own lease and attempts make it retried after a crash like a preview job,
// and keep it off the preview worker: the label model runs beside the next image's decode. With a
// captioner, an image without a description gets one (caption.ts) before its analysis shows ready.
// `pixvault analyse` drains the same stage.
import { IntegrityError } from "../../crypto/errors.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../../logger.ts";
import { type ContentPorts, readWhole } from "../images/content.ts";
import type { ImageRepository } from "../images/ports.ts";
import { openImage } from "../images/view.ts";
import { type LeasePool, leasePool } from "../previews/lease-pool.ts";
import { openMediaResult } from "../previews/media-result.ts";
import type { AnalysisJobRepository, AnalysisRecord, ClaimedJob, MediaProcessor, MediaStatus } from "../previews/ports.ts";
import { openPreviewBlob } from "../previews/preview-content.ts";
import { analyseImage } from "./analyse-image.ts";
import { type Captioner, captionImage } from "./caption.ts";

export interface AnalysisJobPorts extends ContentPorts {
  /** Write access for captions alone (compare-and-set on the description). */
  readonly images: Pick<ImageRepository, "find" | "write">;
  readonly jobs: AnalysisJobRepository;
  readonly processor: Pick<MediaProcessor, "analyse">;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Descriptions for images without one (SPEC §9, optional); undefined: none asked for. */
  readonly captioner?: Captioner | undefined;
}

export interface AnalysisJobs {
  /** Starts the background worker (a no-op with 0 workers). */
  start(): void;
  /** Previews became ready: look for work now rather than at the next poll. */
  kick(): void;
  drain: LeasePool["drain"];
  /** Marks every image with previews for analysis again (`analyse --rebuild`); how many. */
  requeue(): Promise<number>;
  counts(): Promise<Record<MediaStatus, number>>;
  stop(): Promise<void>;
}

// The label model's worker gives up on one image after 60 s and a caption after at most 180 s
// (config-caption.ts); the lease outlives both with room.
const LEASE_MS = 5 * 60_000;

export function analysisJobs(
  ports: AnalysisJobPorts,
  settings: { readonly workers: number; readonly instanceId: string; readonly pollMs?: number },
): AnalysisJobs {
  const pool = leasePool(
    {
      stage: "analysis",
      claim: (claim) => ports.jobs.claim(claim),
      release: (...args) => ports.jobs.release(...args),
      run: (job) => analyseStored(ports, job, settings.instanceId),
      clock: ports.clock,
      logger: ports.logger,
    },
    { ...settings, leaseMs: LEASE_MS },
  );
  return {
    start: () => pool.start(),
    kick: () => pool.kick(),
    drain: pool.drain,
    requeue: () => ports.jobs.requeue(),
    counts: () => ports.jobs.counts(),
    stop: () => pool.stop(),
  };
}

const damaged: AnalysisRecord = { status: "failed", reason: "integrity_error", analysisEnc: null, terms: {} };

/** Analyses one image from its stored previews; its final status, or undefined when it went (or lost its previews or lease) meanwhile. */
async function analyseStored(ports: AnalysisJobPorts, job: ClaimedJob, owner: string): Promise<MediaStatus | undefined> {
  const { imageId } = job;
  const recorded = async (record: AnalysisRecord) => ((await ports.jobs.record(imageId, owner, record)) ? record.status : undefined);
  const row = await ports.images.find(imageId);
  if (row?.mediaStatus !== "ready" || !row.mediaResultEnc) return undefined;
  let opened: ReturnType<typeof openImage>;
  let result: ReturnType<typeof openMediaResult>;
  try {
    opened = openImage(ports.keyring, row);
    result = openMediaResult(opened.sealer, row.mediaResultEnc);
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    return recorded(damaged);
  }
  const read = async (size: "thumb" | "display") => {
    const blob = await openPreviewBlob(ports, imageId, size, opened.dataKey, result[size]);
    return blob.ok ? readWhole(blob.value, result[size].size) : undefined;
  };
  const thumb = await read("thumb");
  const display = thumb && (await read("display"));
  if (!thumb || !display) return recorded(damaged);
  const record = await analyseImage(ports, row, opened.sealer, { thumb, display });
  if (record.status === "failed") ports.logger.info("analysis failed", { imageId, reason: record.reason, detail: record.detail });
  // Before the record: an image whose analysis shows ready has had its caption asked for.
  else await captionImage(ports, opened, { bytes: display, contentType: result.display.contentType });
  return recorded(record);
}
