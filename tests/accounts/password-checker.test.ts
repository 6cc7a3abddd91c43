// Password strength is judged in a child process that holds zxcvbn's dictionaries and exits
// after two quiet seconds, so none of that memory stays with the server.
import { expect, jest, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { judgePassword, PASSWORD_STRENGTH_COMMAND } from "../../src/domain/password-policy.ts";

/** This process's children running the checker. */
function checkers(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(PASSWORD_STRENGTH_COMMAND))
        found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test("a check sent while the idle checker is exiting is answered by the next one", async () => {
  // Fake timers fire the idle stop on cue: the old process then exits within milliseconds,
  // while the new one needs ~0.2 s for its dictionaries.
  jest.useFakeTimers();
  try {
    expect((await judgePassword("violet-harbour-trombone-1987", [])).ok).toBe(true);
    const [stopping] = checkers();
    expect(stopping).toBeDefined();
    jest.advanceTimersByTime(2_000);
    const verdict = await judgePassword("lovelace-1815", ["lovelace-1815"]);
    expect(verdict.ok).toBe(false);
    expect(checkers()).not.toContain(stopping);
  } finally {
    jest.useRealTimers();
  }
}, 30_000);

test("a burst of checks shares one checker process, which exits once it has been idle", async () => {
  const verdicts = await Promise.all([
    judgePassword("password123", []),
    judgePassword("violet-harbour-trombone-1987", []),
    judgePassword("lovelace-1815", ["lovelace-1815"]),
  ]);
  expect(verdicts.map((v) => v.ok)).toEqual([false, true, false]);
  expect(verdicts[0]!.score).toBeLessThan(3);
  expect(checkers()).toHaveLength(1);
  await Bun.sleep(3_500);
  expect(checkers()).toEqual([]);
  // And a later check starts a new one.
  expect((await judgePassword("violet-harbour-trombone-1987", [])).ok).toBe(true);
}, 30_000);
