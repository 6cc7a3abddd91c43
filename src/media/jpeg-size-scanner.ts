// Finds a JPEG's width and height by walking its segments as chunks stream by.
// Exif, ICC and XMP segments (each up to 64 KiB, often several) can push the frame header far past
// any head we keep, so segment bodies are skipped by their declared lengths without being buffered.
import type { Dimensions, SizeScanner } from "./image-dimensions.ts";

// SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG extension) and CC (DAC) share the range but do not.
const isFrameHeader = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
// Markers with no length field: TEM, RST0–7 (and a stuffed 0x00).
const isStandalone = (marker: number) => marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
const EOI = 0xd9;
const SOS = 0xda;

export function createJpegSizeScanner(): SizeScanner {
  let sawStart = false;
  let skip = 0;
  let done = false;
  let size: Dimensions | null = null;
  // At most the 9 bytes of a marker, its length and the frame header's precision/height/width.
  const pending: number[] = [];

  const stop = (found: Dimensions | null) => {
    done = true;
    size = found;
    pending.length = 0;
  };

  // Looks at the bytes gathered since the last segment boundary and moves the walk on when it can.
  function step(): void {
    const [first, marker] = pending;
    if (!sawStart) {
      if (pending.length < 2) return;
      if (first !== 0xff || marker !== 0xd8) return stop(null);
      sawStart = true;
      pending.length = 0;
      return;
    }
    if (first !== 0xff) return void (pending.length = 0); // stray byte between segments: tolerated, as decoders do
    if (marker === undefined) return;
    if (marker === 0xff) return void pending.shift(); // fill byte before a marker
    if (isStandalone(marker)) return void (pending.length = 0);
    if (marker === SOS || marker === EOI) return stop(null); // entropy-coded data began without a frame header
    if (pending.length < 4) return;
    const length = (pending[2]! << 8) | pending[3]!;
    if (length < 2) return stop(null);
    if (!isFrameHeader(marker)) {
      skip = length - 2;
      pending.length = 0;
      return;
    }
    if (length < 7) return stop(null);
    if (pending.length < 9) return;
    const height = (pending[5]! << 8) | pending[6]!;
    const width = (pending[7]! << 8) | pending[8]!;
    // A zero height means a DNL marker defines it after the scan: not known from the header.
    stop(width > 0 && height > 0 ? { width, height } : null);
  }

  return {
    push(chunk) {
      let i = 0;
      while (i < chunk.length && !done) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          skip -= n;
          i += n;
          continue;
        }
        pending.push(chunk[i++]!);
        step();
      }
    },
    result: () => size,
  };
}
