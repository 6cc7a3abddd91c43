// Makes committed WAL frames durable without blocking the event loop. The writer commits with
// synchronous=NORMAL, so COMMIT only write()s its frames; this then fsyncs the WAL file in the
// thread pool and settles the writers' promises after it. One fsync covers every commit
// made before it started, so concurrent writers share it (the second half of group commit).
// SQLite itself syncs the WAL header when it restarts the log and the WAL before every
// checkpoint; what NORMAL leaves out is exactly this per-commit fsync.
import { closeSync, fsyncSync, openSync, promises as fs } from "node:fs";

export interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

export class WalSync {
  readonly #path: string;
  #handle: fs.FileHandle | undefined;
  #waiting: Waiter[] = [];
  #running = false;

  constructor(databasePath: string) {
    this.#path = `${databasePath}-wal`;
  }

  /** Settles these writers once their (already committed) frames are on stable storage. */
  after(committed: Waiter[]): void {
    if (committed.length === 0) return;
    this.#waiting.push(...committed);
    if (!this.#running) void this.#run();
  }

  /** For shutdown: syncs now, on this thread, and settles everyone waiting. */
  flushSync(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    if (waiting.length === 0) return;
    try {
      const fd = openSync(this.#path, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      for (const w of waiting) w.resolve();
    } catch (e) {
      for (const w of waiting) w.reject(e);
    }
  }

  close(): void {
    this.flushSync();
    const handle = this.#handle;
    this.#handle = undefined;
    void handle?.close().catch(() => {});
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.length > 0) {
        // Writers that commit while this fsync runs may not be covered by it: they wait for the next.
        const batch = this.#waiting;
        this.#waiting = [];
        try {
          this.#handle ??= await fs.open(this.#path, "r");
          await this.#handle.sync();
          for (const w of batch) w.resolve();
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
