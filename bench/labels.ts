// `npm run bench:labels` (issue #18): the label model (src/media/labels) on the fixture photos from
// source, one worker: ms per image and images/s (first image, with the model's load, apart), peak
// RSS with the model loaded, idle RSS once the worker has ended, and the labels with their scores.
// Env: BENCH_LABEL_ROUNDS (10 rounds over the photos). Printed; RESULTS.md untouched.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabelDetector, type LabelPixels } from "../src/media/labels/label-detector.ts";
import { loadSharp } from "../src/media/sharp-loader.ts";

const PHOTOS = join(import.meta.dir, "../tests/fixtures/photos");
const rounds = Number(process.env.BENCH_LABEL_ROUNDS ?? 10);
const mib = (n: number) => (n / 2 ** 20).toFixed(0);

const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
if (!load.ok) throw new Error(load.reason);
const photos: { name: string; pixels: LabelPixels }[] = [];
for (const name of readdirSync(PHOTOS).filter((f) => f.endsWith(".jpg"))) {
  const { data, info } = await load
    .sharp(readFileSync(join(PHOTOS, name)))
    .raw()
    .toBuffer({ resolveWithObject: true });
  photos.push({ name, pixels: { width: info.width, height: info.height, channels: info.channels, data } });
}
Bun.gc(true);
const startRss = process.memoryUsage().rss;
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const detector = new LabelDetector({ idleMs: 500, imagesPerWorker: 1_000 });

const firstStart = performance.now();
await detector.detect(photos[0]!.pixels);
const firstMs = performance.now() - firstStart;
const ms: number[] = [];
const seen = new Map<string, string>();
for (let round = 0; round < rounds; round++) {
  for (const { name, pixels } of photos) {
    const t = performance.now();
    const result = await detector.detect(pixels);
    ms.push(performance.now() - t);
    if (!result.ok) throw new Error(`${name}: ${result.reason}: ${result.detail}`);
    seen.set(name, result.labels.map((l) => `${l.name} ${l.score.toFixed(2)}`).join(", ") || "(none)");
  }
}
clearInterval(sampler);
await Bun.sleep(1_000);
Bun.gc(true);
await Bun.sleep(200);
const sorted = [...ms].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
const total = ms.reduce((a, b) => a + b, 0);
console.log(`photos: ${photos.map((p) => `${p.name} ${p.pixels.width}×${p.pixels.height}`).join(", ")}; ${rounds} rounds`);
console.log(`first image (worker start + model load): ${firstMs.toFixed(0)} ms`);
console.log(`then: median ${median.toFixed(0)} ms per image, ${((1000 * ms.length) / total).toFixed(2)} images/s with one worker`);
console.log(
  `RSS: ${mib(startRss)} MiB before, peak ${mib(peak)} MiB with the model loaded, ${mib(process.memoryUsage().rss)} MiB idle after the worker ended (worker alive: ${detector.running})`,
);
for (const [name, labels] of seen) console.log(`  ${name}: ${labels}`);
