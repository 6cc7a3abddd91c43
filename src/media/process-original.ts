// The MediaProcessor port: an original's two previews and what the photo says about itself, in one call.
//
// The pixels are decoded once (makePreviews); the photo fields come from the header and EXIF
// alone, so they are returned even when the pixels cannot be decoded (too many of them, a codec
// missing here), and the image still shows its size, date and place.
import type { MediaOutcome, MediaProcessor, PhotoFields } from "../domain/previews/ports.ts";
import { readBmpHeader } from "./bmp-header.ts";
import { readPhotoMetadata } from "./exif.ts";
import { analysePreviews } from "./analysis/analyse-previews.ts";
import { HeicDecoder, type HeicDecoderOptions } from "./heic-decoder.ts";
import { LabelDetector } from "./labels/label-detector.ts";
import { createStreamingSizeScanner, dimensionsFromHead } from "./image-dimensions.ts";
import { LARGE_PIXELS, MemoryGate } from "./memory-gate.ts";
import { makePreviews } from "./previews.ts";
import type { Sharp } from "./sharp-loader.ts";

export interface MediaProcessorOptions {
  /** undefined when sharp could not be loaded: every image then fails with "decoder_unavailable". */
  readonly sharp: Sharp | undefined;
  /** `--max-image-pixels`. */
  readonly maxPixels: number;
  /** Each decoding step (a libvips pipeline, the HEIC or BMP decoder) is stopped after this long. */
  readonly timeoutSeconds: number;
  readonly heic?: HeicDecoderOptions;
  /** Formats that only decode whole are refused past this buffer size (previews.ts's default otherwise). */
  readonly maxDecodeBytes?: number;
  /** Find labels with the model (`--analysis on`); colours and hashes are made either way. */
  readonly labels?: boolean;
}

/** What the header and EXIF say, or null when the header cannot be read. */
async function photoFields(sharp: Sharp, bytes: Uint8Array, contentType: string): Promise<PhotoFields | null> {
  if (contentType === "image/bmp") {
    // libvips cannot read BMP; its header gives the size, and BMP has no EXIF.
    const read = readBmpHeader(bytes);
    return read.ok ? { width: read.header.width, height: read.header.height, takenAt: null, camera: null, location: null } : null;
  }
  const meta = await readPhotoMetadata(sharp, bytes);
  if (!meta || meta.width <= 0 || meta.height <= 0) return null;
  const { width, height, takenAt, camera, location } = meta;
  return { width, height, takenAt, camera, location };
}

/** Whether decoding these bytes is large for the memory gate; an image whose header says nothing is. */
function largeDecode(bytes: Uint8Array, contentType: string): boolean {
  let size = dimensionsFromHead(contentType, bytes);
  if (!size) {
    const scanner = createStreamingSizeScanner(bytes);
    scanner?.push(bytes);
    size = scanner?.result() ?? null;
  }
  return !size || size.width * size.height > LARGE_PIXELS;
}

export function createMediaProcessor(options: MediaProcessorOptions): MediaProcessor {
  const { sharp, maxPixels, timeoutSeconds } = options;
  const heic = new HeicDecoder({ ...options.heic, timeoutMs: options.heic?.timeoutMs ?? timeoutSeconds * 1000 });
  const previewOptions = { maxPixels, timeoutSeconds, heic, maxDecodeBytes: options.maxDecodeBytes };
  // The detector starts its worker (and loads the model) on the first image only.
  const detector = options.labels ? new LabelDetector() : undefined;
  const gate = new MemoryGate();
  const decode = (bytes: Uint8Array, contentType: string) =>
    Promise.all([makePreviews(sharp!, { bytes, contentType }, previewOptions), photoFields(sharp!, bytes, contentType)]);

  return {
    async process({ bytes, contentType }): Promise<MediaOutcome> {
      if (!sharp) return { ok: false, reason: "decoder_unavailable", detail: "sharp (libvips) could not be loaded", photo: null };
      try {
        const [previews, photo] =
          detector && largeDecode(bytes, contentType)
            ? await gate.decode(
                () => detector.unload(),
                () => decode(bytes, contentType),
              )
            : await decode(bytes, contentType);
        if (!previews.ok) return { ok: false, reason: previews.reason, detail: previews.detail, photo };
        return { ok: true, thumb: previews.thumb, display: previews.display, photo };
      } catch (e) {
        // The decoders turn bad input into values; a throw left over is a decoder's bug on some
        // file, and that file must fail, not crash or retry forever the job that holds it.
        const message = (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
        return { ok: false, reason: "undecodable", detail: `decoding failed unexpectedly: ${message}`, photo: null };
      }
    },
    async analyse(previews) {
      if (!sharp) return { ok: false, reason: "decoder_unavailable", detail: "sharp (libvips) could not be loaded" };
      return detector ? gate.label(() => analysePreviews(sharp, detector, previews)) : analysePreviews(sharp, undefined, previews);
    },
    async close() {
      heic.close();
      detector?.close();
    },
  };
}
