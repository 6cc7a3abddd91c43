// Photos made in the tests with sharp: a marked corner (to see orientation), EXIF with camera, date and GPS.
import type { Sharp } from "../../src/media/sharp-loader.ts";

export const PARIS = { latitude: 48.8581556, longitude: 2.2945, altitude: 35 };

/** The EXIF of a phone photo taken at PARIS (sharp's withExif string form). */
const PHONE_EXIF = {
  IFD0: { Make: "Apple", Model: "iPhone 15 Pro" },
  IFD2: {
    DateTimeOriginal: "2024:05:01 14:03:22",
    OffsetTimeOriginal: "+02:00",
    SubSecTimeOriginal: "25",
    LensModel: "iPhone 15 Pro back camera",
  },
  IFD3: {
    GPSLatitudeRef: "N",
    GPSLatitude: "48/1 51/1 2936/100",
    GPSLongitudeRef: "E",
    GPSLongitude: "2/1 17/1 4020/100",
    GPSAltitudeRef: "0",
    GPSAltitude: "35/1",
  },
};

export const RED = { r: 255, g: 0, b: 0 };

/**
 * Pixels of a width×height photo: a grey-blue gradient with a red block in the stored top-left
 * corner (a tenth of each side), so the corner it lands in after orientation shows the rotation.
 */
function markedPixels(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  const bw = Math.max(1, Math.floor(width / 10));
  const bh = Math.max(1, Math.floor(height / 10));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const marked = x < bw && y < bh;
      px[i] = marked ? 255 : 40;
      px[i + 1] = marked ? 0 : Math.round((y / height) * 160) + 40;
      px[i + 2] = marked ? 0 : Math.round((x / width) * 160) + 60;
    }
  }
  return px;
}

export interface PhotoOptions {
  width: number;
  height: number;
  format?: "jpeg" | "png" | "webp" | "avif" | "tiff" | "gif";
  orientation?: number;
  exif?: boolean;
}

/** A photo as a camera would store it: marked pixels, optional EXIF (with GPS) and orientation. */
export async function photo(sharp: Sharp, { width, height, format = "jpeg", orientation, exif = true }: PhotoOptions): Promise<Buffer> {
  let img = sharp(markedPixels(width, height), { raw: { width, height, channels: 3 } }).toFormat(format);
  if (exif) img = img.withExif(PHONE_EXIF);
  if (orientation !== undefined) img = img.withMetadata({ orientation });
  return img.toBuffer();
}

/** The [r, g, b] at (x, y) of an image, decoded by sharp with no orientation applied. */
export async function pixelAt(sharp: Sharp, bytes: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

/** Whether two colours are within `tolerance` per channel (lossy codecs move them a little). */
export function near(a: number[], b: { r: number; g: number; b: number }, tolerance = 40): boolean {
  return Math.abs(a[0]! - b.r) <= tolerance && Math.abs(a[1]! - b.g) <= tolerance && Math.abs(a[2]! - b.b) <= tolerance;
}
