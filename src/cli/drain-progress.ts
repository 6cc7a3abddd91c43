// What the two offline stage commands (`previews`, `analyse`) share: both stages on a stopped data
// directory, and draining one stage's jobs with a progress bar, stopping cleanly on a signal and on
// the first storage error (every next job would break the same way).
import type { PreviewConfig, StorageConfig } from "../config.ts";
import { composeMediaJobs, type MediaJobs } from "../compose/previews.ts";
import { openStorage } from "../compose/storage.ts";
import { systemClock } from "../domain/clock.ts";
import type { LeasePool } from "../domain/previews/lease-pool.ts";
import type { MediaStatus } from "../domain/previews/ports.ts";
import { createConsoleLogger } from "../logger.ts";
import { claimLocalDataDir } from "./data-dir-guard.ts";
import { progressReporter } from "./progress.ts";
import { describeStorageError, stopOnSignal } from "./stop-signal.ts";

/**
 * Runs `work` on the media stages of the data `config` names, holding its lock (refused beside a
 * server on a local database, with `advice`), and closes everything after.
 */
export async function withOfflineMediaJobs(
  command: string,
  advice: string,
  config: StorageConfig,
  previewConfig: PreviewConfig,
  work: (media: MediaJobs) => Promise<number>,
): Promise<number> {
  const lock = claimLocalDataDir(config, { command, advice });
  try {
    const logger = createConsoleLogger();
    const storage = await openStorage(config, logger);
    // Each failure's reason is in the summary: its info line would only tear the progress bar.
    const media = composeMediaJobs(storage, config.dataDir, previewConfig, { clock: systemClock, logger: { ...logger, info: () => {} } });
    try {
      // Holding the lock, no other process works on these jobs: a lease left by a killed run is stale.
      if (lock) await media.freeLeases();
      return await work(media);
    } finally {
      await media.stop();
      storage.close();
    }
  } finally {
    lock?.release();
  }
}

export interface DrainReport {
  readonly done: number;
  /** Ids of the images whose stage failed, in the order they finished. */
  readonly failed: readonly string[];
  /** The storage error that stopped the run, in one line. */
  readonly trouble: string | undefined;
  /** A signal asked the run to stop. */
  readonly interrupted: boolean;
  readonly seconds: number;
}

export async function drainWithProgress(command: string, drain: LeasePool["drain"], total: number): Promise<DrainReport> {
  const started = performance.now();
  const failed: string[] = [];
  let done = 0;
  let trouble: string | undefined;
  const progress = progressReporter();
  const show = () => progress.update(total === 0 ? 1 : done / total, `${command}: ${done}/${total} images, ${failed.length} failed`);
  const stop = stopOnSignal(() => progress.interrupt(`${command}: stopping after the running jobs (a second signal quits at once)`));
  try {
    show();
    await drain(
      (imageId: string, status: MediaStatus) => {
        done += 1;
        if (status === "failed") failed.push(imageId);
        show();
      },
      () => stop.requested || trouble !== undefined,
      (imageId, error) => {
        trouble ??= `image ${imageId}: ${describeStorageError(error)}`;
      },
    );
  } finally {
    progress.done();
    stop.remove();
  }
  return { done, failed, trouble, interrupted: stop.requested, seconds: (performance.now() - started) / 1000 };
}
