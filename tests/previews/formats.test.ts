// Every accepted format gets both previews through the API: the right size and way up, never enlarged, WebP or JPEG, no metadata.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sharp } from "../../src/media/sharp-loader.ts";
import { quadrantBmp } from "../media/bmp-writer.ts";
import { near, photo, pixelAt, RED } from "../media/photo-samples.ts";
import { expectCleanPreview, redThenBlueGif } from "../media/preview-checks.ts";
import { signedInUser } from "../support/accounts.ts";
import { bytesOf, uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { previewOf, settledImage, testSharp } from "../support/previews-api.ts";

const LIMITS = { thumb: 400, display: 2048 } as const;

interface Sample {
  readonly name: string;
  readonly contentType: string;
  /** The original as a camera (or a tool) stored it. */
  make(sharp: Sharp): Promise<Buffer>;
  /** As displayed: orientation applied. */
  readonly width: number;
  readonly height: number;
  /** Where the red mark must be in a preview, as fractions of its size (undefined: no mark to look for). */
  readonly red?: readonly [number, number];
}

const SAMPLES: readonly Sample[] = [
  {
    // Stored 3000×2000 landscape, EXIF orientation 6: shown as a 2000×3000 portrait, the top-left mark now top-right.
    name: "photo.jpg",
    contentType: "image/jpeg",
    make: (sharp) => photo(sharp, { width: 3000, height: 2000, orientation: 6 }),
    width: 2000,
    height: 3000,
    red: [0.97, 0.02],
  },
  {
    name: "photo.png",
    contentType: "image/png",
    make: (sharp) => photo(sharp, { width: 2400, height: 1600, format: "png" }),
    width: 2400,
    height: 1600,
    red: [0.02, 0.02],
  },
  // Animated: red, then blue; the preview is the first frame.
  { name: "anim.gif", contentType: "image/gif", make: redThenBlueGif, width: 120, height: 90, red: [0.5, 0.5] },
  {
    name: "wide.webp",
    contentType: "image/webp",
    make: (sharp) => photo(sharp, { width: 3000, height: 1000, format: "webp" }),
    width: 3000,
    height: 1000,
    red: [0.02, 0.04],
  },
  {
    name: "photo.avif",
    contentType: "image/avif",
    make: (sharp) => photo(sharp, { width: 1200, height: 900, format: "avif" }),
    width: 1200,
    height: 900,
    red: [0.02, 0.02],
  },
  {
    // A real HEVC HEIC from an iPhone-like pipeline, smaller than either preview.
    name: "gps.heic",
    contentType: "image/heic",
    make: async () => readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic")),
    width: 64,
    height: 48,
  },
  {
    name: "quadrants.bmp",
    contentType: "image/bmp",
    make: async () => quadrantBmp({ width: 800, height: 600, bits: 24 }).bytes,
    width: 800,
    height: 600,
    red: [0.1, 0.1],
  },
  {
    name: "scan.tiff",
    contentType: "image/tiff",
    make: (sharp) => photo(sharp, { width: 1600, height: 1200, format: "tiff" }),
    width: 1600,
    height: 1200,
    red: [0.02, 0.02],
  },
];

/** The longest edge brought down to `limit`, never up. */
function fitted(width: number, height: number, limit: number): [number, number] {
  const scale = Math.min(1, limit / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

describe("every format gets previews", () => {
  const server = useInProcessServer();
  let url: string;
  let sharp: Sharp;
  let token: string;
  beforeAll(async () => {
    url = server.url;
    sharp = testSharp();
    token = (await signedInUser(url)).token;
  });

  test.each(SAMPLES.map((s) => [s.name, s] as const))("%s: thumb and display, oriented, clean, never enlarged", async (_, sample) => {
    const original = await sample.make(sharp);
    const uploaded = await uploadOne(url, token, { name: sample.name, bytes: original });
    expect(uploaded.contentType).toBe(sample.contentType);

    for (const size of ["thumb", "display"] as const) {
      const res = await previewOf(url, token, uploaded.id, size);
      expect(res.status).toBe(200);
      const bytes = await bytesOf(res);
      const contentType = res.headers.get("content-type") ?? "";
      expect(["image/webp", "image/jpeg"]).toContain(contentType);
      expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
      const [width, height] = fitted(sample.width, sample.height, LIMITS[size]);
      await expectCleanPreview(sharp, { contentType, bytes, width, height });
      if (sample.red) {
        const [fx, fy] = sample.red;
        const at = await pixelAt(sharp, bytes, Math.floor(fx * width), Math.floor(fy * height));
        expect({ size, at, red: near(at, RED) }).toMatchObject({ red: true });
      }
    }

    // Once made, the image object says so, and its size is as displayed.
    const image = await settledImage(url, token, uploaded.id);
    expect(image.previews).toEqual({ status: "ready" });
    expect([image.width, image.height]).toEqual([sample.width, sample.height]);
  });

  test("the EXIF-orientation-6 JPEG's thumb is portrait, and nothing of its EXIF (camera, GPS) is in the preview bytes", async () => {
    const original = await photo(sharp, { width: 1200, height: 800, orientation: 6 });
    expect(original.includes(Buffer.from("iPhone 15 Pro"))).toBe(true);
    const uploaded = await uploadOne(url, token, { name: "turned.jpg", bytes: original });
    for (const size of ["thumb", "display"]) {
      const bytes = await bytesOf(await previewOf(url, token, uploaded.id, size));
      const meta = await sharp(bytes).metadata();
      expect(meta.height!).toBeGreaterThan(meta.width!);
      for (const marker of ["Exif\0", "iPhone", "Apple", "GPS"]) expect(bytes.includes(Buffer.from(marker, "latin1"))).toBe(false);
    }
  });
});
