// Wires preview making: libvips (loaded once, from under the data directory when compiled),
// the HEIC decoder, the media processor and the job pool over the job table.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { PreviewConfig } from "../config.ts";
import type { Clock } from "../domain/clock.ts";
import type { MediaProcessor } from "../domain/previews/ports.ts";
import type { DomainEvents } from "../domain/context.ts";
import { type PreviewJobs, previewJobs } from "../domain/previews/jobs.ts";
import type { StoredAnalysisPorts } from "../domain/analysis/stored-analysis.ts";
import type { Logger } from "../logger.ts";
import { createMediaProcessor } from "../media/process-original.ts";
import { loadSharp } from "../media/sharp-loader.ts";
import { imageRepository } from "../store/image-repository.ts";
import { mediaJobRepository } from "../store/media-job-repository.ts";
import type { Storage } from "./storage.ts";

export const DEFAULT_PREVIEW_CONFIG: PreviewConfig = { workers: 1, maxPixels: 200_000_000, timeoutSeconds: 60, labels: true };

/** The job pool on this storage (not started: serve starts it, a CLI command drains it). */
export function composePreviewJobs(
  storage: Storage,
  dataDir: string,
  config: PreviewConfig,
  deps: { readonly clock: Clock; readonly logger: Logger; readonly events?: Pick<DomainEvents, "integrityError"> | undefined },
): PreviewJobs {
  const processor = mediaProcessor(dataDir, config, deps.logger);
  const orm = storage.db.orm;
  return previewJobs(
    {
      jobs: mediaJobRepository(orm),
      images: imageRepository(orm),
      blobs: storage.blobs,
      keyring: storage.keyring,
      processor,
      clock: deps.clock,
      logger: deps.logger,
      events: deps.events,
    },
    { workers: config.workers, timeoutSeconds: config.timeoutSeconds, instanceId: randomUUID() },
  );
}

/** What `pixvault analyse` runs on: the stored previews and the analysis half of the media processor (close it after). */
export function composeStoredAnalysis(
  storage: Storage,
  dataDir: string,
  config: PreviewConfig,
  logger: Logger,
): StoredAnalysisPorts & { readonly processor: MediaProcessor } {
  const orm = storage.db.orm;
  return {
    jobs: mediaJobRepository(orm),
    images: imageRepository(orm),
    blobs: storage.blobs,
    keyring: storage.keyring,
    processor: mediaProcessor(dataDir, config, logger),
    logger,
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
