// Making previews: a bounded pool of background workers over the job table, plus on-demand
// requests that jump the queue. One job per image at a time: within this process a map of
// running jobs dedupes concurrent requests; across instances the job's lease does.
import { createHash } from "node:crypto";
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { openEncrypting } from "../../crypto/stored-blob.ts";
import type { Logger } from "../../logger.ts";
import type { Clock } from "../clock.ts";
import type { DomainEvents } from "../context.ts";
import { openBytes, readWhole } from "../images/content.ts";
import type { ImageBlobs, ImageRepository, OwnedImage } from "../images/ports.ts";
import { openImage } from "../images/view.ts";
import { analyseImage } from "../analysis/analyse-image.ts";
import { type PreviewBlob, sealMediaResult, sealPhoto } from "./media-result.ts";
import { othersCopyOf } from "./others-copy.ts";
import {
  type ClaimedJob,
  type MediaJobOutcome,
  type MediaJobRepository,
  type MediaProcessor,
  type MediaStatus,
  PREVIEW_SIZES,
  type PreviewImage,
  type PreviewSize,
  previewBlobId,
} from "./ports.ts";

export interface PreviewJobPorts {
  readonly jobs: MediaJobRepository;
  readonly images: Pick<ImageRepository, "find">;
  readonly blobs: Pick<ImageBlobs, "open" | "create" | "delete">;
  readonly keyring: Keyring;
  readonly processor: MediaProcessor;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events?: Pick<DomainEvents, "integrityError"> | undefined;
}

export interface PreviewJobSettings {
  /** Background workers (`--preview-workers`); 0 makes previews on demand only. */
  readonly workers: number;
  /** One image's decoding is given up after this long (`--preview-timeout-seconds`). */
  readonly timeoutSeconds: number;
  /** Names this process's leases. */
  readonly instanceId: string;
  /** How often idle workers look for jobs another instance (or a migration) queued. */
  readonly pollMs?: number;
}

/** A job whose worker died this many times (a decoder crash, say) is failed rather than retried. */
export const MAX_ATTEMPTS = 3;

/** How long a job that broke on storage waits before it is claimed again. */
const RETRY_AFTER_TROUBLE_MS = 30_000;

export interface PreviewJobs {
  /** Starts the background pool (a no-op with 0 workers). */
  start(): void;
  /** Something was queued: look for work now rather than at the next poll. */
  kick(): void;
  /** Makes this image's previews now if they are pending; resolves when they are no longer pending. */
  ensure(imageId: string): Promise<void>;
  /**
   * Runs every pending job to the end with the pool's concurrency (the CLI); stops early when `shouldStop` says so.
   * `onTrouble` hears of a job that broke on storage rather than on its image (it stays pending).
   */
  drain(
    onDone: (imageId: string, status: MediaStatus) => void,
    shouldStop?: () => boolean,
    onTrouble?: (imageId: string, error: unknown) => void,
  ): Promise<void>;
  counts(): Promise<Record<MediaStatus, number>>;
  /** Images by the state of their analysis stage. */
  analysisCounts(): Promise<Record<MediaStatus, number>>;
  requeue(which: "all" | "failed"): Promise<number>;
  /** One job's state (a failure's reason), or undefined when the image is gone. */
  status(imageId: string): ReturnType<MediaJobRepository["status"]>;
  /** Frees the leases a killed process left behind; only for a process alone on the database (it holds the data directory's lock). */
  freeLeases(): Promise<number>;
  /** Stops claiming and waits for running jobs. */
  stop(): Promise<void>;
}

export function previewJobs(ports: PreviewJobPorts, settings: PreviewJobSettings): PreviewJobs {
  const leaseMs = Math.max(5 * 60_000, 3 * settings.timeoutSeconds * 1000);
  // Each running job's whole work, and the moment its previews are recorded (before analysis):
  // a request waiting for a preview does not wait for the label model.
  const running = new Map<string, { work: Promise<MediaStatus | undefined>; previews: Promise<MediaStatus | undefined> }>();
  const works = () => [...running.values()].map((r) => r.work);
  // On-demand work runs beside the pool, in its own bounded slots: a grid of 40 pending
  // thumbs must not start 40 decodes at once.
  const demand = semaphore(Math.max(1, settings.workers) + 1);
  let background = 0;
  let stopped = false;
  // Only a started pool claims in the background: a CLI drain, or on-demand work with 0 workers,
  // must not have each finished job claim more behind its back.
  let started = false;
  let claiming: Promise<unknown> = Promise.resolve();
  let pumping = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let onFinished: ((imageId: string, status: MediaStatus) => void) | undefined;
  let onTrouble: ((imageId: string, error: unknown) => void) | undefined;

  const claim = (limit: number, imageId?: string) => {
    const now = ports.clock.now();
    return ports.jobs.claim({
      owner: settings.instanceId,
      now,
      leaseUntil: new Date(now.getTime() + leaseMs),
      limit,
      maxAttempts: MAX_ATTEMPTS,
      ...(imageId === undefined ? {} : { imageId }),
    });
  };

  function launch(job: ClaimedJob, counted: boolean): Promise<MediaStatus | undefined> {
    if (counted) background += 1;
    let previewsRecorded: (status: MediaStatus) => void = () => {};
    const recorded = new Promise<MediaStatus>((resolve) => {
      previewsRecorded = resolve;
    });
    const work = runJob(ports, settings, job, previewsRecorded)
      .catch((error: unknown) => {
        // Storage trouble (a full disk, a bucket outage), not the image's fault: the attempt is
        // given back and the job waits a while, so an outage never fails an image for good.
        ports.logger.error("preview job failed; it will be retried", { imageId: job.imageId, error: String(error) });
        onTrouble?.(job.imageId, error);
        const notBefore = new Date(ports.clock.now().getTime() + RETRY_AFTER_TROUBLE_MS);
        return ports.jobs.release(job.imageId, settings.instanceId, { notBefore }).then(
          () => undefined,
          () => undefined,
        );
      })
      .then((status) => {
        if (status) onFinished?.(job.imageId, status);
        return status;
      })
      .finally(() => {
        running.delete(job.imageId);
        if (counted) background -= 1;
        pump();
      });
    const previews = Promise.race([recorded, work]);
    running.set(job.imageId, { work, previews });
    return previews;
  }

  function pump(): void {
    if (!started || stopped || pumping || background >= settings.workers) return;
    pumping = true;
    claiming = claim(settings.workers - background)
      .then((jobs) => {
        for (const job of jobs) launch(job, true);
        return jobs.length > 0;
      })
      .catch((error: unknown) => {
        ports.logger.warn("looking for preview jobs failed", { error: String(error) });
        return false;
      })
      .then((claimed) => {
        pumping = false;
        if (claimed) pump();
      });
  }

  async function ensure(imageId: string): Promise<void> {
    const deadline = Date.now() + leaseMs;
    while (!stopped && Date.now() < deadline) {
      const mine = running.get(imageId);
      if (mine) {
        await mine.previews;
        if ((await ports.jobs.status(imageId))?.status !== "pending") return;
        await mine.work;
        continue;
      }
      const state = await ports.jobs.status(imageId);
      if (state?.status !== "pending") return;
      const release = await demand.acquire();
      try {
        if (running.has(imageId)) continue;
        const [job] = await claim(1, imageId);
        // A job that broke on storage stays pending for later: this request does not wait for it.
        if (job) {
          if ((await launch(job, false)) === undefined) return;
          continue;
        }
      } finally {
        release();
      }
      // Another instance holds the lease: wait for it to finish (or for its lease to run out).
      await sleep(250);
    }
  }

  return {
    start() {
      if (settings.workers <= 0 || timer) return;
      started = true;
      timer = setInterval(pump, settings.pollMs ?? 2000);
      timer.unref?.();
      pump();
    },
    kick: () => queueMicrotask(pump),
    ensure,
    async drain(onDone, shouldStop = () => false, onError = undefined) {
      onFinished = onDone;
      onTrouble = onError;
      const workers = Math.max(1, settings.workers);
      try {
        for (;;) {
          if (shouldStop()) break;
          const free = workers - running.size;
          const jobs = free > 0 ? await claim(free) : [];
          for (const job of jobs) void launch(job, false);
          if (running.size === 0) break;
          await Promise.race(works());
        }
      } finally {
        await Promise.allSettled(works());
        onFinished = undefined;
        onTrouble = undefined;
      }
    },
    counts: () => ports.jobs.counts(),
    analysisCounts: () => ports.jobs.analysisCounts(),
    requeue: (which) => ports.jobs.requeue(which, ports.clock.now()),
    status: (imageId) => ports.jobs.status(imageId),
    freeLeases: () => ports.jobs.freeLeases(),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await claiming; // a claim in flight launches what it got before the jobs are awaited
      await Promise.allSettled(works());
      await ports.processor.close();
    },
  };
}

/**
 * One job: decrypt the original, make and store its previews, record the outcome (`previewsRecorded`
 * hears of it), then analyse the previews still in memory and record that. The previews' final
 * status, or undefined when the image went.
 */
async function runJob(
  ports: PreviewJobPorts,
  settings: PreviewJobSettings,
  job: ClaimedJob,
  previewsRecorded: (status: MediaStatus) => void,
): Promise<MediaStatus | undefined> {
  const { imageId } = job;
  const row = await ports.images.find(imageId);
  if (!row) return undefined; // deleted since it was claimed; its job row went with it
  let opened: ReturnType<typeof openImage>;
  try {
    opened = openImage(ports.keyring, row);
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    return finish(ports, settings, row, failed("integrity_error"));
  }
  const original = await readOriginal(ports, row, opened.dataKey);
  if (!original) return finish(ports, settings, row, failed("integrity_error"));

  const outcome = await withDeadline(
    ports.processor.process({ bytes: original, contentType: row.contentType }),
    // The decoders stop themselves at the timeout; this is the backstop for one that does not.
    2 * settings.timeoutSeconds * 1000 + 5000,
  );
  const photo = outcome?.photo ?? null;
  const photoFields = {
    photoEnc: photo ? sealPhoto(opened.sealer, photo) : null,
    width: photo?.width || null,
    height: photo?.height || null,
  };
  if (!outcome) return finish(ports, settings, row, { ...failed("timeout"), ...photoFields });
  if (!outcome.ok) {
    ports.logger.info("previews failed", { imageId, reason: outcome.reason, detail: outcome.detail });
    return finish(ports, settings, row, { ...failed(outcome.reason), ...photoFields });
  }
  const stored: Partial<Record<PreviewSize, PreviewBlob>> = {};
  for (const size of PREVIEW_SIZES) stored[size] = await storePreview(ports, imageId, size, opened.dataKey, outcome[size]);
  const forOthers = othersCopyOf(original, row.contentType, photo, outcome.display);
  const resultEnc = sealMediaResult(opened.sealer, { ...(stored as Record<PreviewSize, PreviewBlob>), forOthers });
  const status = await finish(ports, settings, row, { status: "ready", reason: null, resultEnc, ...photoFields });
  if (status === undefined) return undefined;
  previewsRecorded(status);
  // Analysis right away, from the previews still in memory: the original is never decoded twice.
  const analysis = await analyseImage(ports, row, opened.sealer, { thumb: outcome.thumb.bytes, display: outcome.display.bytes });
  if (analysis.status === "failed") ports.logger.info("analysis failed", { imageId, reason: analysis.reason, detail: analysis.detail });
  await ports.jobs.recordAnalysis(imageId, analysis);
  return status;
}

const failed = (reason: string): MediaJobOutcome => ({
  status: "failed",
  reason,
  resultEnc: null,
  photoEnc: null,
  width: null,
  height: null,
});

async function finish(
  ports: PreviewJobPorts,
  settings: PreviewJobSettings,
  row: OwnedImage,
  outcome: MediaJobOutcome,
): Promise<MediaStatus | undefined> {
  const deletePreviews = async () => {
    for (const size of PREVIEW_SIZES) await ports.blobs.delete(previewBlobId(row.id, size));
  };
  if (await ports.jobs.finish(row.id, settings.instanceId, outcome)) {
    // A rebuild that failed leaves no previews of an earlier run behind (nothing records them now).
    if (outcome.status === "failed" && row.mediaResultEnc) await deletePreviews();
    return outcome.status;
  }
  // The lease was lost: the image was deleted meanwhile (its previews must not outlive it), or
  // requeued (the next run writes the same blob ids again).
  if (!(await ports.images.find(row.id))) await deletePreviews();
  return undefined;
}

/** The whole original in the clear (bounded by --max-image-bytes), or undefined when it fails authentication. */
async function readOriginal(ports: PreviewJobPorts, row: OwnedImage, dataKey: Buffer): Promise<Uint8Array | undefined> {
  const blob = await openBytes(ports, row, dataKey);
  return blob.ok ? readWhole(blob.value, row.size) : undefined;
}

/** Encrypts a preview under the image's data key, bound to its own blob id (like an original). */
async function storePreview(
  ports: PreviewJobPorts,
  imageId: string,
  size: (typeof PREVIEW_SIZES)[number],
  dataKey: Buffer,
  preview: PreviewImage,
): Promise<PreviewBlob> {
  const blobId = previewBlobId(imageId, size);
  const writer = await openEncrypting(await ports.blobs.create(blobId), { dataKey, imageId: blobId });
  try {
    await writer.write(preview.bytes);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return {
    contentType: preview.contentType,
    size: preview.bytes.length,
    width: preview.width,
    height: preview.height,
    sha256: createHash("sha256").update(preview.bytes).digest("hex"),
    commitment: writer.commitment.toString("base64"),
  };
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** At most `slots` holders at once; the rest wait in order. */
function semaphore(slots: number) {
  let free = slots;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    acquire(): Promise<() => void> {
      if (free > 0) {
        free -= 1;
        return Promise.resolve(release);
      }
      return new Promise((resolve) => waiting.push(() => resolve(release)));
    },
  };
}
