// Brute-force throttling of password checks — per guessed-at target (a username, a share
// link) and per client address — shared by all instances through the database.
import { clearWindow, hitWindow, releaseHit } from "../store/rate-limit-repository.ts";
import type { AccountDeps } from "./context.ts";
import { ok, type Result } from "./errors.ts";

export type ThrottleDeps = Pick<AccountDeps, "db" | "throttle" | "now">;

/** The two counters of one kind of password check. */
export interface AttemptKeys {
  /** What is being guessed at; limited by `maxFailuresPerUser`. */
  readonly target: string;
  /** Who is guessing; limited by `maxFailuresPerIp`. */
  readonly client: string;
}

const loginKeys = (username: string, ip: string): AttemptKeys => ({
  target: `login:user:${username.toLowerCase()}`,
  client: `login:ip:${ip}`,
});

/**
 * Counts the attempt *before* the password is checked: the increment is atomic, so guesses
 * sent in parallel cannot all read a count below the limit and all get a check.
 */
export async function beginThrottledAttempt(deps: ThrottleDeps, keys: AttemptKeys): Promise<Result<void>> {
  const { windowMs, maxFailuresPerUser, maxFailuresPerIp } = deps.throttle;
  const now = deps.now().getTime();
  const limits: [string, number][] = [
    [keys.target, maxFailuresPerUser],
    [keys.client, maxFailuresPerIp],
  ];
  let waitMs = 0;
  for (const [key, max] of limits) {
    const w = await hitWindow(deps.db.client, key, now, windowMs);
    if (w.count > max) waitMs = Math.max(waitMs, w.windowStart + windowMs - now);
  }
  if (waitMs === 0) return ok(undefined);
  // A refused attempt checks no password, so it does not spend anyone's budget.
  for (const [key] of limits) await releaseHit(deps.db.client, key);
  return {
    ok: false,
    error: {
      code: "rate_limited",
      detail: "too many failed password attempts; wait before trying again",
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    },
  };
}

/** A correct password: the target starts afresh, and the address gets its attempt back. */
export async function throttledAttemptSucceeded(deps: ThrottleDeps, keys: AttemptKeys): Promise<void> {
  await clearWindow(deps.db.client, keys.target);
  await releaseHit(deps.db.client, keys.client);
}

export function beginPasswordAttempt(deps: ThrottleDeps, username: string, ip: string): Promise<Result<void>> {
  return beginThrottledAttempt(deps, loginKeys(username, ip));
}

export function passwordAttemptSucceeded(deps: ThrottleDeps, username: string, ip: string): Promise<void> {
  return throttledAttemptSucceeded(deps, loginKeys(username, ip));
}
