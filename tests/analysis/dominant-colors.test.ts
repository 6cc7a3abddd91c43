// Dominant colours and their names, as `color=` search will see them: from the thumb the server makes of an upload.
import { describe, expect, test } from "bun:test";
import { analyseThumb } from "../../src/media/analysis/analyse-thumb.ts";
import { testSharp } from "../support/previews-api.ts";
import { photoBytes, stripes, thumbOf } from "./thumbs.ts";

const sharp = testSharp();
const analyse = async (png: Uint8Array) => analyseThumb(sharp, await thumbOf(png, "image/png"));

/** Each channel of a "#rrggbb" as a number. */
const channels = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
/** Within `tolerance` per channel: lossy WebP/JPEG thumbs move flat colours by a few levels. */
const near = (hex: string, expected: string, tolerance = 10) =>
  channels(hex).every((v, i) => Math.abs(v - channels(expected)[i]!) <= tolerance);

describe("flat images", () => {
  for (const [colour, bucket] of [
    ["#ff0000", "red"],
    ["#00c000", "green"],
    ["#0000ff", "blue"],
    ["#ffffff", "white"],
    ["#000000", "black"],
  ] as const) {
    test(`a ${bucket} image has one colour, ${colour} give or take the encoding, named ${bucket}`, async () => {
      const { colors, buckets } = await analyse(await stripes([colour, 400]));
      expect(colors).toHaveLength(1);
      expect(near(colors[0]!, colour)).toBe(true);
      expect(buckets).toEqual([bucket]);
    });
  }
});

describe("areas", () => {
  test("half red, half blue: both colours, the larger area first whichever side it is on", async () => {
    const redMore = await analyse(await stripes(["#ff0000", 240], ["#0000ff", 160]));
    expect(redMore.colors).toHaveLength(2);
    expect(near(redMore.colors[0]!, "#ff0000") && near(redMore.colors[1]!, "#0000ff")).toBe(true);
    expect(redMore.buckets).toEqual(["red", "blue"]);

    const blueMore = await analyse(await stripes(["#ff0000", 160], ["#0000ff", 240]));
    expect(near(blueMore.colors[0]!, "#0000ff") && near(blueMore.colors[1]!, "#ff0000")).toBe(true);
    expect(blueMore.buckets).toEqual(["blue", "red"]);
  });

  test("five areas give five colours; a sixth, smaller than 5 %, is left out", async () => {
    const { colors, buckets } = await analyse(
      await stripes(["#ffff00", 120], ["#ff0000", 100], ["#00c000", 80], ["#0000ff", 60], ["#ffffff", 30], ["#000000", 10]),
    );
    expect(colors).toHaveLength(5);
    expect(buckets).toEqual(["yellow", "red", "green", "blue", "white"]);
  });

  test("transparent pixels are no colour: a red stripe on nothing is just red", async () => {
    const { colors, buckets } = await analyse(await stripes(["none", 300], ["#ff0000", 100]));
    expect(colors).toHaveLength(1);
    expect(buckets).toEqual(["red"]);
  });

  test("two shades a person calls the same colour are one colour", async () => {
    const { colors } = await analyse(await stripes(["#2050d0", 200], ["#2458d8", 200]));
    expect(colors).toHaveLength(1);
  });
});

describe("photos", () => {
  test("the park: green grass and trees and a blue sky, the green first", async () => {
    const { colors, buckets } = await analyseThumb(sharp, await thumbOf(photoBytes("park-sculpture")));
    expect(colors.length).toBeGreaterThanOrEqual(3);
    expect(buckets).toContain("blue");
    expect(buckets[0]).toBe("green");
    expect(buckets).not.toContain("red");
  });

  test("a black cat in the dark is mostly black, and none of its colours is a bright one", async () => {
    const { buckets } = await analyseThumb(sharp, await thumbOf(photoBytes("black-cat")));
    expect(buckets[0]).toBe("black");
    for (const bright of ["yellow", "orange", "pink", "white"]) expect(buckets).not.toContain(bright);
  });

  test("a game lit red has red among its colours, no green or blue", async () => {
    const { buckets } = await analyseThumb(sharp, await thumbOf(photoBytes("tablet-game")));
    expect(buckets).toContain("red");
    expect(buckets).not.toContain("green");
    expect(buckets).not.toContain("blue");
  });

  test("the same thumb always gives the same colours in the same order", async () => {
    const thumb = await thumbOf(photoBytes("food-dip"));
    const first = await analyseThumb(sharp, thumb);
    for (let i = 0; i < 3; i++) expect((await analyseThumb(sharp, thumb)).colors).toEqual(first.colors);
    expect(first.colors.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
  });
});
