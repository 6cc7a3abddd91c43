// `npm run bench:duplicates`: the perceptual-hash threshold measured on real photos (issue #18, SPEC §9).
// Every photo of tests/fixtures/photos against its copies (resized, re-encoded, cropped, brightened),
// against every other photo, and its left part against its right part (two photos of one scene);
// each image goes through the server's own thumb (makePreviews) first, as analysis will. Prints the
// distances under pHash (what src uses) and dHash (the alternative), a threshold sweep, and the
// true/false positives at SIMILAR_MAX_DISTANCE. Then times the grouping on random hashes and analyseThumb on the photos' thumbs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { groupDuplicates, SIMILAR_MAX_DISTANCE } from "../src/domain/analysis/duplicates.ts";
import { bitCount, hashDistance, hashHalves } from "../src/domain/analysis/hash-distance.ts";
import { analyseThumb } from "../src/media/analysis/analyse-thumb.ts";
import { makePreviews } from "../src/media/previews.ts";
import { differenceHash, sameSceneHalves, variantsOf } from "./lib/photo-variants.ts";
import { fmt, median } from "./lib/stats.ts";

const DIR = join(import.meta.dir, "../tests/fixtures/photos");
const ALGORITHMS = {
  pHash: async (thumb: Uint8Array) => (await analyseThumb(sharp, thumb)).hash,
  dHash: (thumb: Uint8Array) => differenceHash(sharp, thumb),
};
type Algorithm = keyof typeof ALGORITHMS;
type Hashes = Record<Algorithm, string>;

async function hashesOf(bytes: Uint8Array): Promise<Hashes> {
  const previews = await makePreviews(sharp, { bytes, contentType: "image/jpeg" });
  if (!previews.ok) throw new Error(`no thumb: ${previews.detail}`);
  const thumb = previews.thumb.bytes;
  return { pHash: await ALGORITHMS.pHash(thumb), dHash: await ALGORITHMS.dHash(thumb) };
}

interface Pair {
  readonly kind: "copy" | "edit" | "same scene" | "different";
  readonly label: string;
  readonly distance: Record<Algorithm, number>;
}

const photos = readdirSync(DIR)
  .filter((f) => f.endsWith(".jpg"))
  .sort();
const originals = new Map<string, Hashes>();
const pairs: Pair[] = [];
const distances = (a: Hashes, b: Hashes) => ({ pHash: hashDistance(a.pHash, b.pHash), dHash: hashDistance(a.dHash, b.dHash) });

for (const name of photos) {
  const bytes = readFileSync(join(DIR, name));
  const own = await hashesOf(bytes);
  originals.set(name, own);
  for (const variant of await variantsOf(sharp, bytes)) {
    const kind = variant.mustMatch ? "copy" : "edit";
    pairs.push({ kind, label: `${name} / ${variant.name}`, distance: distances(own, await hashesOf(variant.bytes)) });
  }
  const [left, right] = await sameSceneHalves(sharp, bytes);
  pairs.push({ kind: "same scene", label: `${name}: left / right 55 %`, distance: distances(await hashesOf(left), await hashesOf(right)) });
}
for (let i = 0; i < photos.length; i++) {
  for (let j = i + 1; j < photos.length; j++) {
    const [a, b] = [photos[i]!, photos[j]!];
    pairs.push({ kind: "different", label: `${a} / ${b}`, distance: distances(originals.get(a)!, originals.get(b)!) });
  }
}

console.log(`## Distances (bits of 64) between thumbs of ${photos.length} photos and their copies\n`);
console.log("| pair | kind | pHash | dHash |\n|---|---|---:|---:|");
for (const p of pairs) console.log(`| ${p.label} | ${p.kind} | ${p.distance.pHash} | ${p.distance.dHash} |`);

console.log("\n## Range per kind\n\n| kind | pairs | pHash min–max | dHash min–max |\n|---|---:|---|---|");
for (const kind of ["copy", "edit", "same scene", "different"] as const) {
  const of = pairs.filter((p) => p.kind === kind);
  const range = (a: Algorithm) => `${Math.min(...of.map((p) => p.distance[a]))}–${Math.max(...of.map((p) => p.distance[a]))}`;
  console.log(`| ${kind} | ${of.length} | ${range("pHash")} | ${range("dHash")} |`);
}

console.log("\n## Threshold sweep: pairs called similar (distance ≤ t)\n");
console.log("| t | copies pHash | edits pHash | false (same scene + different) pHash | copies dHash | edits dHash | false dHash |");
console.log("|---:|---:|---:|---:|---:|---:|---:|");
const count = (kinds: Pair["kind"][], a: Algorithm, t: number) => pairs.filter((p) => kinds.includes(p.kind) && p.distance[a] <= t).length;
const total = (kinds: Pair["kind"][]) => pairs.filter((p) => kinds.includes(p.kind)).length;
for (let t = 0; t <= 24; t += 2) {
  const row = (a: Algorithm) =>
    `${count(["copy"], a, t)}/${total(["copy"])} | ${count(["edit"], a, t)}/${total(["edit"])} | ${count(["same scene", "different"], a, t)}/${total(["same scene", "different"])}`;
  console.log(`| ${t} | ${row("pHash")} | ${row("dHash")} |`);
}
const t = SIMILAR_MAX_DISTANCE;
console.log(
  `\nAt SIMILAR_MAX_DISTANCE = ${t} (pHash): true positives ${count(["copy"], "pHash", t)}/${total(["copy"])} copies, ` +
    `${count(["edit"], "pHash", t)}/${total(["edit"])} crops and edits; false positives ${count(["same scene", "different"], "pHash", t)}/${total(["same scene", "different"])}.`,
);

// Grouping cost: random hashes (the worst case for the band index: no structure), plus a copy of every
// tenth; comparing every pair once, for scale, where it takes under a minute.
function everyPairCount(halves: (readonly [number, number])[]): number {
  let close = 0;
  for (let i = 0; i < halves.length; i++) {
    const [hi, lo] = halves[i]!;
    for (let j = i + 1; j < halves.length; j++) {
      if (bitCount((hi ^ halves[j]![0]) >>> 0) + bitCount((lo ^ halves[j]![1]) >>> 0) <= SIMILAR_MAX_DISTANCE) close++;
    }
  }
  return close;
}
console.log(
  "\n## Grouping random hashes\n\n| images | groupDuplicates ms | similar groups | every pair compared, ms |\n|---:|---:|---:|---:|",
);
for (const n of [10_000, 50_000, 100_000]) {
  // splitmix32, seeded: the same hashes every run.
  let seed = n;
  const random32 = () => {
    seed = (seed + 0x9e3779b9) | 0;
    let z = seed;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  const hex = () => random32().toString(16).padStart(8, "0") + random32().toString(16).padStart(8, "0");
  const images = Array.from({ length: n }, (_, i) => ({ id: `i${i}`, sha256: `s${i}`, hash: hex() }));
  for (let i = 0; i < n; i += 10) images.push({ id: `c${i}`, sha256: `c${i}`, hash: images[i]!.hash });
  const started = performance.now();
  const { groups } = groupDuplicates(images);
  const grouped = performance.now() - started;
  let brute = "not run";
  if (n <= 50_000) {
    const t0 = performance.now();
    everyPairCount(images.map((image) => hashHalves(image.hash)));
    brute = fmt(performance.now() - t0, 0);
  }
  console.log(`| ${images.length} | ${fmt(grouped, 0)} | ${groups.length} | ${brute} |`);
}

// What analysis of one thumb costs (decode, colours, hash), median of 5 runs per photo.
const perThumb: number[] = [];
for (const name of photos) {
  const previews = await makePreviews(sharp, { bytes: readFileSync(join(DIR, name)), contentType: "image/jpeg" });
  if (!previews.ok) continue;
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await analyseThumb(sharp, previews.thumb.bytes);
    runs.push(performance.now() - t0);
  }
  perThumb.push(median(runs));
}
console.log(
  `\nanalyseThumb (colours + buckets + hash) per 400-px thumb: median ${fmt(median(perThumb))} ms, max ${fmt(Math.max(...perThumb))} ms`,
);
