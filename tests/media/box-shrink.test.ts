// Shrinking decoded pixels by a whole factor: what libheif hands over for a preview.
import { describe, expect, test } from "bun:test";
import { boxShrink, shrinkFactor } from "../../src/media/box-shrink.ts";

describe("boxShrink", () => {
  test("each output pixel is the mean of its block; edge blocks are smaller; row padding is skipped", () => {
    // 5×3 grey pixels, rows padded to 8 bytes (stride), shrunk by 2 (maxEdge 3).
    const rows = [
      [10, 20, 30, 40, 50],
      [30, 40, 50, 60, 70],
      [100, 100, 0, 0, 255],
    ];
    const stride = 8;
    const source = new Uint8Array(stride * rows.length).fill(99);
    for (const [y, row] of rows.entries()) source.set(row, y * stride);
    const out = boxShrink(source, 5, 3, stride, 1, 3);
    expect([out.width, out.height, out.channels]).toEqual([3, 2, 1]);
    // (10+20+30+40)/4, (30+40+50+60)/4, (50+70)/2; then (100+100)/2, (0+0)/2, 255.
    expect([...out.data]).toEqual([25, 45, 60, 100, 0, 255]);
  });

  test("keeps channels apart", () => {
    const rgb = new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]); // 2×2: red row, blue row
    const out = boxShrink(rgb, 2, 2, 6, 3, 1);
    expect([...out.data]).toEqual([128, 0, 128]);
  });

  test("at factor 1 returns an unpadded copy that does not share the source's memory", () => {
    const source = new Uint8Array([1, 2, 0, 3, 4, 0]);
    const out = boxShrink(source, 2, 2, 3, 1, 10);
    expect([...out.data]).toEqual([1, 2, 3, 4]);
    source[0] = 9;
    expect(out.data[0]).toBe(1);
  });

  test("the factor brings the longest edge to at most maxEdge", () => {
    expect(shrinkFactor(6000, 4000, 4096)).toBe(2);
    expect(shrinkFactor(4032, 3024, 4096)).toBe(1);
    expect(shrinkFactor(3000, 12289, 4096)).toBe(4);
  });
});
