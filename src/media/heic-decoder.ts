// Decodes HEIC (HEVC-coded HEIF) to RGB(A) in a worker thread that is recycled, for previews.ts.
//
// Prebuilt sharp cannot decode HEVC (patents: lovell/sharp#4479), so libheif runs as WASM.
// WASM memory grows to the largest image decoded and never shrinks, so the worker is recycled
// (recycled-worker.ts): ended after `imagesPerWorker` images or `idleMs` without work, when a
// decode runs past `timeoutMs`, and right after an image of more than `retireAbovePixels`: its
// heap (~190 MiB for 24 MP) would otherwise stay beside whatever runs next (the label model).
import type { DecodedHeic, HeicRequest } from "./heic-decode.worker.ts";
import { RecycledWorker } from "./recycled-worker.ts";

export type HeicDecodeResult =
  | ({ readonly ok: true } & DecodedHeic)
  | { readonly ok: false; readonly reason: "too_many_pixels" | "undecodable" | "timeout"; readonly detail: string };

export interface HeicDecoderOptions {
  readonly imagesPerWorker?: number;
  readonly idleMs?: number;
  readonly timeoutMs?: number;
  /** Default 16 MP: a 12 MP phone photo keeps the worker, a 24 MP one ends it. */
  readonly retireAbovePixels?: number;
}

// In the compiled executable, worker entry points live in its embedded file system, named
// relative to src/ (the build lists them as entry points); import.meta.url names the source file.
const WORKER = Bun.main.startsWith("/$bunfs/") ? "./media/heic-decode.worker.ts" : new URL("./heic-decode.worker.ts", import.meta.url).href;

export class HeicDecoder {
  readonly #worker: RecycledWorker<HeicDecodeResult>;
  readonly #retireAbovePixels: number;

  constructor(options: HeicDecoderOptions = {}) {
    this.#worker = new RecycledWorker(WORKER, {
      jobsPerWorker: options.imagesPerWorker ?? 16,
      idleMs: options.idleMs ?? 10_000,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    this.#retireAbovePixels = options.retireAbovePixels ?? 16_000_000;
  }

  /** Workers started so far (for tests and metrics: shows recycling). */
  get workersStarted(): number {
    return this.#worker.workersStarted;
  }

  /**
   * Decodes the primary image, shrunk by a whole factor to at most `maxEdge` on its longest side;
   * images are decoded one at a time, in order.
   */
  decode(bytes: Uint8Array, maxPixels: number, maxEdge = Infinity): Promise<HeicDecodeResult> {
    return this.#worker.run(
      (worker, id) => {
        // A copy goes to the worker (the caller keeps its bytes) and its buffer moves without another.
        // Not .slice(): on a Buffer that is a view, and moving it would detach the caller's memory.
        const copy = new Uint8Array(bytes);
        worker.postMessage({ id, bytes: copy, maxPixels, maxEdge } satisfies HeicRequest, [copy.buffer]);
      },
      (reason, message) =>
        reason === "timeout"
          ? { ok: false, reason: "timeout", detail: `HEIC decoding ${message}` }
          : { ok: false, reason: "undecodable", detail: `the HEIC decoder failed: ${message}` },
      (result) => result.ok && result.decodedPixels > this.#retireAbovePixels,
    );
  }

  /** Ends the worker now (queued decodes start a new one). */
  close(): void {
    this.#worker.close();
  }
}
