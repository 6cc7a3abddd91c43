// While the server runs, rate-limit rows are deleted once their window has ended (README, Accounts with curl).
import type { Throttle } from "../domain/accounts/throttle.ts";
import { describeError, type Logger } from "../logger.ts";

/**
 * Purges at start (rows that ended while no server ran), then every `windowMs` up to once a
 * minute: a row outlives its window by at most that, and a short test window is seen soon.
 */
export function startThrottlePurge(throttle: Pick<Throttle, "purgeExpired">, logger: Logger, windowMs: number): { stop(): void } {
  let stopped = false;
  const purge = () =>
    throttle.purgeExpired().catch((e: unknown) => {
      if (!stopped) logger.warn("purging expired rate-limit rows failed", describeError(e));
    });
  void purge();
  const timer = setInterval(purge, Math.min(Math.max(windowMs, 1000), 60_000));
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
