// Brute-force throttling of logins, per username and per client address, shared by all
// instances through the database.
import { clearWindow, hitWindow, readWindow } from "../store/rate-limit-repository.ts";
import type { AccountDeps } from "./context.ts";
import { ok, type Result } from "./errors.ts";

const userKey = (username: string) => `login:user:${username.toLowerCase()}`;
const ipKey = (ip: string) => `login:ip:${ip}`;

/** Refuses before the password is even checked when either counter is at its limit. */
export async function checkLoginAllowed(deps: AccountDeps, username: string, ip: string): Promise<Result<void>> {
  const { windowMs, maxFailuresPerUser, maxFailuresPerIp } = deps.throttle;
  const now = deps.now().getTime();
  const limits: [string, number][] = [
    [userKey(username), maxFailuresPerUser],
    [ipKey(ip), maxFailuresPerIp],
  ];
  let waitMs = 0;
  for (const [key, max] of limits) {
    const w = await readWindow(deps.db.client, key);
    if (w && w.count >= max && w.windowStart + windowMs > now) waitMs = Math.max(waitMs, w.windowStart + windowMs - now);
  }
  if (waitMs === 0) return ok(undefined);
  return {
    ok: false,
    error: {
      code: "rate_limited",
      detail: "too many failed logins; wait before trying again",
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    },
  };
}

export async function recordLoginFailure(deps: AccountDeps, username: string, ip: string): Promise<void> {
  const now = deps.now().getTime();
  await hitWindow(deps.db.client, userKey(username), now, deps.throttle.windowMs);
  await hitWindow(deps.db.client, ipKey(ip), now, deps.throttle.windowMs);
}

/** A correct password clears the username's count (the address keeps its own). */
export async function recordLoginSuccess(deps: AccountDeps, username: string): Promise<void> {
  await clearWindow(deps.db.client, userKey(username));
}

