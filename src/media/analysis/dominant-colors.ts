// Up to five dominant colours of an image's pixels, largest area first (SPEC §9), by k-means in CIELAB.
//
// Written here rather than taken from `quantize` (median cut, MIT): k-means in CIELAB groups what
// people see as one colour (median cut splits RGB boxes, so one sky becomes two blues), the
// 64-px input makes it cheap (a few ms, bench/RESULTS.md), and there is no dependency to ship.
// Deterministic: no random start (the centres are seeded greedily, see seedCentres), so the
// same pixels always give the same colours.
import { deltaE2, hexOf, type Lab, labOf } from "./color-space.ts";

export interface DominantColor {
  /** "#rrggbb": the mean of the pixels in this colour. */
  readonly hex: string;
  /** The share of the image's opaque pixels it covers, 0–1. */
  readonly share: number;
}

export interface RgbaPixels {
  /** 4 bytes per pixel: R, G, B, A. */
  readonly data: Uint8Array;
}

const MAX_COLORS = 5;
// More clusters than colours kept: k-means then finds small distinct areas instead of merging them
// into a big one's neighbour, and near twins are merged again afterwards.
const CLUSTERS = 8;
const ITERATIONS = 16;
// Clusters closer than this (CIE76 ΔE) are one colour to the eye: merged.
const SAME_COLOR_DELTA_E = 12;
// A colour covering less than this share is noise (edges, JPEG ringing), not a dominant colour.
const MIN_SHARE = 0.05;

interface Bin {
  weight: number;
  r: number;
  g: number;
  b: number;
  lab: Lab;
}

interface Cluster {
  weight: number;
  r: number;
  g: number;
  b: number;
  lab: Lab;
}

/** Opaque pixels binned at 5 bits per channel (at most 32,768 bins, usually a few hundred), each with its mean colour. */
function binsOf(pixels: RgbaPixels): { bins: Bin[]; opaque: number } {
  const sums = new Map<number, { weight: number; r: number; g: number; b: number }>();
  const { data } = pixels;
  let opaque = 0;
  for (let i = 0; i + 3 < data.length; i += 4) {
    if (data[i + 3]! < 128) continue;
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    const key = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    const bin = sums.get(key) ?? { weight: 0, r: 0, g: 0, b: 0 };
    bin.weight++;
    bin.r += r;
    bin.g += g;
    bin.b += b;
    sums.set(key, bin);
    opaque++;
  }
  // Sorted by key: the order (and so every tie below) depends on the colours only.
  const bins = [...sums.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, s]) => {
      const [r, g, b] = [s.r / s.weight, s.g / s.weight, s.b / s.weight];
      return { weight: s.weight, r, g, b, lab: labOf(r, g, b) };
    });
  return { bins, opaque };
}

/**
 * k-means++ made deterministic: the heaviest bin first, then each time the bin that maximises
 * weight × squared distance to the nearest centre so far (none left when every bin is a centre).
 */
function seedCentres(bins: Bin[], k: number): Lab[] {
  const first = bins.reduce((best, bin) => (bin.weight > best.weight ? bin : best));
  const centres = [first.lab];
  const nearest = bins.map((bin) => deltaE2(bin.lab, first.lab));
  while (centres.length < k) {
    let best = -1;
    let bestScore = 0;
    bins.forEach((bin, i) => {
      const score = bin.weight * nearest[i]!;
      if (score > bestScore) [best, bestScore] = [i, score];
    });
    if (best < 0) break;
    const lab = bins[best]!.lab;
    centres.push(lab);
    bins.forEach((bin, i) => void (nearest[i] = Math.min(nearest[i]!, deltaE2(bin.lab, lab))));
  }
  return centres;
}

const nearestCentre = (lab: Lab, centres: readonly Lab[]) =>
  centres.reduce((best, centre, i) => (deltaE2(lab, centre) < deltaE2(lab, centres[best]!) ? i : best), 0);

/** Weighted Lloyd iterations from the seeds; each cluster's mean colour in sRGB and CIELAB. */
function kMeans(bins: Bin[], k: number): Cluster[] {
  let centres = seedCentres(bins, k);
  let assignment = bins.map((bin) => nearestCentre(bin.lab, centres));
  let clusters: Cluster[] = [];
  for (let round = 0; round < ITERATIONS; round++) {
    clusters = centres.map(() => ({ weight: 0, r: 0, g: 0, b: 0, lab: { l: 0, a: 0, b: 0 } }));
    const labSums = centres.map(() => ({ l: 0, a: 0, b: 0 }));
    bins.forEach((bin, i) => {
      const c = clusters[assignment[i]!]!;
      const s = labSums[assignment[i]!]!;
      c.weight += bin.weight;
      c.r += bin.r * bin.weight;
      c.g += bin.g * bin.weight;
      c.b += bin.b * bin.weight;
      s.l += bin.lab.l * bin.weight;
      s.a += bin.lab.a * bin.weight;
      s.b += bin.lab.b * bin.weight;
    });
    clusters = clusters.flatMap((c, i) => {
      if (c.weight === 0) return [];
      const s = labSums[i]!;
      return [
        {
          weight: c.weight,
          r: c.r / c.weight,
          g: c.g / c.weight,
          b: c.b / c.weight,
          lab: { l: s.l / c.weight, a: s.a / c.weight, b: s.b / c.weight },
        },
      ];
    });
    centres = clusters.map((c) => c.lab);
    const next = bins.map((bin) => nearestCentre(bin.lab, centres));
    if (next.every((c, i) => c === assignment[i])) break;
    assignment = next;
  }
  return clusters;
}

/** Merges the closest two clusters while any two are nearer than SAME_COLOR_DELTA_E. */
function mergeTwins(clusters: Cluster[]): Cluster[] {
  const out = [...clusters];
  for (;;) {
    let pair: [number, number] | undefined;
    let closest = SAME_COLOR_DELTA_E ** 2;
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const d = deltaE2(out[i]!.lab, out[j]!.lab);
        if (d < closest) [pair, closest] = [[i, j], d];
      }
    }
    if (!pair) return out;
    const [p, q] = [out[pair[0]]!, out[pair[1]]!];
    const weight = p.weight + q.weight;
    const mix = (x: number, y: number) => (x * p.weight + y * q.weight) / weight;
    const merged = {
      weight,
      r: mix(p.r, q.r),
      g: mix(p.g, q.g),
      b: mix(p.b, q.b),
      lab: { l: mix(p.lab.l, q.lab.l), a: mix(p.lab.a, q.lab.a), b: mix(p.lab.b, q.lab.b) },
    };
    out.splice(pair[1], 1);
    out.splice(pair[0], 1, merged);
  }
}

/** The dominant colours of RGBA pixels (a 64-px image is plenty), largest share first; none when no pixel is opaque. */
export function dominantColors(pixels: RgbaPixels): DominantColor[] {
  const { bins, opaque } = binsOf(pixels);
  if (opaque === 0) return [];
  return mergeTwins(kMeans(bins, Math.min(CLUSTERS, bins.length)))
    .map((c) => ({ hex: hexOf(c.r, c.g, c.b), share: c.weight / opaque }))
    .filter((c) => c.share >= MIN_SHARE)
    .sort((a, b) => b.share - a.share || (a.hex < b.hex ? -1 : 1))
    .slice(0, MAX_COLORS);
}
