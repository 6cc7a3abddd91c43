// Brute-force throttling of password checks — per (target, client address), per client
// address, and per target from everywhere — and sign-up budgets, shared by all instances
// through the database (README, Accounts with curl).
import type { ThrottleTagger } from "../../crypto/throttle-tag.ts";
import type { Clock } from "../clock.ts";
import { ok, type DomainError, type Result } from "../errors.ts";
import type { ThrottleRepository } from "./ports.ts";

/**
 * Failed password checks allowed in one window before 429. The pair limit stops one address
 * guessing at one account; the account-wide ceiling is much higher, so one attacker cannot
 * lock the owner out from their own address.
 */
export interface LoginThrottlePolicy {
  /** Per (username, client address). */
  maxFailuresPerUserAndIp: number;
  /** Per client address, over every username. */
  maxFailuresPerIp: number;
  /** Per username, over every address. */
  maxFailuresPerUser: number;
  windowMs: number;
}

/** A budget that is not about passwords (sign-ups per address): `tag(name, part)` keys its row. */
interface Budget {
  readonly name: string;
  readonly part: string;
  readonly max: number;
  readonly windowMs: number;
}

export interface Throttle {
  /** Counts the attempt *before* the password is checked; refuses once a counter is over its limit. */
  beginLogin(username: string, ip: string): Promise<Result<void>>;
  /** A correct password: the pair starts afresh, and the other counters get their attempt back. */
  loginSucceeded(username: string, ip: string): Promise<void>;
  /** A share link's password is guessed at like an account's: the same three limits. */
  beginShareUnlock(linkId: string, ip: string): Promise<Result<void>>;
  shareUnlockSucceeded(linkId: string, ip: string): Promise<void>;
  /** Takes one from a budget, counted first so parallel requests cannot all fit under it. */
  takeFromBudget(budget: Budget, detail: string): Promise<Result<void>>;
  /** Gives one back when the action did not happen after all. */
  returnToBudget(budget: Pick<Budget, "name" | "part">): Promise<void>;
  /** `pixvault user unlock`: every counter about this username, from every address, is gone. */
  unlockUsername(username: string): Promise<number>;
  /** Deletes counters whose window has ended, a batch at a time; returns how many went. */
  purgeExpired(maxBatches?: number): Promise<number>;
}

/** One counter: its row key, the account its row is about (if any), and its limit. */
interface Counter {
  readonly key: Buffer;
  readonly subject: Buffer | null;
  readonly max: number;
}

/** The three counters of one password check: pair, client (anything from one address), target. */
type Attempt = readonly [pair: Counter, client: Counter, target: Counter];

const PURGE_BATCH = 500;

function rateLimited(detail: string, waitMs: number): { ok: false; error: DomainError } {
  return { ok: false, error: { code: "rate_limited", detail, retryAfterSeconds: Math.ceil(waitMs / 1000) } };
}

export function createThrottle(ports: {
  limits: ThrottleRepository;
  policy: LoginThrottlePolicy;
  tag: ThrottleTagger;
  clock: Clock;
}): Throttle {
  const { limits, policy, tag, clock } = ports;
  // The rows about one username share this subject, so `user unlock` can clear them all.
  const usernameSubject = (username: string) => tag("subject:user", username.toLowerCase());

  const attempt = (kind: "login" | "share", target: string, ip: string, subject: Buffer | null): Attempt => {
    const [pair, client, whole] = kind === "login" ? ["login:pair", "login:ip", "login:user"] : ["share:pair", "share:ip", "share:link"];
    return [
      { key: tag(pair, target, ip), subject, max: policy.maxFailuresPerUserAndIp },
      { key: tag(client, ip), subject: null, max: policy.maxFailuresPerIp },
      { key: tag(whole, target), subject, max: policy.maxFailuresPerUser },
    ];
  };
  const login = (username: string, ip: string) => attempt("login", username.toLowerCase(), ip, usernameSubject(username));
  const share = (linkId: string, ip: string) => attempt("share", linkId, ip, null);

  // The increment is atomic, so guesses sent in parallel cannot all read a count below the limit.
  const begin = async (counters: Attempt): Promise<Result<void>> => {
    const now = clock.now().getTime();
    const windows = await limits.hit(counters, now, policy.windowMs);
    let waitMs = 0;
    windows.forEach((w, i) => {
      if (w.count > counters[i]!.max) waitMs = Math.max(waitMs, w.windowStart + policy.windowMs - now);
    });
    if (waitMs === 0) return ok(undefined);
    // A refused attempt checks no password, so it does not spend anyone's budget.
    await limits.settle({ release: counters.map((c) => c.key) });
    return rateLimited("too many failed password attempts; wait before trying again", waitMs);
  };
  const succeeded = ([pair, client, target]: Attempt) => limits.settle({ clear: [pair.key], release: [client.key, target.key] });

  return {
    beginLogin: (username, ip) => begin(login(username, ip)),
    loginSucceeded: (username, ip) => succeeded(login(username, ip)),
    beginShareUnlock: (linkId, ip) => begin(share(linkId, ip)),
    shareUnlockSucceeded: (linkId, ip) => succeeded(share(linkId, ip)),

    async takeFromBudget(budget, detail) {
      const now = clock.now().getTime();
      const key = tag(budget.name, budget.part);
      const w = (await limits.hit([{ key, subject: null }], now, budget.windowMs))[0]!;
      if (w.count <= budget.max) return ok(undefined);
      await limits.settle({ release: [key] });
      return rateLimited(detail, w.windowStart + budget.windowMs - now);
    },
    returnToBudget: (budget) => limits.settle({ release: [tag(budget.name, budget.part)] }),

    unlockUsername: (username) => limits.clearSubject(usernameSubject(username)),

    async purgeExpired(maxBatches = 20) {
      let total = 0;
      for (let i = 0; i < maxBatches; i++) {
        const removed = await limits.purgeExpired(clock.now().getTime(), PURGE_BATCH);
        total += removed;
        if (removed < PURGE_BATCH) break;
      }
      return total;
    },
  };
}
