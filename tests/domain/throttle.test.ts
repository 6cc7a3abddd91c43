// The throttle's rules on their own, over an in-memory ThrottleRepository and a moved clock: the
// account services depend on ports only, so no database, keyring or server is needed here.
import { describe, expect, test } from "bun:test";
import type { ThrottleRepository } from "../../src/domain/accounts/ports.ts";
import { createThrottle, type LoginThrottlePolicy } from "../../src/domain/accounts/throttle.ts";

interface Row {
  subject: string | null;
  count: number;
  windowStart: number;
  expiresAt: number;
}

/** rate_limits as a Map: the same upsert, settle, clear and purge semantics as the SQL. */
function memoryLimits(): ThrottleRepository & { rows: Map<string, Row> } {
  const rows = new Map<string, Row>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return {
    rows,
    async hit(hits, now, windowMs) {
      return hits.map(({ key, subject }) => {
        const row = rows.get(hex(key));
        if (!row || row.expiresAt <= now) {
          const fresh = { subject: subject && hex(subject), count: 1, windowStart: now, expiresAt: now + windowMs };
          rows.set(hex(key), fresh);
          return { count: 1, windowStart: now };
        }
        row.count += 1;
        return { count: row.count, windowStart: row.windowStart };
      });
    },
    async settle({ clear = [], release = [] }) {
      for (const key of clear) rows.delete(hex(key));
      for (const key of release) {
        const row = rows.get(hex(key));
        if (row && row.count > 0) row.count -= 1;
      }
    },
    async clearSubject(subject) {
      let n = 0;
      for (const [key, row] of rows) if (row.subject === hex(subject) && rows.delete(key)) n += 1;
      return n;
    },
    async purgeExpired(now, limit) {
      let n = 0;
      for (const [key, row] of rows) if (n < limit && row.expiresAt <= now && rows.delete(key)) n += 1;
      return n;
    },
  };
}

const MINUTE = 60_000;
const policy: LoginThrottlePolicy = { maxFailuresPerUserAndIp: 3, maxFailuresPerIp: 5, maxFailuresPerUser: 8, windowMs: 15 * MINUTE };

function setup() {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const limits = memoryLimits();
  const throttle = createThrottle({
    limits,
    policy,
    tag: (...parts) => Buffer.from(JSON.stringify(parts)),
    clock: { now: () => new Date(now) },
  });
  const failures = async (n: number, username: string, ip: string) => {
    for (let i = 0; i < n; i++) expect((await throttle.beginLogin(username, ip)).ok).toBe(true);
  };
  return { throttle, limits, advance: (ms: number) => (now += ms), failures };
}

describe("login throttle (in memory)", () => {
  test("one address locks only itself out of one account; another address still gets its checks", async () => {
    const { throttle, failures } = setup();
    await failures(3, "alice", "10.0.0.1");
    const refused = await throttle.beginLogin("Alice", "10.0.0.1");
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe("rate_limited");
      expect(refused.error.retryAfterSeconds).toBe(15 * 60);
    }
    expect((await throttle.beginLogin("alice", "10.0.0.2")).ok).toBe(true);
    expect((await throttle.beginLogin("bob", "10.0.0.1")).ok).toBe(true);
  });

  test("a refused attempt spends nothing, and the window's end forgives every failure", async () => {
    const { throttle, failures, advance } = setup();
    await failures(3, "alice", "10.0.0.1");
    for (let i = 0; i < 10; i++) expect((await throttle.beginLogin("alice", "10.0.0.1")).ok).toBe(false);
    // Not expected: the ten refusals counting against the address's other accounts.
    await failures(1, "bob", "10.0.0.1");
    advance(15 * MINUTE);
    expect((await throttle.beginLogin("alice", "10.0.0.1")).ok).toBe(true);
  });

  test("a correct password clears the pair and gives the address and the account their attempt back", async () => {
    const { throttle, limits, failures } = setup();
    await failures(2, "alice", "10.0.0.1");
    expect((await throttle.beginLogin("alice", "10.0.0.1")).ok).toBe(true);
    await throttle.loginSucceeded("alice", "10.0.0.1");
    const counts = [...limits.rows.values()].map((r) => r.count).sort();
    expect(counts).toEqual([2, 2]);
    await failures(3, "alice", "10.0.0.1");
  });

  test("share links count apart from logins; user unlock clears only that username's rows", async () => {
    const { throttle, failures } = setup();
    await failures(3, "alice", "10.0.0.1");
    expect((await throttle.beginShareUnlock("link-1", "10.0.0.9")).ok).toBe(true);
    expect(await throttle.unlockUsername("ALICE")).toBe(2);
    expect((await throttle.beginLogin("alice", "10.0.0.1")).ok).toBe(true);
  });

  test("a sign-up budget refuses past its limit, and a returned sign-up frees its place", async () => {
    const { throttle } = setup();
    const budget = { name: "register:ip", part: "10.0.0.1", max: 2, windowMs: 60 * MINUTE };
    expect((await throttle.takeFromBudget(budget, "too many")).ok).toBe(true);
    expect((await throttle.takeFromBudget(budget, "too many")).ok).toBe(true);
    expect((await throttle.takeFromBudget(budget, "too many")).ok).toBe(false);
    await throttle.returnToBudget(budget);
    expect((await throttle.takeFromBudget(budget, "too many")).ok).toBe(true);
  });

  test("purge removes the rows whose window has ended, and only those", async () => {
    const { throttle, limits, failures, advance } = setup();
    await failures(1, "alice", "10.0.0.1");
    advance(10 * MINUTE);
    await failures(1, "bob", "10.0.0.2");
    advance(6 * MINUTE);
    expect(await throttle.purgeExpired()).toBe(3);
    expect(limits.rows.size).toBe(3);
  });
});
