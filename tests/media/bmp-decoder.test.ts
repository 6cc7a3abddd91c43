// The BMP decoder as previews.ts uses it: every depth and layout to the right pixels, bombs and damage refused cheaply.
import { describe, expect, test } from "bun:test";
import { type DecodedBmp, decodeBmp } from "../../src/media/bmp-decoder.ts";
import { readBmpHeader } from "../../src/media/bmp-header.ts";
import { type BmpSpec, bmpFile, bmpHeaderClaiming, quadrantBmp, type Rgba } from "./bmp-writer.ts";

const LIMITS = { maxPixels: 200_000_000, maxEdge: 4096 };

async function decoded(bytes: Uint8Array, options = LIMITS): Promise<DecodedBmp> {
  const result = await decodeBmp(bytes, options);
  if (!result.ok) throw new Error(`BMP not decoded: ${result.reason}: ${result.detail}`);
  return result;
}

function pixel(image: DecodedBmp, x: number, y: number): number[] {
  const at = (y * image.width + x) * image.channels;
  return [...image.data.subarray(at, at + image.channels)];
}

const rgb = (c: Rgba) => [c.r, c.g, c.b];

type Layout = Omit<BmpSpec, "pixel" | "palette" | "width" | "height">;

describe("every depth and layout", () => {
  const layouts: [string, Layout][] = [
    ["1-bit palette", { bits: 1 }],
    ["2-bit palette", { bits: 2 }],
    ["4-bit palette", { bits: 4 }],
    ["8-bit palette", { bits: 8 }],
    ["16-bit 5-5-5", { bits: 16 }],
    ["16-bit 5-6-5 bit fields", { bits: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f, 0] }],
    ["24-bit", { bits: 24 }],
    ["32-bit BI_RGB", { bits: 32 }],
    ["32-bit 10-10-10 bit fields", { bits: 32, compression: 3, masks: [0x3ff00000, 0x000ffc00, 0x000003ff, 0] }],
    ["V4 header, 24-bit", { bits: 24, header: 108 }],
    ["V5 header, 8-bit palette", { bits: 8, header: 124 }],
    ["OS/2 core header, 24-bit", { bits: 24, header: 12 }],
    ["OS/2 core header, 4-bit palette", { bits: 4, header: 12 }],
  ];
  const cases = layouts.flatMap(([name, layout]) =>
    [false, true]
      .filter((topDown) => !(topDown && layout.header === 12))
      .map((topDown) => [`${name}, ${topDown ? "top-down" : "bottom-up"}`, { ...layout, topDown }] as const),
  );

  test.each(cases)("%s: every pixel in its place, RGB", async (_, layout) => {
    // 13×7: odd sizes make every row padded and split sub-byte pixels across bytes.
    const { bytes, colourAt } = quadrantBmp({ width: 13, height: 7, ...layout });
    const image = await decoded(bytes);
    expect([image.width, image.height, image.channels]).toEqual([13, 7, 3]);
    for (let y = 0; y < 7; y++) for (let x = 0; x < 13; x++) expect(pixel(image, x, y)).toEqual(rgb(colourAt(x, y)));
  });

  test("32-bit with an alpha mask (V5, and BI_ALPHABITFIELDS) keeps its transparency", async () => {
    const pixelAt = (x: number) => ({ r: 10, g: 20, b: 30, a: x * 60 });
    for (const spec of [
      { header: 124, compression: 3, masks: [0xff0000, 0xff00, 0xff, 0xff000000] },
      { header: 40, compression: 6, masks: [0xff, 0xff00, 0xff0000, 0xff000000] },
    ] as const) {
      const image = await decoded(bmpFile({ width: 4, height: 2, bits: 32, ...spec, pixel: pixelAt }));
      expect(image.channels).toBe(4);
      expect([0, 1, 2, 3].map((x) => pixel(image, x, 1))).toEqual([0, 60, 120, 180].map((a) => [10, 20, 30, a]));
    }
  });

  test("an alpha channel that is 0 everywhere (a writer that never filled it) shows opaque", async () => {
    const masks = [0xff0000, 0xff00, 0xff, 0xff000000] as const;
    const image = await decoded(
      bmpFile({ width: 3, height: 2, bits: 32, header: 108, compression: 3, masks, pixel: () => ({ r: 1, g: 2, b: 3, a: 0 }) }),
    );
    expect(pixel(image, 2, 1)).toEqual([1, 2, 3, 255]);
  });

  test("a palette index past the file's colours is black", async () => {
    const palette = [{ r: 9, g: 9, b: 9 }];
    const image = await decoded(bmpFile({ width: 2, height: 1, bits: 8, palette, pixel: (x) => x * 200 }));
    expect([pixel(image, 0, 0), pixel(image, 1, 0)]).toEqual([
      [9, 9, 9],
      [0, 0, 0],
    ]);
  });

  test("a file without its last row's padding still decodes", async () => {
    const bytes = quadrantBmp({ width: 5, height: 3, bits: 24, topDown: true }).bytes;
    expect((await decoded(bytes.subarray(0, bytes.length - 1))).height).toBe(3);
  });
});

describe("shrinking while decoding", () => {
  test("a large image is box-averaged to fit maxEdge, edge blocks averaged over what they hold", async () => {
    // 5×3 at maxEdge 3: shrunk by 2 into 3×2 pixels; the last column and row blocks are partial.
    const red = (x: number, y: number) => x * 10 + y * 50;
    const bytes = bmpFile({ width: 5, height: 3, bits: 24, pixel: (x, y) => ({ r: red(x, y), g: 0, b: 255 }) });
    const image = await decoded(bytes, { maxPixels: 100, maxEdge: 3 });
    expect([image.width, image.height]).toEqual([3, 2]);
    const mean = (...values: number[]) => Math.round(values.reduce((a, b) => a + b) / values.length);
    expect(pixel(image, 0, 0)).toEqual([mean(0, 10, 50, 60), 0, 255]);
    expect(pixel(image, 2, 0)).toEqual([mean(40, 90), 0, 255]);
    expect(pixel(image, 1, 1)).toEqual([mean(120, 130), 0, 255]);
    expect(pixel(image, 2, 1)).toEqual([140, 0, 255]);
  });

  test("a row wider than one run (65536 pixels) is read in runs, whole or shrunk, with no seam", async () => {
    const red = (x: number) => (x * 7) % 256;
    const bytes = bmpFile({ width: 70_000, height: 2, bits: 24, pixel: (x) => ({ r: red(x), g: 1, b: 2 }) });
    const whole = await decoded(bytes, { maxPixels: 1e6, maxEdge: 70_000 });
    for (const x of [0, 65_535, 65_536, 69_999]) expect(pixel(whole, x, 1)).toEqual([red(x), 1, 2]);
    const shrunk = await decoded(bytes, { maxPixels: 1e6, maxEdge: 4096 }); // by 18
    expect([shrunk.width, shrunk.height]).toEqual([3889, 1]);
    for (let ox = 0; ox < shrunk.width; ox++) {
      const xs = Array.from({ length: Math.min(18, 70_000 - ox * 18) }, (_, i) => red(ox * 18 + i));
      expect(pixel(shrunk, ox, 0)).toEqual([Math.round(xs.reduce((a, b) => a + b) / xs.length), 1, 2]);
    }
  });

  test("the kept frame stays small: a 6000×4000 BMP comes out 3000×2000 at maxEdge 4096", async () => {
    const bytes = bmpFile({ width: 6000, height: 4000, bits: 1, palette: [{ r: 0, g: 0, b: 0 }], pixel: () => 0 });
    const image = await decoded(bytes);
    expect([image.width, image.height, image.data.length]).toEqual([3000, 2000, 3000 * 2000 * 3]);
  });
});

describe("refusals, as values", () => {
  test("a 30000×30000 header (54 bytes) is too many pixels, decided before anything is allocated", async () => {
    const started = performance.now();
    expect(await decodeBmp(bmpHeaderClaiming(30_000, -30_000), LIMITS)).toEqual({
      ok: false,
      reason: "too_many_pixels",
      detail: "30000×30000 is more than 200000000 pixels",
    });
    expect(performance.now() - started).toBeLessThan(50);
  });

  test("a file shorter than its pixels is undecodable, without decoding any", async () => {
    const result = await decodeBmp(bmpHeaderClaiming(10_000, 10_000), LIMITS);
    expect(result).toMatchObject({ ok: false, reason: "undecodable", detail: expect.stringContaining("truncated") });
  });

  test.each([
    ["garbage", Buffer.from("this is not an image, not even close")],
    ["nothing", new Uint8Array(0)],
    ["a truncated header", bmpHeaderClaiming(4, 4).subarray(0, 30)],
    ["RLE8", bmpFile({ width: 2, height: 2, bits: 8, compression: 1, palette: [{ r: 0, g: 0, b: 0 }], pixel: () => 0 })],
    [
      "bit fields on an 8-bit image",
      bmpFile({ width: 2, height: 2, bits: 8, compression: 3, palette: [{ r: 0, g: 0, b: 0 }], pixel: () => 0 }),
    ],
    [
      "a mask with a hole",
      bmpFile({ width: 2, height: 2, bits: 16, compression: 3, masks: [0xf00f, 0x0f00, 0x00f0, 0], pixel: () => ({ r: 0, g: 0, b: 0 }) }),
    ],
    ["a zero width", bmpHeaderClaiming(0, 4)],
    [
      "an unknown header size",
      (() => {
        const b = bmpHeaderClaiming(4, 4);
        b.writeUInt32LE(64, 14);
        return b;
      })(),
    ],
  ])("%s is undecodable, with a reason", async (_, bytes) => {
    const result = await decodeBmp(bytes, LIMITS);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason: "undecodable", detail: expect.any(String) });
  });

  test("RLE says so", async () => {
    const rle = bmpFile({ width: 2, height: 2, bits: 8, compression: 1, palette: [{ r: 0, g: 0, b: 0 }], pixel: () => 0 });
    expect(readBmpHeader(rle)).toEqual({ ok: false, detail: "RLE8-compressed BMP is not supported" });
  });

  test("a decode past its deadline stops with a timeout", async () => {
    const bytes = bmpFile({ width: 1024, height: 4096, bits: 1, palette: [{ r: 0, g: 0, b: 0 }], pixel: () => 0 });
    expect(await decodeBmp(bytes, { ...LIMITS, timeoutMs: 0 })).toMatchObject({ ok: false, reason: "timeout" });
  });
});
