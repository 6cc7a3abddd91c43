// sRGB colours as CIELAB (D65): distances in it follow what people see, which RGB distances do not.

export interface Lab {
  readonly l: number;
  readonly a: number;
  readonly b: number;
}

// The sRGB transfer curve undone (IEC 61966-2-1), for each 8-bit value once.
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);

/** CIELAB of an sRGB colour whose channels are 0–255 (fractions allowed: rounded for the curve). */
export function labOf(r: number, g: number, b: number): Lab {
  const [lr, lg, lb] = [LINEAR[Math.round(r)]!, LINEAR[Math.round(g)]!, LINEAR[Math.round(b)]!];
  // sRGB → XYZ, divided by the D65 white point.
  const x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / 0.95047;
  const y = 0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb;
  const z = (0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / 1.08883;
  const [fx, fy, fz] = [f(x), f(y), f(z)];
  return { l: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz) };
}

/** The squared CIE76 colour difference (ΔE*ab²). */
export function deltaE2(p: Lab, q: Lab): number {
  return (p.l - q.l) ** 2 + (p.a - q.a) ** 2 + (p.b - q.b) ** 2;
}

/** "#rrggbb" of an sRGB colour, each channel rounded and clamped to 0–255. */
export function hexOf(r: number, g: number, b: number): string {
  const byte = (v: number) =>
    Math.min(255, Math.max(0, Math.round(v)))
      .toString(16)
      .padStart(2, "0");
  return `#${byte(r)}${byte(g)}${byte(b)}`;
}
