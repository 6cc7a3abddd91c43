// Password strength: at least 10 characters and a zxcvbn score of 3 or more (of 4).
//
// zxcvbn's dictionaries cost ~50 MiB of heap, more than the rest of an idle server. They are
// loaded in a child process (`pixvault __password-strength`, password-strength-process.ts) that
// exits after two quiet seconds, so a server that just registered a user carries nothing of
// them into the uploads that follow. A worker thread did that job before, but what it had
// touched stayed in the server: ~10 MiB of RSS after every burst of sign-ups (issue #17). A
// burst shares one process; a check that has to start it waits ~0.2 s for the dictionaries.
import { fileURLToPath } from "node:url";
import type { Subprocess } from "bun";
import { jsonLines } from "./json-lines.ts";
import type { StrengthVerdict } from "./password-strength.ts";
export { guessableWords, MIN_PASSWORD_LENGTH, type StrengthVerdict } from "./password-strength.ts";

export const MAX_PASSWORD_LENGTH = 1024;
const IDLE_MS = 2_000;
/** The hidden command main.ts runs for the checker. */
export const PASSWORD_STRENGTH_COMMAND = "__password-strength";

interface Pending {
  resolve(verdict: StrengthVerdict): void;
  reject(e: Error): void;
}

interface Answer {
  id: number;
  verdict?: StrengthVerdict;
  error?: string;
}

/** One checker process and the checks sent to it: a stopping one fails only its own. */
interface Checker {
  readonly process: Subprocess<"pipe", "pipe", "inherit">;
  readonly pending: Map<number, Pending>;
}

let checker: Checker | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let nextId = 0;

// Compiled, the executable is its own checker; from source, Bun runs main.ts again.
const COMMAND = Bun.main.startsWith("/$bunfs/")
  ? [process.execPath, PASSWORD_STRENGTH_COMMAND]
  : [process.execPath, fileURLToPath(new URL("../main.ts", import.meta.url)), PASSWORD_STRENGTH_COMMAND];

function startChecker(): Checker {
  const started = { process: Bun.spawn(COMMAND, { stdin: "pipe", stdout: "pipe", stderr: "inherit" }), pending: new Map() };
  void readAnswers(started);
  return started;
}

async function readAnswers(child: Checker): Promise<void> {
  try {
    for await (const answer of jsonLines<Answer>(child.process.stdout)) settle(child, answer);
  } catch {
    // The pipe broke: the exit below fails what is still waiting.
  }
  const code = await child.process.exited;
  if (checker === child) checker = undefined;
  for (const waiter of child.pending.values()) waiter.reject(new Error(`password check failed: the checker exited (${code})`));
  child.pending.clear();
}

function settle(child: Checker, { id, verdict, error }: Answer): void {
  const waiter = child.pending.get(id);
  child.pending.delete(id);
  if (verdict) waiter?.resolve(verdict);
  else waiter?.reject(new Error(`password check failed: ${error}`));
  if (child.pending.size === 0 && child === checker) {
    // An idle checker must not keep a CLI command from exiting.
    child.process.unref();
    scheduleStop();
  }
}

function scheduleStop(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(stopChecker, IDLE_MS);
  idleTimer.unref();
}

function stopChecker(): void {
  clearTimeout(idleTimer);
  // End of input is its signal to exit.
  void checker?.process.stdin.end();
  checker = undefined;
}

/** Scores a password; `userInputs` (username, name, email) count as guessable words. */
export function judgePassword(password: string, userInputs: string[]): Promise<StrengthVerdict> {
  clearTimeout(idleTimer);
  const child = (checker ??= startChecker());
  child.process.ref();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    child.pending.set(id, { resolve, reject });
    child.process.stdin.write(`${JSON.stringify({ id, password, userInputs })}\n`);
    void child.process.stdin.flush();
  });
}
