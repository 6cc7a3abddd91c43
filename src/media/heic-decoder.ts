// Decodes HEIC (HEVC-coded HEIF) to RGB(A) in a worker thread that is recycled, for previews.ts.
//
// Prebuilt sharp cannot decode HEVC (patents: lovell/sharp#4479), so libheif runs as WASM.
// WASM memory grows to the largest image decoded and never shrinks, so the worker is ended
// after `imagesPerWorker` images or `idleMs` without work, and a decode that runs past
// `timeoutMs` ends it too (a WASM loop cannot be interrupted any other way).
import type { HeicReply, HeicRequest } from "./heic-decode.worker.ts";

export type HeicDecodeResult =
  | { readonly ok: true; readonly width: number; readonly height: number; readonly channels: 3 | 4; readonly pixels: Uint8Array }
  | { readonly ok: false; readonly reason: "too_many_pixels" | "undecodable" | "timeout"; readonly detail: string };

export interface HeicDecoderOptions {
  readonly imagesPerWorker?: number;
  readonly idleMs?: number;
  readonly timeoutMs?: number;
}

// In the compiled executable, worker entry points live in its embedded file system, named
// relative to src/ (the build lists them as entry points); import.meta.url names the source file.
const WORKER = Bun.main.startsWith("/$bunfs/") ? "./media/heic-decode.worker.ts" : new URL("./heic-decode.worker.ts", import.meta.url).href;

interface Job {
  readonly bytes: Uint8Array;
  readonly maxPixels: number;
  readonly maxEdge: number;
  readonly done: (result: HeicDecodeResult) => void;
}

export class HeicDecoder {
  readonly #imagesPerWorker: number;
  readonly #idleMs: number;
  readonly #timeoutMs: number;
  readonly #queue: Job[] = [];
  #worker: Worker | undefined;
  #decodedByWorker = 0;
  #busy = false;
  #nextId = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Workers started so far (for tests and metrics: shows recycling). */
  workersStarted = 0;

  constructor(options: HeicDecoderOptions = {}) {
    this.#imagesPerWorker = options.imagesPerWorker ?? 16;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /**
   * Decodes the primary image, shrunk by a whole factor to at most `maxEdge` on its longest side;
   * images are decoded one at a time, in order.
   */
  decode(bytes: Uint8Array, maxPixels: number, maxEdge = Infinity): Promise<HeicDecodeResult> {
    return new Promise((done) => {
      this.#queue.push({ bytes, maxPixels, maxEdge, done });
      this.#next();
    });
  }

  /** Ends the worker now (queued decodes start a new one). */
  close(): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #next(): void {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) {
      // An idle worker must not keep a CLI command from exiting.
      this.#worker?.unref();
      clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(() => this.close(), this.#idleMs);
      this.#idleTimer.unref();
      return;
    }
    clearTimeout(this.#idleTimer);
    this.#busy = true;
    if (this.#worker === undefined || this.#decodedByWorker >= this.#imagesPerWorker) {
      this.close();
      this.#worker = new Worker(WORKER);
      this.#decodedByWorker = 0;
      this.workersStarted++;
    }
    this.#worker.ref();
    this.#run(this.#worker, job);
  }

  #run(worker: Worker, job: Job): void {
    const id = this.#nextId++;
    const finish = (result: HeicDecodeResult) => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      this.#decodedByWorker++;
      this.#busy = false;
      job.done(result);
      this.#next();
    };
    const onMessage = ({ data }: MessageEvent<HeicReply>) => {
      if (data.id !== id) return;
      const { id: _, ...result } = data;
      finish(result);
    };
    const onError = (event: ErrorEvent) => {
      this.close();
      finish({ ok: false, reason: "undecodable", detail: `the HEIC decoder failed: ${event.message}` });
    };
    const timer = setTimeout(() => {
      this.close();
      finish({ ok: false, reason: "timeout", detail: `HEIC decoding took longer than ${this.#timeoutMs} ms` });
    }, this.#timeoutMs);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    // A copy goes to the worker (the caller keeps its bytes) and its buffer moves without another.
    // Not .slice(): on a Buffer that is a view, and moving it would detach the caller's memory.
    const bytes = new Uint8Array(job.bytes);
    worker.postMessage({ id, bytes, maxPixels: job.maxPixels, maxEdge: job.maxEdge } satisfies HeicRequest, [bytes.buffer]);
  }
}
