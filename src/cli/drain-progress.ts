// What the two offline stage commands (`previews`, `analyse`) share: drain one stage's jobs with
// a progress bar, stop cleanly on a signal, and stop on the first storage error (every next job
// would break the same way).
import type { LeasePool } from "../domain/previews/lease-pool.ts";
import type { MediaStatus } from "../domain/previews/ports.ts";
import { progressReporter } from "./progress.ts";
import { describeStorageError, stopOnSignal } from "./stop-signal.ts";

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
