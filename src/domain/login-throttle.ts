// Brute-force throttling of password checks, per username and per client address, shared
// by all instances through the database.
import { clearWindow, hitWindow, releaseHit } from "../store/rate-limit-repository.ts";
import type { AccountDeps } from "./context.ts";
import { ok, type Result } from "./errors.ts";

const userKey = (username: string) => `login:user:${username.toLowerCase()}`;
const ipKey = (ip: string) => `login:ip:${ip}`;

/**
 * Counts the attempt *before* the password is checked: the increment is atomic, so guesses
 * sent in parallel cannot all read a count below the limit and all get a check.
 */
export async function beginPasswordAttempt(deps: AccountDeps, username: string, ip: string): Promise<Result<void>> {
  const { windowMs, maxFailuresPerUser, maxFailuresPerIp } = deps.throttle;
  const now = deps.now().getTime();
  const limits: [string, number][] = [
    [userKey(username), maxFailuresPerUser],
    [ipKey(ip), maxFailuresPerIp],
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

/** A correct password: the username starts afresh, and the address gets its attempt back. */
export async function passwordAttemptSucceeded(deps: AccountDeps, username: string, ip: string): Promise<void> {
  await clearWindow(deps.db.client, userKey(username));
  await releaseHit(deps.db.client, ipKey(ip));
}
