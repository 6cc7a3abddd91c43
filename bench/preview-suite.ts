// SPEC §8's preview workloads in one go, for `npm run bench:previews` and `npm run bench`: makes
// the photos (before any server starts), runs bench/preview-workloads.ts, collects the outcomes.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { config } from "./config.ts";
import { encodeHeic, heifEncUnavailable, photoJpeg } from "./lib/photos.ts";
import { vipsthumbnailUnavailable, vipsVersion } from "./lib/vipsthumbnail.ts";
import type { PixvaultBuild } from "./pixvault.ts";
import {
  HEIC_UPLOADS,
  type LargeResults,
  largePreviews,
  type Outcome,
  outcome,
  type PhotoResults,
  photoPreviews,
  type UploadResults,
  uploadsWithPreviews,
} from "./preview-workloads.ts";
import type { Payload } from "./workloads.ts";

export interface PreviewMeasurements {
  /** What the photos were: "40 × 4000×3000 JPEG, 3.9 MB on average", and how the HEIC was made. */
  inputs: { photos: string; large: string; heic: string };
  vips: string;
  photos: Outcome<PhotoResults>;
  /** 24 MP JPEGs, then (when heif-enc is there, in full runs) a 24 MP HEIC, each on its own server. */
  large: Outcome<LargeResults>[];
  uploads: Outcome<UploadResults>;
}

const sizes = {
  photos: config.quick ? 8 : 40,
  large: config.quick ? 2 : 6,
  largeProgressive: config.quick ? 0 : 2,
};

async function writePhotos(dir: string, count: number, width: number, height: number, seed: number, progressive = false) {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(dir, `${width}x${height}-${progressive ? "p" : "b"}-${i}.jpg`);
    writeFileSync(file, await photoJpeg(width, height, seed + i, progressive));
    files.push(file);
  }
  return files;
}

const meanMB = (files: string[]) => files.reduce((sum, f) => sum + Bun.file(f).size, 0) / files.length / 1e6;

async function attempt<T>(what: string, say: (line: string) => void, run: () => Promise<T>): Promise<Outcome<T>> {
  const result = await outcome(run);
  if (typeof result === "object" && result && "failed" in result) say(`previews: ${what} failed: ${result.failed}`);
  return result;
}

/** Every preview workload; `bulk` and `warm` are the 500 KB upload workload's files. */
export async function measurePreviews(
  build: PixvaultBuild,
  work: string,
  bulk: Payload[],
  warm: Payload[],
  say: (line: string) => void,
): Promise<PreviewMeasurements> {
  mkdirSync(work, { recursive: true });
  const photos = await writePhotos(work, sizes.photos, 4000, 3000, 100);
  const large = [
    ...(await writePhotos(work, sizes.large, 6000, 4000, 200)),
    ...(await writePhotos(work, sizes.largeProgressive, 6000, 4000, 300, true)),
  ];
  const largeGroups = [{ label: `${sizes.large} baseline + ${sizes.largeProgressive} progressive JPEGs`, files: large }];
  say(`previews: made ${photos.length} 12 MP JPEGs (${meanMB(photos).toFixed(1)} MB each) and ${large.length} 24 MP ones`);
  const noHeic = heifEncUnavailable();
  let heic: Outcome<string> = { skipped: noHeic ?? "" };
  let largeHeic = "";
  if (!noHeic) {
    const file = join(work, "photo-12mp.heic");
    encodeHeic(photos[0]!, file);
    heic = file;
    if (!config.quick) {
      const large24 = join(work, "photo-24mp.heic");
      encodeHeic(large[0]!, large24);
      largeGroups.push({ label: "1 HEIC", files: [large24] });
      largeHeic = `, and ${large[0]!.split("/").at(-1)} as HEIC (${(Bun.file(large24).size / 1e6).toFixed(1)} MB)`;
    }
    say("previews: HEIC files made by heif-enc");
  }
  const inputs = {
    photos: `${photos.length} × 4000×3000 (12 MP) baseline JPEGs, ${meanMB(photos).toFixed(1)} MB on average (gradients, soft shapes and sensor-like noise, quality 92, made by sharp)`,
    large: `${sizes.large} baseline and ${sizes.largeProgressive} progressive 6000×4000 (24 MP) JPEGs${largeHeic}`,
    heic:
      typeof heic === "string"
        ? `the first 12 MP JPEG encoded by \`heif-enc -q 60\` (libheif ${heifVersion()}, x265), ${(Bun.file(heic).size / 1e6).toFixed(1)} MB, uploaded ${HEIC_UPLOADS} times one after another`
        : heic.skipped,
  };
  const vips = vipsthumbnailUnavailable() ?? `vipsthumbnail (libvips ${vipsVersion().replace(/^libvips /, "")})`;
  return {
    inputs,
    vips,
    photos: await attempt("12 MP photos", say, () => photoPreviews(build, join(work, "photos"), photos, heic, say)),
    large: await largeRuns(build, work, largeGroups, say),
    uploads: await attempt("uploads with previews", say, () =>
      uploadsWithPreviews(build, join(work, "uploads"), bulk, warm, config.bulkRounds, say),
    ),
  };
}

/** Each group on its own server, one after another, so each peak is its own. */
async function largeRuns(build: PixvaultBuild, work: string, groups: { label: string; files: string[] }[], say: (line: string) => void) {
  const results: Outcome<LargeResults>[] = [];
  for (const [i, group] of groups.entries()) {
    results.push(
      await attempt(`24 MP ${group.label}`, say, () => largePreviews(build, join(work, `large-${i}`), group.label, group.files)),
    );
  }
  return results;
}

function heifVersion(): string {
  // heif-enc has no --version; its usage text names the libheif it runs on.
  const usage = Bun.spawnSync(["heif-enc", "--help"]);
  const out = `${usage.stdout.toString()}${usage.stderr.toString()}`;
  return /\d+\.\d+\.\d+/.exec(out)?.[0] ?? "unknown";
}
