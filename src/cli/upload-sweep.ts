// While the server runs, resumable uploads past their expiry are removed with their data (SPEC §12).
import type { ResumableUploadService } from "../domain/resumable-uploads/resumable-uploads.ts";
import { describeError, type Logger } from "../logger.ts";

const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Sweeps at start (uploads that expired while no server ran), then every ten minutes. An expired
 * upload asked for in between is removed on the spot, so the interval only bounds how long its
 * data stays on disk (and its length in the owner's quota).
 */
export function startUploadSweep(uploads: Pick<ResumableUploadService, "sweep">, logger: Logger): { stop(): void } {
  let stopped = false;
  const sweep = async () => {
    try {
      const removed = await uploads.sweep();
      if (removed > 0) logger.info("removed expired resumable uploads", { count: removed });
    } catch (e) {
      if (!stopped) logger.warn("removing expired resumable uploads failed", describeError(e));
    }
  };
  void sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
