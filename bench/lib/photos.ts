// Photo-like test images for the preview benchmark: camera-sized JPEGs whose content compresses
// like a photo (smooth gradients and shapes under sensor-like noise, ~3–5 MB at 12 MP), and HEIC
// files made from them by libheif's `heif-enc` (x265) when it is installed.
import { spawnSync } from "node:child_process";
import sharp from "sharp";

interface Grid {
  columns: number;
  values: Float32Array;
}

/** Random values in -0.5..0.5 at the corners of `cell`-pixel squares. */
function valueGrid(width: number, height: number, cell: number, random: () => number): Grid {
  const columns = Math.ceil(width / cell) + 2;
  const rows = Math.ceil(height / cell) + 2;
  return { columns, values: Float32Array.from({ length: columns * rows }, () => random() - 0.5) };
}

/** The grid bilinearly interpolated at (gx, gy), in cells. */
function sample(grid: Grid, gx: number, gy: number): number {
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const fx = gx - x0;
  const fy = gy - y0;
  const at = (x: number, y: number) => grid.values[y * grid.columns + x]!;
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Deterministic pixels: a sky-to-ground gradient, soft blobs of colour, texture at three scales and per-pixel noise. */
export function photoPixels(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.allocUnsafe(width * height * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const blobs = Array.from({ length: 12 }, () => ({
    x: random() * width,
    y: random() * height,
    r: (0.05 + random() * 0.2) * width,
    rgb: [random() * 120 - 60, random() * 120 - 60, random() * 120 - 60],
  }));
  const tint = [random() * 40, random() * 40, random() * 40];
  // Value noise at three scales (foliage, texture, fine detail): what survives downscaling, so
  // thumbs carry detail like a photo's rather than a flat gradient's.
  const octaves = [96, 24, 6].map((cell, i) => ({ cell, amp: [40, 32, 22][i]!, grid: valueGrid(width, height, cell, random) }));
  for (let y = 0; y < height; y++) {
    const v = y / height;
    // Rows near a blob get its colour; the distance is computed per row, the falloff per pixel.
    const near = blobs.filter((b) => Math.abs(b.y - y) < b.r);
    for (let x = 0; x < width; x++) {
      let r = 90 + 120 * (1 - v) + tint[0]!;
      let g = 110 + 80 * (1 - v) + tint[1]! + 20 * Math.sin(x / 300);
      let b = 150 + 90 * (1 - v) - 60 * v + tint[2]!;
      for (const blob of near) {
        const dx = x - blob.x;
        const dy = y - blob.y;
        const d2 = (dx * dx + dy * dy) / (blob.r * blob.r);
        if (d2 < 1) {
          const w = 1 - d2;
          r += blob.rgb[0]! * w;
          g += blob.rgb[1]! * w;
          b += blob.rgb[2]! * w;
        }
      }
      let texture = 0;
      for (const o of octaves) texture += o.amp * sample(o.grid, x / o.cell, y / o.cell);
      r += texture;
      g += texture * 0.9;
      b += texture * 0.7;
      const grain = (random() - 0.5) * 20;
      const i = (y * width + x) * 3;
      pixels[i] = Math.max(0, Math.min(255, r + grain + (random() - 0.5) * 8));
      pixels[i + 1] = Math.max(0, Math.min(255, g + grain + (random() - 0.5) * 8));
      pixels[i + 2] = Math.max(0, Math.min(255, b + grain + (random() - 0.5) * 8));
    }
  }
  return pixels;
}

/** A `width`×`height` JPEG (quality 92, camera make and model in its EXIF), like a phone's photo. */
export function photoJpeg(width: number, height: number, seed: number, progressive = false): Promise<Buffer> {
  return sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .withExif({ IFD0: { Make: "pixvault bench", Model: `synthetic ${width}x${height}` } })
    .jpeg({ quality: 92, progressive })
    .toBuffer();
}

/** Why HEIC files cannot be made here, or undefined. */
export function heifEncUnavailable(): string | undefined {
  return Bun.which("heif-enc") ? undefined : "heif-enc is not installed (Debian: apt-get install libheif-examples)";
}

/** `jpegFile` encoded as HEIC (HEVC, quality 60) into `heicFile` by heif-enc. */
export function encodeHeic(jpegFile: string, heicFile: string): void {
  const out = spawnSync("heif-enc", ["-q", "60", "-o", heicFile, jpegFile], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`heif-enc failed: ${out.stderr || out.stdout}`);
}
