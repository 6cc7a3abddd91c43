// Shrinks interleaved 8-bit pixels by a whole factor, each output pixel the mean of its block.
//
// For decoders without shrink-on-load (libheif): what they hand over is cut to about the size
// libvips would have decoded a JPEG to, before the original-sized frame is copied anywhere.

export interface RawPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/** The whole factor that brings the longest edge to at most `maxEdge`. */
export function shrinkFactor(width: number, height: number, maxEdge: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / maxEdge));
}

/**
 * A copy of `source` (rows `stride` bytes apart) shrunk to fit `maxEdge`; blocks at the right
 * and bottom edges may be smaller. Always a fresh buffer: `source` may be borrowed memory.
 */
export function boxShrink(source: Uint8Array, width: number, height: number, stride: number, channels: number, maxEdge: number): RawPixels {
  const shrink = shrinkFactor(width, height, maxEdge);
  const rowBytes = width * channels;
  if (shrink === 1) {
    const data = new Uint8Array(height * rowBytes);
    for (let y = 0; y < height; y++) data.set(source.subarray(y * stride, y * stride + rowBytes), y * rowBytes);
    return { width, height, channels, data };
  }
  const outWidth = Math.ceil(width / shrink);
  const outHeight = Math.ceil(height / shrink);
  const data = new Uint8Array(outWidth * outHeight * channels);
  const sums = new Uint32Array(outWidth * channels);
  for (let oy = 0; oy < outHeight; oy++) {
    sums.fill(0);
    const y0 = oy * shrink;
    const rows = Math.min(shrink, height - y0);
    for (let y = y0; y < y0 + rows; y++) {
      const row = y * stride;
      for (let x = 0; x < width; x++) {
        const from = row + x * channels;
        const to = ((x / shrink) | 0) * channels;
        for (let c = 0; c < channels; c++) sums[to + c]! += source[from + c]!;
      }
    }
    const out = oy * outWidth * channels;
    for (let ox = 0; ox < outWidth; ox++) {
      const count = rows * Math.min(shrink, width - ox * shrink);
      for (let c = 0; c < channels; c++) data[out + ox * channels + c] = Math.round(sums[ox * channels + c]! / count);
    }
  }
  return { width: outWidth, height: outHeight, channels, data };
}
