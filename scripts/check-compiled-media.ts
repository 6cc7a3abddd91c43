// `bun scripts/check-compiled-media.ts [photo.heic]`: proves sharp, the HEIC worker and the label model's worker run inside a
// `bun build --compile` executable moved away from node_modules, with $TMPDIR unusable, and
// prints what a preview pair costs there (ms, peak RSS) and what the media stack adds to the binary.
//
// The executable is built from a copy of src/media by scripts/lib/executable.ts, as scripts/build.ts
// builds dist/pixvault (the same flags, the same media workers, embedded under the same names).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { compileExecutable, WORKERS } from "./lib/executable.ts";

const root = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "pxv-compiled-media-"));
mkdirSync(join(work, "src"));
cpSync(join(root, "src/media"), join(work, "src/media"), { recursive: true });
symlinkSync(join(root, "node_modules"), join(work, "node_modules"));

writeFileSync(
  join(work, "src/check.ts"),
  `
import { HeicDecoder } from "./media/heic-decoder.ts";
import { LabelDetector } from "./media/labels/label-detector.ts";
import { makePreviews } from "./media/previews.ts";
import { loadSharp } from "./media/sharp-loader.ts";
import { readFileSync } from "node:fs";

async function main() {
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const load = loadSharp({ libDir: process.cwd() + "/data/.lib" });
  const loadMs = performance.now() - started;
  if (!load.ok) throw new Error(load.reason);
  const sharp = load.sharp;
  const jpeg = readFileSync(process.argv[2]!);
  const heic = new HeicDecoder();
  const time = async (bytes: Uint8Array, contentType: string, runs: number) => {
    const ms: number[] = [];
    let sizes = "";
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const result = await makePreviews(sharp, { bytes, contentType }, { heic });
      ms.push(performance.now() - t);
      if (!result.ok) throw new Error(contentType + ": " + result.reason + ": " + result.detail);
      sizes = [result.thumb, result.display].map((p) => p.width + "x" + p.height + " " + p.contentType + " " + p.bytes.length + " B").join(", ");
    }
    return { first: Math.round(ms[0]!), median: Math.round(ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!), sizes };
  };
  const result: Record<string, unknown> = { libvips: load.libvips, vips: load.vipsVersion, loadMs: Math.round(loadMs) };
  result.jpeg12mp = { bytes: jpeg.length, ...(await time(jpeg, "image/jpeg", 5)) };
  const heicPath = process.argv[3];
  if (heicPath) result.heic = await time(readFileSync(heicPath), "image/heic", 3);
  heic.close();
  // The label model in its worker, on a real photo (tests/fixtures/photos/astronaut.jpg).
  const labels = new LabelDetector();
  const { data, info } = await sharp(readFileSync(process.cwd() + "/astronaut.jpg")).raw().toBuffer({ resolveWithObject: true });
  const labelMs: number[] = [];
  let found: unknown;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await labels.detect({ width: info.width, height: info.height, channels: info.channels, data });
    labelMs.push(Math.round(performance.now() - t));
    if (!r.ok) throw new Error("labels: " + r.reason + ": " + r.detail);
    found = r.labels;
  }
  labels.close();
  if (!JSON.stringify(found).includes('"person"')) throw new Error("labels: no person on astronaut.jpg: " + JSON.stringify(found));
  result.labels = { astronaut: found, ms: labelMs };
  clearInterval(sample);
  result.peakRssMiB = Math.round(peak / 2 ** 20);
  console.log(JSON.stringify(result, null, 2));
}
void main();
`,
);
writeFileSync(join(work, "src/trivial.ts"), `console.log("hello");\n`);

async function compile(main: string, workers: readonly string[], outfile: string): Promise<number> {
  await compileExecutable({ srcDir: join(work, "src"), main, workers, outfile });
  return statSync(outfile).size;
}

const withMedia = await compile("check.ts", WORKERS, join(work, "out/check"));
const baseline = await compile("trivial.ts", [], join(work, "out/trivial"));

// An empty directory with no node_modules anywhere above it that Bun or the loader could find.
const run = mkdtempSync("/var/tmp/pxv-run-");
cpSync(join(work, "out/check"), join(run, "pixvault-media-check"));
// A 12 MP photo-like JPEG (smooth noise, EXIF orientation 6), made here so the executable's RSS is its own.
const W = 4032;
const H = 3024;
const noise = await sharp({
  create: { width: W, height: H, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 50 } },
})
  .blur(1.5)
  .raw()
  .toBuffer();
writeFileSync(
  join(run, "photo.jpg"),
  await sharp(noise, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer(),
);
cpSync(join(root, "tests/fixtures/photos/astronaut.jpg"), join(run, "astronaut.jpg"));
const args = [join(run, "photo.jpg")];
if (process.argv[2]) {
  writeFileSync(join(run, "photo.heic"), readFileSync(process.argv[2]));
  args.push(join(run, "photo.heic"));
}
// $TMPDIR points nowhere: had anything been extracted there (Bun does that for .node addons), this run would fail.
const proc = Bun.spawnSync([join(run, "pixvault-media-check"), ...args], {
  cwd: run,
  env: { ...process.env, TMPDIR: "/nonexistent", BUN_TMPDIR: "/nonexistent" },
});
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
console.log(proc.stdout.toString().trim());
if (proc.exitCode !== 0) {
  console.error(proc.stderr.toString());
  console.error(`FAIL: the compiled check exited ${proc.exitCode}`);
}
console.log(
  `binary ${mib(withMedia)} MiB, a compiled hello-world ${mib(baseline)} MiB: the media stack adds ${mib(withMedia - baseline)} MiB`,
);
rmSync(work, { recursive: true, force: true });
rmSync(run, { recursive: true, force: true });
process.exit(proc.exitCode ?? 1);
