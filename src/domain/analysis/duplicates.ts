// SPEC §9 duplicates: one user's images grouped as identical (same sha256) or similar (perceptual hashes close).
//
// Identical: every set of two or more images with one sha256.
// Similar: images whose 64-bit perceptual hashes differ in at most SIMILAR_MAX_DISTANCE bits, closed
// transitively (a union-find: if A~B and B~C, then A, B and C are one group even when A and C are
// further apart, so that a chain of copies of copies stays together). Byte-identical images take part
// once: a set of identical images is represented by its first member (in the caller's order) that has
// a hash, so a similar group never holds two identical images, and a pair that is already identical is
// never "similar" as well. The identical group still lists every copy: the user reviews both groups.
// Images without a hash yet (analysis pending or failed) can only be identical.
//
// Finding close pairs among 100k hashes without comparing every pair: multi-index hashing (Norouzi,
// Punjani and Fleet 2012). The hash is cut into four 16-bit bands; two hashes at most T bits apart
// are close in at least one band (pigeonhole, see bandRadii), so each image only looks up, per band,
// the band values within that band's radius of its own, and compares the whole hash of the few
// images found there: ~1.5 s for 110k random hashes, where comparing every pair of 55k takes ~10 s.
// Measured in bench/duplicates.ts.
import { bitCount, hashHalves } from "./hash-distance.ts";

/**
 * Chosen on real photos (bench/RESULTS.md, "Duplicate threshold (issue #18)"): resized and
 * re-encoded copies' thumbs measured 0–2 bits from their source, 5 % crops and +15 % brightness
 * at most 6, different photos at least 18 bits apart, the left and right parts of one scene at least 30.
 */
export const SIMILAR_MAX_DISTANCE = 8;

export interface HashedImage {
  readonly id: string;
  readonly sha256: string;
  /** The perceptual hash as 16 hex digits, or null while the image has none. */
  readonly hash: string | null;
}

export interface DuplicateGroup {
  readonly kind: "identical" | "similar";
  /** In the caller's order. */
  readonly ids: readonly string[];
}

/** Disjoint sets over 0..n-1 (union by size, path halving). */
class UnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
    this.size = new Int32Array(n).fill(1);
  }
  find(x: number): number {
    let at = x;
    while (this.parent[at] !== at) at = this.parent[at] = this.parent[this.parent[at]!]!;
    return at;
  }
  union(a: number, b: number): void {
    let [ra, rb] = [this.find(a), this.find(b)];
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
  }
}

/**
 * How far to search in each band so that no pair within maxDistance is missed: if every band i
 * differed in more than r_i bits, the whole would differ in at least Σr_i + bands bits, so radii
 * that add up to maxDistance − bands + 1 suffice (the general pigeonhole principle, Qin et al.
 * 2018). For 8 bits over 4 bands that is 2, 1, 1, 1: 188 probes per hash instead of 4 × 137.
 * A negative radius means the band need not be searched at all.
 */
function bandRadii(maxDistance: number, bands: number): number[] {
  const total = maxDistance - bands + 1;
  const base = Math.floor(total / bands);
  const extra = ((total % bands) + bands) % bands;
  return Array.from({ length: bands }, (_, band) => base + (band < extra ? 1 : 0));
}

/** Every 16-bit value with at most `radius` bits set: what to XOR a band with to reach its neighbours. */
function bandMasks(radius: number): Uint16Array {
  const masks: number[] = [];
  for (let mask = 0; mask < 1 << 16; mask++) if (bitCount(mask) <= radius) masks.push(mask);
  return Uint16Array.from(masks);
}

/** For one band: the hashes' indices sorted by their value in that band, and where each value's run starts. */
function bandIndex(bands: Uint16Array): { starts: Int32Array; members: Int32Array } {
  const starts = new Int32Array((1 << 16) + 1);
  for (const value of bands) starts[value + 1]!++;
  for (let v = 0; v < 1 << 16; v++) starts[v + 1]! += starts[v]!;
  const fill = starts.slice(0, 1 << 16);
  const members = new Int32Array(bands.length);
  for (let i = 0; i < bands.length; i++) members[fill[bands[i]!]!++] = i;
  return { starts, members };
}

/** Joins, in `sets`, every two hashes at most maxDistance bits apart; `his`/`los` hold each hash's two 32-bit halves. */
function joinClosePairs(his: Uint32Array, los: Uint32Array, maxDistance: number, sets: UnionFind): void {
  const n = his.length;
  const bands = [0, 1, 2, 3].map((band) => {
    const halves = band < 2 ? his : los;
    const values = Uint16Array.from(halves, (half) => (band % 2 === 0 ? half >>> 16 : half & 0xffff));
    return { values, ...bandIndex(values) };
  });
  const radii = bandRadii(maxDistance, bands.length);
  for (const [band, { values, starts, members }] of bands.entries()) {
    if (radii[band]! < 0) continue;
    const masks = bandMasks(radii[band]!);
    for (let i = 0; i < n; i++) {
      const hi = his[i]!;
      const lo = los[i]!;
      const own = values[i]!;
      for (let m = 0; m < masks.length; m++) {
        const value = own ^ masks[m]!;
        const end = starts[value + 1]!;
        for (let at = starts[value]!; at < end; at++) {
          const j = members[at]!;
          // Each pair once (j > i); the whole-hash comparison is cheaper than asking the sets first.
          if (j > i && bitCount((hi ^ his[j]!) >>> 0) + bitCount((lo ^ los[j]!) >>> 0) <= maxDistance) sets.union(i, j);
        }
      }
    }
  }
}

/** The identical groups, then the similar groups, each ordered by its first image's place in `images`. */
export function groupDuplicates(images: readonly HashedImage[], maxDistance: number = SIMILAR_MAX_DISTANCE): { groups: DuplicateGroup[] } {
  const bySha = new Map<string, HashedImage[]>();
  for (const image of images) {
    const same = bySha.get(image.sha256);
    if (same) same.push(image);
    else bySha.set(image.sha256, [image]);
  }
  const identical: DuplicateGroup[] = [];
  const representatives: { id: string; hash: string }[] = [];
  for (const same of bySha.values()) {
    if (same.length > 1) identical.push({ kind: "identical", ids: same.map((image) => image.id) });
    const hashed = same.find((image) => image.hash !== null);
    if (hashed) representatives.push({ id: hashed.id, hash: hashed.hash! });
  }
  const sets = new UnionFind(representatives.length);
  const halves = representatives.map((r) => hashHalves(r.hash));
  joinClosePairs(
    Uint32Array.from(halves, ([hi]) => hi),
    Uint32Array.from(halves, ([, lo]) => lo),
    maxDistance,
    sets,
  );
  const components = new Map<number, string[]>();
  representatives.forEach((r, i) => {
    const root = sets.find(i);
    const ids = components.get(root);
    if (ids) ids.push(r.id);
    else components.set(root, [r.id]);
  });
  const similar = [...components.values()].filter((ids) => ids.length > 1).map((ids) => ({ kind: "similar" as const, ids }));
  const order = new Map(images.map((image, i) => [image.id, i]));
  const inOrder = (groups: DuplicateGroup[]) =>
    groups
      .map((g) => ({ ...g, ids: [...g.ids].sort((a, b) => order.get(a)! - order.get(b)!) }))
      .sort((a, b) => order.get(a.ids[0]!)! - order.get(b.ids[0]!)!);
  return { groups: [...inOrder(identical), ...inOrder(similar)] };
}
