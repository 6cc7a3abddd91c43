// The twelve colour names of SPEC §9's `color=` search, and which of them a colour is.
//
// Lightness and chroma come from CIELAB (perceptual: a navy blue is dark but clearly blue, a
// pale beige is nearly white); the hue family comes from the HSV hue angle, whose ranges match
// colour names well. The rules, in order:
//   1. black: L* < 22 with chroma C* < 20, or L* < 8 whatever the chroma (too dark to tell a hue);
//   2. C* < 10 (no visible hue): white when L* ≥ 88, else gray; and a faint tint of a very light
//      colour (L* ≥ 85, C* < 16: cream, ivory, a sunlit wall) is white too;
//   3. by HSV hue h, saturation s and value v:
//        h < 15 or h ≥ 345   red;   pink when s < 0.5 and v ≥ 0.75 (light red);
//                                   brown when s < 0.6 and v < 0.75 (dusty dark red)
//        15 ≤ h < 45         orange; brown when v < 0.7 or s < 0.45 (dark or greyish orange)
//        45 ≤ h < 70         yellow; green when v < 0.55 (olive: dark yellow reads as green);
//                                   brown when s < 0.3 (beige, khaki: greyish yellow reads as tan)
//        70 ≤ h < 165        green
//        165 ≤ h < 195       cyan
//        195 ≤ h < 255       blue
//        255 ≤ h < 300       purple
//        300 ≤ h < 345       pink;   purple when v < 0.55 (dark magenta is purple)
import { labOf } from "./color-space.ts";

export const COLOR_BUCKETS = [
  "red",
  "orange",
  "yellow",
  "green",
  "cyan",
  "blue",
  "purple",
  "pink",
  "brown",
  "black",
  "white",
  "gray",
] as const;
export type ColorBucket = (typeof COLOR_BUCKETS)[number];

/** HSV of an sRGB colour: hue in degrees 0–360, saturation and value 0–1. */
function hsvOf(r: number, g: number, b: number): { h: number; s: number; v: number } {
  const max = Math.max(r, g, b);
  const range = max - Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : range / max;
  if (range === 0) return { h: 0, s, v };
  const sector = max === r ? (g - b) / range : max === g ? (b - r) / range + 2 : (r - g) / range + 4;
  return { h: (sector * 60 + 360) % 360, s, v };
}

function chromaticBucket(h: number, s: number, v: number): ColorBucket {
  if (h < 15 || h >= 345) return s < 0.5 && v >= 0.75 ? "pink" : s < 0.6 && v < 0.75 ? "brown" : "red";
  if (h < 45) return v < 0.7 || s < 0.45 ? "brown" : "orange";
  if (h < 70) return v < 0.55 ? "green" : s < 0.3 ? "brown" : "yellow";
  if (h < 165) return "green";
  if (h < 195) return "cyan";
  if (h < 255) return "blue";
  if (h < 300) return "purple";
  return v < 0.55 ? "purple" : "pink";
}

/** The bucket of a "#rrggbb" colour. */
export function colorBucket(hex: string): ColorBucket {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${JSON.stringify(hex)}`);
  const [r, g, b] = match.slice(1).map((part) => Number.parseInt(part, 16)) as [number, number, number];
  const { l, a, b: bLab } = labOf(r, g, b);
  const chroma = Math.hypot(a, bLab);
  if ((l < 22 && chroma < 20) || l < 8) return "black";
  if (chroma < 10) return l >= 88 ? "white" : "gray";
  if (l >= 85 && chroma < 16) return "white";
  const { h, s, v } = hsvOf(r, g, b);
  return chromaticBucket(h, s, v);
}

/** The buckets an image matches: those of its dominant colours (SPEC: "matched against the image's colours"), each once, in order. */
export function bucketsOf(colors: readonly string[]): ColorBucket[] {
  return [...new Set(colors.map(colorBucket))];
}
