// Finds COCO object labels in decoded preview pixels with a model that ships in the executable, in a
// worker thread that is recycled (SPEC §9 "labels").
//
// The model (CenterNet, ~4 MB of weights, ~100 MB once loaded into TensorFlow.js's WASM heap) lives
// only in the worker: the worker ends after `imagesPerWorker` images, after `idleMs` without work, and
// when one image runs past `timeoutMs` (a WASM loop cannot be interrupted any other way), so a server
// with no analysis to do does not keep the model's memory. Images wait in a queue of at most
// `maxQueued`; more is refused as a value ("busy"), as is input that is not pixels ("invalid_input").
//
// For the analysis job: `detect(pixels)` with the `display` (or `thumb`) preview decoded to raw
// pixels (sharp: `.raw().toBuffer({ resolveWithObject: true })` gives `{ data, info }`); any size
// works, the model sees the image stretched to 512×512.
import type { Label, LabelPixels } from "./label-types.ts";
import { RecycledWorker } from "../recycled-worker.ts";
import type { LabelRequest } from "./labels.worker.ts";

export type { LabelPixels } from "./label-types.ts";

export type LabelResult =
  | { readonly ok: true; readonly labels: Label[] }
  | { readonly ok: false; readonly reason: "invalid_input" | "busy" | "timeout" | "model_failed"; readonly detail: string };

export interface LabelDetectorOptions {
  /** Labels below this score are dropped (SPEC §9: 0.4). */
  readonly minScore?: number;
  readonly imagesPerWorker?: number;
  readonly idleMs?: number;
  readonly timeoutMs?: number;
  readonly maxQueued?: number;
}

// In the compiled executable, worker entry points live in its embedded file system, named relative
// to src/ (as for heic-decoder.ts); import.meta.url names the source file.
const WORKER = Bun.main.startsWith("/$bunfs/") ? "./media/labels/labels.worker.ts" : new URL("./labels.worker.ts", import.meta.url).href;
/** Larger than any preview (§8: 2048 px); a bound on what is copied to the worker. */
const MAX_EDGE = 8192;

/** Why `pixels` is not an image the model can take, or null. */
function invalidInput(pixels: LabelPixels): string | null {
  const { width, height, channels, data } = pixels ?? {};
  const edge = (n: unknown) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_EDGE;
  if (!edge(width) || !edge(height)) return `width and height must be whole numbers from 1 to ${MAX_EDGE}`;
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= 4)) return "channels must be 1, 2, 3 or 4";
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) return "data must hold width × height × channels bytes";
  return null;
}

export class LabelDetector {
  readonly #minScore: number;
  readonly #maxQueued: number;
  readonly #worker: RecycledWorker<LabelResult>;

  constructor(options: LabelDetectorOptions = {}) {
    this.#minScore = options.minScore ?? 0.4;
    this.#maxQueued = options.maxQueued ?? 32;
    this.#worker = new RecycledWorker(WORKER, {
      jobsPerWorker: options.imagesPerWorker ?? 64,
      idleMs: options.idleMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  }

  /** Workers started so far (for tests and metrics: shows recycling and idle ends). */
  get workersStarted(): number {
    return this.#worker.workersStarted;
  }

  /** Whether a worker (and so the model) is in memory now. */
  get running(): boolean {
    return this.#worker.running;
  }

  /** The labels of one image, best score first; images are labelled one at a time, in order. */
  detect(pixels: LabelPixels): Promise<LabelResult> {
    const invalid = invalidInput(pixels);
    if (invalid) return Promise.resolve({ ok: false, reason: "invalid_input", detail: invalid });
    if (this.#worker.queued >= this.#maxQueued) {
      return Promise.resolve({ ok: false, reason: "busy", detail: `${this.#maxQueued} images are already waiting for labels` });
    }
    const { width, height, channels, data } = pixels;
    return this.#worker.run(
      (worker, id) => {
        // A copy goes to the worker (the caller keeps its pixels) and its buffer moves without another.
        const copy = new Uint8Array(data);
        worker.postMessage({ id, minScore: this.#minScore, width, height, channels, data: copy } satisfies LabelRequest, [copy.buffer]);
      },
      (reason, message) =>
        reason === "timeout"
          ? { ok: false, reason: "timeout", detail: `labelling ${message}` }
          : { ok: false, reason: "model_failed", detail: `the label model failed: ${message}` },
    );
  }

  /** Ends the worker now (queued images start a new one). */
  close(): void {
    this.#worker.close();
  }

  /** Unloads the model when no image is being labelled: resolves once its memory is gone. */
  unload(): Promise<void> {
    return this.#worker.end();
  }
}
