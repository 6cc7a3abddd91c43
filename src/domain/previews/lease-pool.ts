// A bounded pool of background workers over leased job rows, shared by the two media stages
// (previews, then analysis): it claims up to `workers` jobs, runs each, and claims more as they
// finish. A job that broke on storage rather than on its image gives its attempt back and waits,
// so an outage never fails an image for good.
import type { Logger } from "../../logger.ts";
import type { Clock } from "../clock.ts";
import type { ClaimedJob, LeaseClaim, MediaStatus, ReleaseLease } from "./ports.ts";

/** A job whose worker died this many times (a decoder crash, say) is failed rather than retried. */
export const MAX_ATTEMPTS = 3;

/** How long a job that broke on storage waits before it is claimed again. */
const RETRY_AFTER_TROUBLE_MS = 30_000;

export interface LeasePoolPorts {
  /** Names the stage in log lines. */
  readonly stage: string;
  readonly claim: (claim: LeaseClaim) => Promise<ClaimedJob[]>;
  readonly release: ReleaseLease;
  /** Runs one claimed job to its final status; undefined when the image went (or the lease was lost). */
  run(job: ClaimedJob): Promise<MediaStatus | undefined>;
  /** Hears of every finished job (the preview stage wakes the analysis stage with it). */
  readonly finished?: ((imageId: string, status: MediaStatus) => void) | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface LeasePoolSettings {
  /** Background workers; 0 claims only when asked (on demand, a drain). */
  readonly workers: number;
  /** Names this process's leases. */
  readonly instanceId: string;
  /** A lease outlives the longest run it covers; one that runs out (a crashed instance) frees the job. */
  readonly leaseMs: number;
  /** How often idle workers look for jobs another instance (or a migration) queued. */
  readonly pollMs?: number | undefined;
}

export interface LeasePool {
  /** Takes the lease of up to `limit` claimable jobs (or of `imageId`'s alone). */
  claim(limit: number, imageId?: string): Promise<ClaimedJob[]>;
  /** Starts claiming in the background (a no-op with 0 workers). */
  start(): void;
  /** Something was queued: look for work now rather than at the next poll. */
  kick(): void;
  /** Runs a claimed job outside the background count (on-demand work, a drain). */
  launch(job: ClaimedJob): Promise<MediaStatus | undefined>;
  /** The run of `imageId`'s job in this process, if one is going. */
  running(imageId: string): Promise<MediaStatus | undefined> | undefined;
  /**
   * Runs every claimable job to the end, `workers` at a time (a CLI command); stops early when
   * `shouldStop` says so. `onTrouble` hears of a job that broke on storage (it stays pending).
   */
  drain(
    onDone: (imageId: string, status: MediaStatus) => void,
    shouldStop?: () => boolean,
    onTrouble?: (imageId: string, error: unknown) => void,
  ): Promise<void>;
  /** Stops claiming and waits for running jobs. */
  stop(): Promise<void>;
}

export function leasePool(ports: LeasePoolPorts, settings: LeasePoolSettings): LeasePool {
  const running = new Map<string, Promise<MediaStatus | undefined>>();
  let background = 0;
  let stopped = false;
  // Only a started pool claims in the background: a CLI drain, or on-demand work with 0 workers,
  // must not have each finished job claim more behind its back.
  let started = false;
  let claiming: Promise<unknown> = Promise.resolve();
  let pumping = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let onDone: ((imageId: string, status: MediaStatus) => void) | undefined;
  let onTrouble: ((imageId: string, error: unknown) => void) | undefined;

  const claim = (limit: number, imageId?: string) => {
    const now = ports.clock.now();
    return ports.claim({
      owner: settings.instanceId,
      now,
      leaseUntil: new Date(now.getTime() + settings.leaseMs),
      limit,
      maxAttempts: MAX_ATTEMPTS,
      ...(imageId === undefined ? {} : { imageId }),
    });
  };
  const giveBack = (imageId: string) =>
    ports.release(imageId, settings.instanceId, { notBefore: new Date(ports.clock.now().getTime() + RETRY_AFTER_TROUBLE_MS) });

  function launch(job: ClaimedJob, counted: boolean): Promise<MediaStatus | undefined> {
    if (counted) background += 1;
    const work = ports
      .run(job)
      .catch((error: unknown) => {
        ports.logger.error(`${ports.stage} job failed; it will be retried`, { imageId: job.imageId, error: String(error) });
        onTrouble?.(job.imageId, error);
        return giveBack(job.imageId).then(
          () => undefined,
          () => undefined,
        );
      })
      .then((status) => {
        if (status) {
          ports.finished?.(job.imageId, status);
          onDone?.(job.imageId, status);
        }
        return status;
      })
      .finally(() => {
        running.delete(job.imageId);
        if (counted) background -= 1;
        pump();
      });
    running.set(job.imageId, work);
    return work;
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
        ports.logger.warn(`looking for ${ports.stage} jobs failed`, { error: String(error) });
        return false;
      })
      .then((claimed) => {
        pumping = false;
        if (claimed) pump();
      });
  }

  return {
    claim,
    start() {
      if (settings.workers <= 0 || timer) return;
      started = true;
      timer = setInterval(pump, settings.pollMs ?? 2000);
      timer.unref?.();
      pump();
    },
    kick: () => queueMicrotask(pump),
    launch: (job) => launch(job, false),
    running: (imageId) => running.get(imageId),
    async drain(done, shouldStop = () => false, trouble = undefined) {
      onDone = done;
      onTrouble = trouble;
      const workers = Math.max(1, settings.workers);
      try {
        for (;;) {
          if (shouldStop()) break;
          const free = workers - running.size;
          const jobs = free > 0 ? await claim(free) : [];
          for (const job of jobs) void launch(job, false);
          if (running.size === 0) break;
          await Promise.race(running.values());
        }
      } finally {
        await Promise.allSettled(running.values());
        onDone = undefined;
        onTrouble = undefined;
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await claiming; // a claim in flight launches what it got before the jobs are awaited
      await Promise.allSettled(running.values());
    },
  };
}
