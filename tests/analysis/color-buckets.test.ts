// The twelve colour names of `color=` search: well-known named colours land where a person would put them.
import { describe, expect, test } from "bun:test";
import { bucketsOf, COLOR_BUCKETS, colorBucket } from "../../src/media/analysis/color-buckets.ts";

// CSS named colours (and a few photo colours) with the name most people give them.
const NAMED: [string, string, (typeof COLOR_BUCKETS)[number]][] = [
  ["red", "#ff0000", "red"],
  ["crimson", "#dc143c", "red"],
  ["darkred", "#8b0000", "red"],
  ["orange", "#ffa500", "orange"],
  ["darkorange", "#ff8c00", "orange"],
  ["gold", "#ffd700", "yellow"],
  ["yellow", "#ffff00", "yellow"],
  ["lime", "#00ff00", "green"],
  ["green", "#008000", "green"],
  ["darkgreen", "#006400", "green"],
  ["olive", "#808000", "green"],
  ["cyan", "#00ffff", "cyan"],
  ["teal", "#008080", "cyan"],
  ["turquoise", "#40e0d0", "cyan"],
  ["blue", "#0000ff", "blue"],
  ["navy", "#000080", "blue"],
  ["royalblue", "#4169e1", "blue"],
  ["skyblue", "#87ceeb", "blue"],
  ["purple", "#800080", "purple"],
  ["indigo", "#4b0082", "purple"],
  ["blueviolet", "#8a2be2", "purple"],
  ["pink", "#ffc0cb", "pink"],
  ["hotpink", "#ff69b4", "pink"],
  ["deeppink", "#ff1493", "pink"],
  ["magenta", "#ff00ff", "pink"],
  ["saddlebrown", "#8b4513", "brown"],
  ["sienna", "#a0522d", "brown"],
  ["tan", "#d2b48c", "brown"],
  ["a beige wall", "#bcb597", "brown"],
  ["black", "#000000", "black"],
  ["a night sky", "#14152a", "black"],
  ["white", "#ffffff", "white"],
  ["snow", "#fffafa", "white"],
  ["beige", "#f5f5dc", "white"],
  ["a cream wall", "#efe6d1", "white"],
  ["gray", "#808080", "gray"],
  ["silver", "#c0c0c0", "gray"],
  ["dimgray", "#696969", "gray"],
];

describe("named colours", () => {
  for (const [name, hex, bucket] of NAMED) {
    test(`${name} (${hex}) is ${bucket}`, () => expect(colorBucket(hex)).toBe(bucket));
  }

  test("every one of the twelve names is reachable", () => {
    expect(new Set(NAMED.map(([, hex]) => colorBucket(hex)))).toEqual(new Set(COLOR_BUCKETS));
  });

  test("upper-case digits are the same colour; anything but #rrggbb is refused", () => {
    expect(colorBucket("#FF0000")).toBe("red");
    for (const bad of ["ff0000", "#f00", "#ff00000", "#gg0000", "red", ""]) expect(() => colorBucket(bad)).toThrow();
  });
});

describe("an image's buckets", () => {
  test("one per distinct name, in the order of the colours (largest area first)", () => {
    expect(bucketsOf(["#0000ff", "#ff0000", "#0000cc", "#ffffff"])).toEqual(["blue", "red", "white"]);
    expect(bucketsOf([])).toEqual([]);
  });
});
