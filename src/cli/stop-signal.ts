// What the long offline commands (`previews`, `analyse`) share: stopping cleanly on a signal and
// describing a storage error in one line.
import { databaseErrorLine } from "../store/storage-errors.ts";

/** The shell's convention for a command stopped by SIGINT. */
export const INTERRUPTED = 130;

/** The first SIGINT/SIGTERM asks the work to stop; a second one quits at once (leases are freed by the next run). */
export function stopOnSignal(onFirst: () => void): { readonly requested: boolean; remove(): void } {
  const state = { requested: false };
  const onSignal = () => {
    if (state.requested) process.exit(INTERRUPTED);
    state.requested = true;
    onFirst();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get requested() {
      return state.requested;
    },
    remove() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** One line without SQL or its arguments (wrapped keys travel in the jobs' statements). */
export function describeStorageError(e: unknown): string {
  return databaseErrorLine(e) ?? (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
