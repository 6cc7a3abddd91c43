// Keeps a photo's decode and the label model out of memory at the same time.
//
// Decoding a 24 MP photo peaks ~250 MiB above the idle process, the label model's worker holds
// ~150 MiB more while it lives; together they broke SPEC §7's 400 MiB (483 MiB measured with the
// two stages running side by side, 331 without the model). So a decode of more than LARGE_PIXELS
// waits for a running labelling to finish and ends the model's worker first; labelling waits
// while such a decode runs or waits, and for a short quiet spell after the last one, so that in a
// run of uploads the previews go first and the model loads once afterwards, rather than between
// every two photos. Small images (icons, screenshots) decode beside the model freely. Waiting
// alone is not enough: libvips frees into glibc's arenas, which keep the pages, so a decode's
// memory is handed back (a full GC, then malloc_trim) once, before the model loads (24 MP: 420 → 358
// MiB measured). Not after every decode: the next decode faults those pages in again (+0.1 s CPU each).
// It is one process's policy: several instances share nothing but the database.
import { releaseFreedMemory } from "./malloc-trim.ts";

/** Decodes above this many pixels (a 2560×1600 image) keep the model out of memory. */
export const LARGE_PIXELS = 4_000_000;

/** How long labelling waits after the last large decode before it loads the model again. */
const QUIET_MS = 500;

export class MemoryGate {
  #decoding = 0;
  #labelling = 0;
  #lastDecodeEnd = 0;
  #lastTrim = 0;
  #waiters: (() => void)[] = [];
  readonly #quietMs: number;

  constructor(options: { readonly quietMs?: number } = {}) {
    this.#quietMs = options.quietMs ?? QUIET_MS;
  }

  /** Runs a large decode: once no labelling runs, and after `evict` has ended the model's worker. */
  async decode<T>(evict: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    this.#decoding += 1;
    try {
      while (this.#labelling > 0) await this.#changed();
      await evict();
      return await work();
    } finally {
      this.#decoding -= 1;
      this.#lastDecodeEnd = Date.now();
      this.#wake();
    }
  }

  /** Runs one labelling: while no large decode runs or waits, and not within the quiet spell after one. */
  async label<T>(work: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.#decoding > 0) {
        await this.#changed();
        continue;
      }
      const wait = this.#lastDecodeEnd + this.#quietMs - Date.now();
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    // What the decodes freed goes back to the system before the model loads beside it; only
    // then, not after every decode: pages handed back are faulted in again by the next decode
    // (trimming after each one cost ~0.1 s of CPU per 12 MP photo).
    if (this.#lastDecodeEnd > this.#lastTrim) {
      this.#lastTrim = Date.now();
      // The decodes' buffers that JS still holds as garbage are freed first, so that trimming returns them too.
      Bun.gc(true);
      releaseFreedMemory();
    }
    this.#labelling += 1;
    try {
      return await work();
    } finally {
      this.#labelling -= 1;
      this.#wake();
    }
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
