// The upload workloads' images (SPEC §7: "real JPEGs and PNGs, half each"): crops of photo-like
// canvases (bench/lib/photos.ts) encoded by sharp, alternately a JPEG (quality 90, camera EXIF, as
// a phone writes) and a PNG, each near a target size. Deterministic: the same seed, the same bytes.
import sharp from "sharp";
import { photoPixels } from "./photos.ts";
import { pool } from "./stats.ts";

const CANVAS = { width: 2400, height: 1800 };
const CANVASES = 4;

type Format = "jpeg" | "png";

export interface UploadPhoto {
  format: Format;
  bytes: Uint8Array;
}

/** Canvases made once per process: making one costs ~0.5 s of JavaScript. */
let canvases: Buffer[] | undefined;

function canvas(i: number): Buffer {
  canvases ??= Array.from({ length: CANVASES }, (_, n) => photoPixels(CANVAS.width, CANVAS.height, 9000 + n));
  return canvases[i % CANVASES]!;
}

/** A small xorshift, so the crops' places follow from the seed. */
function randomFrom(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

async function encode(format: Format, source: number, left: number, top: number, width: number, height: number): Promise<Buffer> {
  const crop = sharp(canvas(source), { raw: { ...CANVAS, channels: 3 } }).extract({ left, top, width, height });
  return format === "jpeg"
    ? crop
        .withExif({ IFD0: { Make: "pixvault bench", Model: `synthetic ${width}x${height}` } })
        .jpeg({ quality: 90 })
        .toBuffer()
    : crop.png().toBuffer();
}

/** Width and height (3:2) of a crop that should encode to about `bytes`, given that `had` encoded to `size`. */
function rescale(had: { width: number; height: number }, size: number, bytes: number): { width: number; height: number } {
  const width = Math.min(CANVAS.width, Math.max(3, Math.round(had.width * Math.sqrt(bytes / size))));
  return { width, height: Math.min(CANVAS.height, Math.max(2, Math.round((width * 2) / 3))) };
}

/**
 * `count` images of about `bytes` each (within ~5 %), JPEG and PNG alternately (JPEG first), from
 * crops chosen by `seed`. Each format's crop size comes from a trial encode; a crop whose content
 * encodes further off than 4 % is encoded once more at a corrected size.
 */
export async function uploadPhotos(count: number, bytes: number, seed: number): Promise<UploadPhoto[]> {
  const trial = { width: 600, height: 400 };
  const dims = {
    jpeg: rescale(trial, (await encode("jpeg", 0, 0, 0, trial.width, trial.height)).length, bytes),
    png: rescale(trial, (await encode("png", 0, 0, 0, trial.width, trial.height)).length, bytes),
  };
  const random = randomFrom(seed);
  const places = Array.from({ length: count }, () => ({ x: random(), y: random() }));
  const photos: UploadPhoto[] = [];
  // A few at a time: sharp encodes on its own threads.
  await pool(count, 4, async (i) => {
    const format: Format = i % 2 === 0 ? "jpeg" : "png";
    const { x, y } = places[i]!;
    const at = (d: { width: number; height: number }) =>
      encode(
        format,
        i + seed,
        Math.floor(x * (CANVAS.width - d.width + 1)),
        Math.floor(y * (CANVAS.height - d.height + 1)),
        d.width,
        d.height,
      );
    let image = await at(dims[format]);
    if (Math.abs(image.length / bytes - 1) > 0.04) image = await at(rescale(dims[format], image.length, bytes));
    photos[i] = { format, bytes: image };
  });
  return photos;
}

/** "100 JPEGs and 100 PNGs of 491–515 KB, 505 KB on average", for the report. */
export function describePhotos(photos: UploadPhoto[]): string {
  const kb = (n: number) => `${Math.round(n / 1000)} KB`;
  const sizes = photos.map((p) => p.bytes.length);
  const count = (format: Format) => photos.filter((p) => p.format === format).length;
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  return `${count("jpeg")} JPEGs and ${count("png")} PNGs of ${Math.round(Math.min(...sizes) / 1000)}–${kb(Math.max(...sizes))}, ${kb(mean)} on average`;
}
