// The rows issue 6's archive workloads add to a report, with its goals: the zip download rate
// against `zip -0` of the same files (≥ 50 %), time to first byte for 200 entries (≤ 50 ms),
// peak server RSS while ~1 GiB streams (≤ 150 MB). Used by report.ts (`npm run bench`) and by
// archive.ts (`npm run bench:archive`), so both say the same thing.
import type { ArchiveWorkload } from "./archive-downloads.ts";
import type { AesGcmDecrypt } from "./lib/machine.ts";
import { describeCores } from "./lib/proc.ts";
import { fmt, median, MIB } from "./lib/stats.ts";

/** A workload's result, or why there is none (undefined: it did not run). */
export type Outcome<T> = T | { skipped: string } | { failed: string } | undefined;

export interface ArchiveResults {
  bulk: Outcome<ArchiveWorkload>;
  large: Outcome<ArchiveWorkload>;
  decrypt: AesGcmDecrypt | { skipped: string };
}

export interface SummaryRow {
  label: string;
  /** pixvault's figure. */
  value: string;
  goal: string;
  verdict: string;
}

const ZIP_RATIO_GOAL = 0.5;
const TTFB_GOAL_MS = 50;
const PEAK_GOAL_BYTES = 150e6;

const ran = (o: Outcome<ArchiveWorkload>): o is ArchiveWorkload => o !== undefined && "download" in o;

function missing(o: Outcome<ArchiveWorkload>): string {
  if (o === undefined) return "—";
  if ("failed" in o) return "failed";
  return "skipped" in o ? `skipped: ${o.skipped}` : "—";
}

const verdict = (met: boolean, why: string) => (met ? `yes (${why})` : `**no** (${why})`);

function sizeLabel(a: ArchiveWorkload): string {
  const each = a.fileBytes / a.files;
  const size = each >= MIB ? `${fmt(each / MIB, 0)} MiB` : `${fmt(each / 1000, 0)} KB`;
  const total = a.fileBytes >= 2 ** 30 * 0.9 ? ` (${fmt(a.fileBytes / 2 ** 30, 2)} GiB in all)` : "";
  return `${a.files} × ${size} images${total}`;
}

/** Short name of an archive, for "… at N %" cells: "zip of 200 images", "zip of 5 × 200 MiB". */
export function shortLabel(a: ArchiveWorkload): string {
  const each = a.fileBytes / a.files;
  return each >= MIB ? `zip of ${a.files} × ${fmt(each / MIB, 0)} MiB` : `zip of ${a.files} images`;
}

function rateRow(o: Outcome<ArchiveWorkload>, fallback: string): SummaryRow {
  const goal = `≥ ${fmt(ZIP_RATIO_GOAL * 100, 0)} % of \`zip -0\` of the same files`;
  if (!ran(o)) return { label: `zip of ${fallback} in one GET, MiB/s`, value: missing(o), goal, verdict: "" };
  const d = o.download;
  const label = `zip of ${sizeLabel(o)} in one GET (stored entries), median of ${d.rates.length}, MiB/s`;
  const v =
    "skipped" in o.zip
      ? `n/a (${o.zip.skipped})`
      : verdict(d.mibs >= ZIP_RATIO_GOAL * o.zip.mibs, `${fmt((100 * d.mibs) / o.zip.mibs, 0)} % of zip -0's ${fmt(o.zip.mibs)} MiB/s`);
  return { label, value: fmt(d.mibs), goal, verdict: v };
}

export function archiveSummaryRows(a: ArchiveResults, sizes: { bulkCount: number; largeCount: number; largeMiB: number }): SummaryRow[] {
  const rows = [rateRow(a.bulk, `${sizes.bulkCount} images`)];
  const ttfbGoal = `≤ ${TTFB_GOAL_MS} ms`;
  if (ran(a.bulk)) {
    const d = a.bulk.download;
    rows.push({
      label: `… time to first byte (request sent → first body byte), median of ${d.ttfb.length}, ms`,
      value: fmt(d.ttfbMedian),
      goal: ttfbGoal,
      verdict: verdict(d.ttfbMedian <= TTFB_GOAL_MS, `${fmt(d.ttfbMedian)} ms`),
    });
  } else {
    rows.push({ label: "… time to first byte, ms", value: missing(a.bulk), goal: ttfbGoal, verdict: "" });
  }
  rows.push(rateRow(a.large, `${sizes.largeCount} × ${sizes.largeMiB} MiB images`));
  const peakGoal = `≤ 150 MB (${fmt(PEAK_GOAL_BYTES / MIB, 0)} MiB)`;
  if (ran(a.large)) {
    const d = a.large.download;
    rows.push({
      label: `… peak server RSS while it streams (VmHWM reset before each request, highest of ${d.rates.length}), MiB`,
      value: fmt(d.peak),
      goal: peakGoal,
      verdict: verdict(d.peak * MIB <= PEAK_GOAL_BYTES, `${fmt((d.peak * MIB) / 1e6, 0)} MB`),
    });
  } else {
    rows.push({ label: "… peak server RSS while it streams, MiB", value: missing(a.large), goal: peakGoal, verdict: "" });
  }
  return rows;
}

/** Machine-limit rows: [what, measured, the archive against it]. */
export function archiveLimitRows(a: ArchiveResults): [string, string, string][] {
  const rows: [string, string, string][] = [];
  const pct = (what: string, x: number, of: number) => `${what} at ${fmt((100 * x) / of, 0)} %`;
  for (const o of [a.bulk, a.large]) {
    if (!ran(o)) continue;
    const what = `\`zip -0 -q out.zip <files>\` of the ${o.files} plaintext files from disk (page cache warm; the zip written without fsync)`;
    if ("skipped" in o.zip) rows.push([what, `skipped: ${o.zip.skipped}`, ""]);
    else rows.push([`${what}, median of ${o.zip.runs.length}, MiB/s`, fmt(o.zip.mibs), pct(shortLabel(o), o.download.mibs, o.zip.mibs)]);
  }
  const aes = "node:crypto AES-256-GCM decrypt in Bun, a createDecipheriv per 64 KiB segment, one core";
  if ("skipped" in a.decrypt) rows.push([aes, `skipped: ${a.decrypt.skipped}`, ""]);
  else {
    const against = ran(a.large) ? pct(shortLabel(a.large), a.large.download.mibs, a.decrypt.best) : "";
    rows.push([`${aes}, best (median) of ${a.decrypt.passes}, MiB/s`, `${fmt(a.decrypt.best, 0)} (${fmt(a.decrypt.median, 0)})`, against]);
  }
  return rows;
}

/** Detail rows: [workload, MiB/s median (min–max), TTFB median ms, wall median ms, server RSS before → peak MiB, cores busy]. */
export function archiveDetailRows(a: ArchiveResults): string[][] {
  const rows: string[][] = [];
  for (const o of [a.bulk, a.large]) {
    if (!ran(o)) continue;
    const d = o.download;
    rows.push([
      `zip of ${sizeLabel(o)}, ${d.rates.length} runs, ${fmt(d.bytes / MIB)} MiB each`,
      `${fmt(d.mibs)} (${fmt(Math.min(...d.rates))}–${fmt(Math.max(...d.rates))})`,
      `${fmt(d.ttfbMedian)}`,
      fmt(median(d.durations), 0),
      `${fmt(d.rssBefore, 0)} → ${fmt(d.peak, 0)}`,
      describeCores(d.cores),
    ]);
  }
  return rows;
}

/** One paragraph on how the archives were checked, or nothing when none ran. */
export function archiveNotes(a: ArchiveResults): string[] {
  const done = [a.bulk, a.large].filter(ran);
  if (done.length === 0) return [];
  const first = done[0]!;
  return [
    `Archives (issue #6, pixvault only): one request at a time, \`GET /api/v1/images/archive?ids=…\` with a bearer token, the body drained and counted by Bun's fetch. Every timed body had exactly its Content-Length and ended in an end-of-central-directory record for its entry count; the first download of each archive (untimed, it also warms the server up) was written to disk and checked by ${first.verified}. Peak RSS: VmHWM reset through clear_refs before each request, read after. The \`zip -0\` baseline runs over the same files right before, in the same run.`,
  ];
}
