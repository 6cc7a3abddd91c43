// A worker thread that runs one job at a time, in order, and is ended after `jobsPerWorker` jobs,
// after `idleMs` without work and when a job runs past `timeoutMs`: for WASM whose memory grows to
// its largest job and never shrinks, or holds a model (heic-decoder.ts, labels/label-detector.ts).
// Ending the worker is also the only way to interrupt a WASM loop.

export interface RecycledWorkerOptions {
  readonly jobsPerWorker: number;
  readonly idleMs: number;
  readonly timeoutMs: number;
}

interface Job<Result> {
  readonly post: (worker: Worker, id: number) => void;
  readonly failed: (reason: "crashed" | "timeout", message: string) => Result;
  readonly retire?: (result: Result) => boolean;
  readonly done: (result: Result) => void;
}

/** Replies are `{ id, ...Result }`: the id of the message `post` sent. */
export class RecycledWorker<Result> {
  readonly #url: string;
  readonly #options: RecycledWorkerOptions;
  readonly #queue: Job<Result>[] = [];
  #worker: Worker | undefined;
  #doneByWorker = 0;
  #busy = false;
  #nextId = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Workers started so far (for tests and metrics: shows recycling). */
  workersStarted = 0;

  constructor(url: string, options: RecycledWorkerOptions) {
    this.#url = url;
    this.#options = options;
  }

  /** Jobs waiting for the worker (the running one not counted). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whether a worker is alive now. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /**
   * Runs one job: `post` sends its message, tagged with `id`; `failed` makes the result when no
   * reply comes; when `retire` says so of the result, the worker is ended before the next job.
   */
  run(post: Job<Result>["post"], failed: Job<Result>["failed"], retire?: Job<Result>["retire"]): Promise<Result> {
    return new Promise((done) => {
      this.#queue.push({ post, failed, done, ...(retire ? { retire } : {}) });
      this.#next();
    });
  }

  /** Ends the worker now (queued jobs start a new one). */
  close(): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  /** Ends an idle worker and resolves once its thread (and its memory) is gone; a busy one is left alone. */
  async end(): Promise<void> {
    const worker = this.#worker;
    if (!worker || this.#busy) return;
    const gone = new Promise<void>((resolve) => {
      worker.addEventListener("close", () => resolve(), { once: true });
      setTimeout(resolve, 2000).unref();
    });
    this.close();
    await gone;
  }

  #next(): void {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) {
      // An idle worker must not keep a CLI command from exiting.
      this.#worker?.unref();
      clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(() => this.close(), this.#options.idleMs);
      this.#idleTimer.unref();
      return;
    }
    clearTimeout(this.#idleTimer);
    this.#busy = true;
    if (this.#worker === undefined || this.#doneByWorker >= this.#options.jobsPerWorker) {
      this.close();
      this.#worker = new Worker(this.#url);
      this.#doneByWorker = 0;
      this.workersStarted++;
    }
    this.#worker.ref();
    this.#run(this.#worker, job);
  }

  #run(worker: Worker, job: Job<Result>): void {
    const id = this.#nextId++;
    const finish = (result: Result) => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      this.#doneByWorker++;
      this.#busy = false;
      if (job.retire?.(result)) this.close();
      job.done(result);
      this.#next();
    };
    const onMessage = ({ data }: MessageEvent<{ readonly id: number } & Result>) => {
      if (data.id !== id) return;
      const { id: _, ...result } = data;
      finish(result as Result);
    };
    const onError = (event: ErrorEvent) => {
      this.close();
      finish(job.failed("crashed", event.message));
    };
    const timer = setTimeout(() => {
      this.close();
      finish(job.failed("timeout", `took longer than ${this.#options.timeoutMs} ms`));
    }, this.#options.timeoutMs);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    job.post(worker, id);
  }
}
