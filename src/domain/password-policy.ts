// Password strength: at least 10 characters and a zxcvbn score of 3 or more (of 4).
//
// zxcvbn's dictionaries cost ~50 MiB of heap, more than the rest of an idle server; they
// are loaded in a worker thread that ends after two quiet seconds, so a server that just
// registered a user does not carry them through the uploads that follow. A burst of sign-ups
// shares one worker; a check that has to start it waits ~0.2 s for the dictionaries.
import type { StrengthVerdict } from "./password-strength.ts";
export { guessableWords, MIN_PASSWORD_LENGTH, type StrengthVerdict } from "./password-strength.ts";

export const MAX_PASSWORD_LENGTH = 1024;
const IDLE_MS = 2_000;

interface Pending {
  resolve(verdict: StrengthVerdict): void;
  reject(e: Error): void;
}

let worker: Worker | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

// In the compiled executable, worker entry points live in its embedded file system, named
// relative to src/ (scripts/build.ts lists them); import.meta.url still names the source file.
const WORKER = Bun.main.startsWith("/$bunfs/")
  ? "./domain/password-strength.worker.ts"
  : new URL("./password-strength.worker.ts", import.meta.url).href;

function startWorker(): Worker {
  const w = new Worker(WORKER);
  w.onmessage = (event: MessageEvent<{ id: number; verdict?: StrengthVerdict; error?: string }>) => {
    const { id, verdict, error } = event.data;
    const waiter = pending.get(id);
    pending.delete(id);
    if (verdict) waiter?.resolve(verdict);
    else waiter?.reject(new Error(`password check failed: ${error}`));
    if (pending.size === 0) {
      // An idle worker must not keep a CLI command from exiting.
      worker?.unref();
      scheduleStop();
    }
  };
  w.onerror = (event) => {
    stopWorker();
    for (const waiter of pending.values()) waiter.reject(new Error(`password check failed: ${event.message}`));
    pending.clear();
  };
  return w;
}

function scheduleStop(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(stopWorker, IDLE_MS);
  idleTimer.unref();
}

function stopWorker(): void {
  clearTimeout(idleTimer);
  worker?.terminate();
  worker = undefined;
}

/** Scores a password; `userInputs` (username, name, email) count as guessable words. */
export function judgePassword(password: string, userInputs: string[]): Promise<StrengthVerdict> {
  clearTimeout(idleTimer);
  worker ??= startWorker();
  worker.ref();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage({ id, password, userInputs });
  });
}
