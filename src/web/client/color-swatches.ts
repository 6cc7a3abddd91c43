// Colours on screen: a swatch of one colour, and the twelve colour names of `color=` (SPEC §9)
// as a row of swatches to choose one from (radio buttons, so arrows move along the row).
import { COLOR_BUCKETS, type ColorBucket, colorBucket } from "../../media/analysis/color-buckets.ts";
import { h } from "./dom.ts";

/** What each name looks like on its swatch: a typical member of the bucket, not its boundary. */
const SHOWN: Record<ColorBucket, string> = {
  red: "#d32f2f",
  orange: "#f57c00",
  yellow: "#fbc02d",
  green: "#388e3c",
  cyan: "#00acc1",
  blue: "#1e63c8",
  purple: "#7b1fa2",
  pink: "#ec5f95",
  brown: "#795548",
  black: "#111111",
  white: "#ffffff",
  gray: "#9e9e9e",
};

export function isColorBucket(value: string): value is ColorBucket {
  return (COLOR_BUCKETS as readonly string[]).includes(value);
}

/** The name `color=` finds a "#rrggbb" colour under; undefined for anything else. */
export function bucketOf(hex: string): ColorBucket | undefined {
  return /^#[0-9a-f]{6}$/i.test(hex) ? colorBucket(hex) : undefined;
}

/**
 * A chip of one colour. The page's CSP refuses style attributes, not the CSSOM: the colour goes
 * in as a custom property the stylesheet paints with.
 */
export function swatch(hex: string): HTMLSpanElement {
  const chip = h("span", { class: "swatch", "aria-hidden": "true" });
  chip.style.setProperty("--swatch", hex);
  return chip;
}

/** "Any" and the twelve names; `changed` gets the name chosen ("" for any). */
export function colorChoice(selected: string, changed: (color: string) => void): { element: HTMLElement; set(color: string): void } {
  const option = (value: string, label: string) => {
    const input = h("input", { type: "radio", name: "color", value, class: "visually-hidden" });
    input.checked = value === selected;
    input.addEventListener("change", () => changed(value));
    return h(
      "label",
      { class: value ? "color-option" : "color-option any", title: label },
      input,
      value ? swatch(SHOWN[value as ColorBucket]) : null,
      h("span", { class: value ? "visually-hidden" : undefined }, label),
    );
  };
  const element = h(
    "div",
    { class: "field inline color-choice" },
    h("span", { id: "filter-color-label", class: "label" }, "Colour"),
    h(
      "div",
      { role: "radiogroup", "aria-labelledby": "filter-color-label", class: "swatches" },
      option("", "Any"),
      ...COLOR_BUCKETS.map((name) => option(name, name)),
    ),
  );
  const set = (color: string) => {
    for (const input of element.querySelectorAll("input")) input.checked = input.value === color;
  };
  return { element, set };
}
