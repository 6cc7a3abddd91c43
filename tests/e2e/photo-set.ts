// The photos the web UI's photo journey uploads: twenty camera-sized JPEGs (a few MB each, most
// with an EXIF date and camera), an iPhone HEIC and a decompression-bomb PNG, written to a folder.
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { pngBomb } from "../media/preview-checks.ts";

const WIDTH = 3000;
const HEIGHT = 2000;
const HEIC = join(import.meta.dir, "../fixtures/media/gps.heic");

interface PhotoFile {
  name: string;
  path: string;
  size: number;
  /** The EXIF DateTimeOriginal's month ("2023-07"), absent for an undated photo. */
  month?: string;
}

export interface PhotoSet {
  photos: PhotoFile[];
  heic: PhotoFile;
  bomb: PhotoFile;
}

/** Which photos have a date taken: six in July 2023, six in December 2023, four in March 2024, four none. */
const MONTHS = ["2023-07", "2023-12", "2024-03", undefined] as const;
const monthOf = (i: number) => MONTHS[i < 6 ? 0 : i < 12 ? 1 : i < 16 ? 2 : 3];

export async function writePhotoSet(dir: string): Promise<PhotoSet> {
  const base = landscape();
  // sharp encodes on its own threads: all twenty at once take a few seconds.
  const photos = await Promise.all(
    Array.from({ length: 20 }, async (_, i): Promise<PhotoFile> => {
      const name = `photo-${String(i + 1).padStart(2, "0")}.jpg`;
      const month = monthOf(i);
      let img = sharp(base, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .modulate({ hue: i * 18 })
        .jpeg({ quality: 92 });
      if (month) {
        const taken = `${month.replace("-", ":")}:${String(10 + i).padStart(2, "0")} 09:30:00`;
        img = img.withExif({
          IFD0: { Make: "Canon", Model: "Canon EOS R6" },
          IFD2: { DateTimeOriginal: taken, OffsetTimeOriginal: "+01:00" },
        });
      }
      const bytes = await img.toBuffer();
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return { name, path, size: bytes.length, ...(month ? { month } : {}) };
    }),
  );
  const heic = { name: "iphone.heic", path: join(dir, "iphone.heic"), size: 0, month: "2024-05" };
  copyFileSync(HEIC, heic.path);
  const bombBytes = pngBomb();
  const bomb = { name: "bomb.png", path: join(dir, "bomb.png"), size: bombBytes.length };
  writeFileSync(bomb.path, bombBytes);
  return { photos, heic, bomb };
}

/**
 * Sky over hills with sensor-like noise: the noise keeps a JPEG of it as large as a camera's
 * (~2–3 MB at 6 MP), which is what makes loading originals in a grid expensive.
 */
function landscape(): Buffer {
  const px = Buffer.alloc(WIDTH * HEIGHT * 3);
  let seed = 12345;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = ((seed >>> 24) % 40) - 20;
      const hill = HEIGHT * 0.6 + Math.sin(x / 300) * HEIGHT * 0.08;
      const i = (y * WIDTH + x) * 3;
      const [r, g, b] = y < hill ? [90 + (y / hill) * 100, 140 + (y / hill) * 70, 230] : [60, 120 - ((y - hill) / HEIGHT) * 60, 50];
      px[i] = clamp(r + noise);
      px[i + 1] = clamp(g + noise);
      px[i + 2] = clamp(b + noise);
    }
  }
  return px;
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
