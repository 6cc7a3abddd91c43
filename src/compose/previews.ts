// Wires preview making: libvips (loaded once, from under the data directory when compiled),
// the HEIC decoder, the media processor, and the two stages' pools over the job table (previews, then
// analysis, with its captioner when --caption-url is set).
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { PreviewConfig } from "../config.ts";
import type { Clock } from "../domain/clock.ts";
import type { MediaProcessor } from "../domain/previews/ports.ts";
import type { DomainEvents } from "../domain/context.ts";
import { type PreviewJobs, previewJobs } from "../domain/previews/jobs.ts";
import { type AnalysisJobs, analysisJobs } from "../domain/analysis/analysis-jobs.ts";
import type { Logger } from "../logger.ts";
import { captionClient } from "../media/caption-client.ts";
import { createMediaProcessor } from "../media/process-original.ts";
import { loadSharp } from "../media/sharp-loader.ts";
import { analysisJobRepository } from "../store/analysis-job-repository.ts";
import { imageRepository } from "../store/image-repository.ts";
import { mediaJobRepository } from "../store/media-job-repository.ts";
import type { Storage } from "./storage.ts";

export const DEFAULT_PREVIEW_CONFIG: PreviewConfig = { workers: 1, maxPixels: 200_000_000, timeoutSeconds: 60, labels: true };

/** Both media stages on one storage, sharing one media processor (libvips, the HEIC and label workers). */
export interface MediaJobs {
  readonly previews: PreviewJobs;
  readonly analysis: AnalysisJobs;
  /** Starts both background pools (serve). */
  start(): void;
  /** Drops every lease: only for a process alone on the database (it holds the data directory's lock). */
  freeLeases(): Promise<number>;
  /** Stops both pools, waits for their running jobs, then ends the processor's workers. */
  stop(): Promise<void>;
}

/** The two stages on this storage (not started: serve starts them, a CLI command drains one). */
export function composeMediaJobs(
  storage: Storage,
  dataDir: string,
  config: PreviewConfig,
  deps: { readonly clock: Clock; readonly logger: Logger; readonly events?: Pick<DomainEvents, "integrityError"> | undefined },
): MediaJobs {
  const processor = mediaProcessor(dataDir, config, deps.logger);
  const orm = storage.db.orm;
  const content = { images: imageRepository(orm), blobs: storage.blobs, keyring: storage.keyring };
  const instanceId = randomUUID();
  // One analysis worker: the label model runs one image at a time, beside the preview workers.
  const analysis = analysisJobs(
    {
      ...content,
      jobs: analysisJobRepository(orm),
      processor,
      clock: deps.clock,
      logger: deps.logger,
      captioner: config.caption ? captionClient(config.caption) : undefined,
    },
    { workers: Math.min(1, config.workers), instanceId },
  );
  const jobs = mediaJobRepository(orm);
  const previews = previewJobs(
    {
      ...content,
      jobs,
      processor,
      clock: deps.clock,
      logger: deps.logger,
      events: deps.events,
      previewsFinished: (_imageId, status) => {
        if (status === "ready") analysis.kick();
      },
    },
    { workers: config.workers, timeoutSeconds: config.timeoutSeconds, instanceId },
  );
  return {
    previews,
    analysis,
    start() {
      previews.start();
      analysis.start();
    },
    freeLeases: () => jobs.freeLeases(),
    async stop() {
      await Promise.all([previews.stop(), analysis.stop()]);
      await processor.close();
    },
  };
}

function mediaProcessor(dataDir: string, config: PreviewConfig, logger: Logger): MediaProcessor {
  return lazyProcessor(() => {
    const load = loadSharp({
      libDir: join(dataDir, ".lib"),
      ...(config.libvips !== undefined ? { libvipsOverride: config.libvips } : {}),
    });
    // Without libvips the server still stores and serves originals; previews fail with the reason.
    if (!load.ok) logger.warn("previews unavailable: libvips did not load", { reason: load.reason });
    return createMediaProcessor({
      sharp: load.ok ? load.sharp : undefined,
      maxPixels: config.maxPixels,
      timeoutSeconds: config.timeoutSeconds,
      labels: config.labels,
    });
  });
}

/**
 * libvips (~20 MB of library) is loaded on the first image to process, not at start: a server
 * with nothing to make starts faster and idles smaller, and a command that never makes a
 * preview never loads it.
 */
function lazyProcessor(create: () => MediaProcessor): MediaProcessor {
  let processor: MediaProcessor | undefined;
  return {
    process: (original) => {
      processor ??= create();
      return processor.process(original);
    },
    analyse: (previews) => {
      processor ??= create();
      return processor.analyse(previews);
    },
    close: async () => processor?.close(),
  };
}
