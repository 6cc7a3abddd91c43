// The grid's selection rules: a click toggles one image, a shift-click sets the whole range
// from the last clicked one, "all" takes every loaded image, and deleted images drop out.
import { describe, expect, test } from "bun:test";
import { Selection } from "../../src/web/client/selection.ts";

const grid = ["a", "b", "c", "d", "e", "f"];

function selection() {
  let changes = 0;
  const s = new Selection(() => changes++);
  return { s, changes: () => changes };
}

describe("selecting images in the grid", () => {
  test("clicks toggle one image at a time", () => {
    const { s, changes } = selection();
    s.click("b", true, false, grid);
    s.click("d", true, false, grid);
    expect(s.list().sort()).toEqual(["b", "d"]);
    s.click("b", false, false, grid);
    expect(s.list()).toEqual(["d"]);
    expect(changes()).toBe(3);
  });

  test("shift-click selects the range from the last clicked image, in either direction", () => {
    const { s } = selection();
    s.click("b", true, false, grid);
    s.click("e", true, true, grid);
    expect(s.list().sort()).toEqual(["b", "c", "d", "e"]);
    s.click("a", true, true, grid); // anchor is now e: a..e
    expect(s.list().sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("shift-click on a selected image clears the range instead", () => {
    const { s } = selection();
    s.selectAll(grid);
    s.click("b", false, false, grid);
    s.click("e", false, true, grid);
    expect(s.list().sort()).toEqual(["a", "f"]);
  });

  test("shift-click with nothing clicked before selects just that image", () => {
    const { s } = selection();
    s.click("c", true, true, grid);
    expect(s.list()).toEqual(["c"]);
  });

  test("all, clear, and images that were deleted", () => {
    const { s } = selection();
    s.selectAll(grid);
    expect(s.size).toBe(6);
    s.forget(["a", "c"]);
    expect(s.has("a")).toBe(false);
    expect(s.size).toBe(4);
    s.clear();
    expect(s.size).toBe(0);
    // After clear there is no anchor: a shift-click does not reach back to an old click.
    s.click("f", true, true, grid);
    expect(s.list()).toEqual(["f"]);
  });
});
