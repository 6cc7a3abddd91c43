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
import { type LeasePool, leasePool } from "./lease-pool.ts";
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
  readonly processor: Pick<MediaProcessor, "process">;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events?: Pick<DomainEvents, "integrityError"> | undefined;
  /** Hears of every finished job: the analysis stage starts on ready previews right away. */
  readonly previewsFinished?: ((imageId: string, status: MediaStatus) => void) | undefined;
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

export interface PreviewJobs {
  /** Starts the background pool (a no-op with 0 workers). */
  start(): void;
  /** Something was queued: look for work now rather than at the next poll. */
  kick(): void;
  /** Makes this image's previews now if they are pending; resolves when they are no longer pending. */
  ensure(imageId: string): Promise<void>;
  /** Runs every pending job to the end with the pool's concurrency (the CLI); see LeasePool.drain. */
  drain: LeasePool["drain"];
  counts(): Promise<Record<MediaStatus, number>>;
  requeue(which: "all" | "failed"): Promise<number>;
  /** One job's state (a failure's reason), or undefined when the image is gone. */
  status(imageId: string): ReturnType<MediaJobRepository["status"]>;
  /** Stops claiming and waits for running jobs. */
  stop(): Promise<void>;
}

export function previewJobs(ports: PreviewJobPorts, settings: PreviewJobSettings): PreviewJobs {
  const leaseMs = Math.max(5 * 60_000, 3 * settings.timeoutSeconds * 1000);
  // On-demand work runs beside the pool, in its own bounded slots: a grid of 40 pending
  // thumbs must not start 40 decodes at once.
  const demand = semaphore(Math.max(1, settings.workers) + 1);
  let stopped = false;

  const pool = leasePool(
    {
      stage: "preview",
      claim: (claim) => ports.jobs.claim(claim),
      release: (...args) => ports.jobs.release(...args),
      run: (job) => runJob(ports, settings, job),
      finished: ports.previewsFinished,
      clock: ports.clock,
      logger: ports.logger,
    },
    { ...settings, leaseMs },
  );

  async function ensure(imageId: string): Promise<void> {
    const deadline = Date.now() + leaseMs;
    while (!stopped && Date.now() < deadline) {
      const mine = pool.running(imageId);
      if (mine) {
        await mine;
        continue;
      }
      const state = await ports.jobs.status(imageId);
      if (state?.status !== "pending") return;
      const release = await demand.acquire();
      try {
        if (pool.running(imageId)) continue;
        const [job] = await pool.claim(1, imageId);
        // A job that broke on storage stays pending for later: this request does not wait for it.
        if (job) {
          if ((await pool.launch(job)) === undefined) return;
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
    start: () => pool.start(),
    kick: () => pool.kick(),
    ensure,
    drain: pool.drain,
    counts: () => ports.jobs.counts(),
    requeue: (which) => ports.jobs.requeue(which, ports.clock.now()),
    status: (imageId) => ports.jobs.status(imageId),
    async stop() {
      stopped = true;
      await pool.stop();
    },
  };
}

/** One job: decrypt the original, make and store its previews, record the outcome. Its final status, or undefined when the image went. */
async function runJob(ports: PreviewJobPorts, settings: PreviewJobSettings, job: ClaimedJob): Promise<MediaStatus | undefined> {
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
  return finish(ports, settings, row, { status: "ready", reason: null, resultEnc, ...photoFields });
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
