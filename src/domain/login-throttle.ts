// Brute-force throttling of password checks — per (target, client address), per client
// address, and per target from everywhere — shared by all instances through the database.
import { clearSubject, hitWindows, purgeExpiredWindows, settleWindows } from "../store/rate-limit-repository.ts";
import type { AccountDeps } from "./context.ts";
import { ok, type DomainError, type Result } from "./errors.ts";

export type ThrottleDeps = Pick<AccountDeps, "db" | "throttle" | "throttleTag" | "now">;

/** One counter: its row key, the account its row is about (if any), and its limit. */
export interface Counter {
  readonly key: Buffer;
  readonly subject: Buffer | null;
  readonly max: number;
}

/** The three counters of one password check. */
export interface Attempt {
  /** One address guessing at one target: the limit that normally bites. */
  readonly pair: Counter;
  /** One address guessing at anything (many usernames, many links). */
  readonly client: Counter;
  /** Everyone guessing at one target: a high ceiling against spread-out attacks. */
  readonly target: Counter;
}

/** The rows about one username share this subject, so `user unlock` can clear them all. */
export function usernameSubject(deps: Pick<AccountDeps, "throttleTag">, username: string): Buffer {
  return deps.throttleTag("subject:user", username.toLowerCase());
}

function loginAttempt(deps: ThrottleDeps, username: string, ip: string): Attempt {
  const name = username.toLowerCase();
  const subject = usernameSubject(deps, name);
  const { maxFailuresPerUserAndIp, maxFailuresPerIp, maxFailuresPerUser } = deps.throttle;
  return {
    pair: { key: deps.throttleTag("login:pair", name, ip), subject, max: maxFailuresPerUserAndIp },
    client: { key: deps.throttleTag("login:ip", ip), subject: null, max: maxFailuresPerIp },
    target: { key: deps.throttleTag("login:user", name), subject, max: maxFailuresPerUser },
  };
}

/** A share link's password is guessed at like an account's: the same three limits. */
export function shareLinkAttempt(deps: ThrottleDeps, linkId: string, ip: string): Attempt {
  const { maxFailuresPerUserAndIp, maxFailuresPerIp, maxFailuresPerUser } = deps.throttle;
  return {
    pair: { key: deps.throttleTag("share:pair", linkId, ip), subject: null, max: maxFailuresPerUserAndIp },
    client: { key: deps.throttleTag("share:ip", ip), subject: null, max: maxFailuresPerIp },
    target: { key: deps.throttleTag("share:link", linkId), subject: null, max: maxFailuresPerUser },
  };
}

export function rateLimited(detail: string, waitMs: number): { ok: false; error: DomainError } {
  return { ok: false, error: { code: "rate_limited", detail, retryAfterSeconds: Math.ceil(waitMs / 1000) } };
}

/**
 * Counts the attempt *before* the password is checked: the increment is atomic, so guesses
 * sent in parallel cannot all read a count below the limit and all get a check.
 */
export async function beginThrottledAttempt(deps: ThrottleDeps, attempt: Attempt): Promise<Result<void>> {
  const { windowMs } = deps.throttle;
  const now = deps.now().getTime();
  const counters = [attempt.pair, attempt.client, attempt.target];
  const windows = await hitWindows(deps.db.client, counters, now, windowMs);
  let waitMs = 0;
  windows.forEach((w, i) => {
    if (w.count > counters[i]!.max) waitMs = Math.max(waitMs, w.windowStart + windowMs - now);
  });
  if (waitMs === 0) return ok(undefined);
  // A refused attempt checks no password, so it does not spend anyone's budget.
  await settleWindows(deps.db.client, { release: counters.map((c) => c.key) });
  return rateLimited("too many failed password attempts; wait before trying again", waitMs);
}

/** A correct password: the pair starts afresh, and the other counters get their attempt back. */
export async function throttledAttemptSucceeded(deps: ThrottleDeps, attempt: Attempt): Promise<void> {
  await settleWindows(deps.db.client, { clear: [attempt.pair.key], release: [attempt.client.key, attempt.target.key] });
}

export function beginPasswordAttempt(deps: ThrottleDeps, username: string, ip: string): Promise<Result<void>> {
  return beginThrottledAttempt(deps, loginAttempt(deps, username, ip));
}

export function passwordAttemptSucceeded(deps: ThrottleDeps, username: string, ip: string): Promise<void> {
  return throttledAttemptSucceeded(deps, loginAttempt(deps, username, ip));
}

/** `pixvault user unlock`: every counter about this username, from every address, is gone. */
export function unlockUsername(deps: Pick<AccountDeps, "db" | "throttleTag">, username: string): Promise<number> {
  return clearSubject(deps.db.client, usernameSubject(deps, username));
}

const PURGE_BATCH = 500;

/** Deletes counters whose window has ended, a batch at a time; returns how many went. */
export async function purgeExpiredThrottles(deps: Pick<AccountDeps, "db" | "now">, maxBatches = 20): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const removed = await purgeExpiredWindows(deps.db.client, deps.now().getTime(), PURGE_BATCH);
    total += removed;
    if (removed < PURGE_BATCH) break;
  }
  return total;
}

/**
 * Takes one from a budget that is not about passwords (sign-ups per address). Counted first,
 * like a password check, so parallel requests cannot all fit under the limit; the caller
 * gives it back (`returnToBudget`) when the action did not happen after all.
 */
export async function takeFromBudget(
  deps: ThrottleDeps,
  counter: Counter,
  windowMs: number,
  detail: string,
): Promise<Result<void>> {
  const now = deps.now().getTime();
  const w = (await hitWindows(deps.db.client, [counter], now, windowMs))[0]!;
  if (w.count <= counter.max) return ok(undefined);
  await settleWindows(deps.db.client, { release: [counter.key] });
  return rateLimited(detail, w.windowStart + windowMs - now);
}

export async function returnToBudget(deps: ThrottleDeps, counter: Counter): Promise<void> {
  await settleWindows(deps.db.client, { release: [counter.key] });
}
