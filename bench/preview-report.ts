// SPEC §8's preview rows as markdown: targets (§7) beside the numbers, the peer's and the
// workload's details, for `npm run bench` (inside its generated section) and `npm run bench:previews`.
import { fmt, median, MIB } from "./lib/stats.ts";
import type { PreviewMeasurements } from "./preview-suite.ts";
import type { Outcome, PhotoResults } from "./preview-workloads.ts";

export const MIN_RATIO = 0.7;
export const MAX_PEAK_MIB = 400;

export function value<T extends object>(o: Outcome<T>): T | undefined {
  return "failed" in o || "skipped" in o ? undefined : (o as T);
}

export const why = (o: Outcome<object>) =>
  "failed" in o ? `failed: ${o.failed.split("\n")[0]}` : "skipped" in o ? `skipped: ${o.skipped}` : "";

/** pixvault's preview rate (images/s, one worker) and vipsthumbnail's (the mean of its runs before and after; NaN without it). */
export function previewRates(p: PhotoResults): { rate: number; vipsRate: number } {
  const vips = value(p.vips);
  return { rate: p.count / p.seconds, vipsRate: vips ? (2 * p.count) / (vips.before.seconds + vips.after.seconds) : NaN };
}

function photoRows(m: PreviewMeasurements): string[] {
  const p = value(m.photos);
  if (!p) return [`| previews of 12 MP JPEGs (thumb + display), one worker | ${why(m.photos)} | | ≥ ${MIN_RATIO}× vipsthumbnail | |`];
  const { rate, vipsRate } = previewRates(p);
  const vips = value(p.vips);
  const ratio = rate / vipsRate;
  const verdict = vips ? `${ratio >= MIN_RATIO ? "yes" : "**no**"} (${fmt(ratio, 2)}×)` : `ratio skipped (${why(p.vips)})`;
  const vipsCell = vips
    ? `${fmt(vipsRate, 2)} (before ${fmt(p.count / vips.before.seconds, 2)}, after ${fmt(p.count / vips.after.seconds, 2)}); CPU ${fmt((vips.before.cpuSeconds + vips.after.cpuSeconds) / (2 * p.count), 2)} s per image`
    : why(p.vips);
  const rows = [
    `| previews of ${p.count} 12 MP JPEGs (thumb + display), one worker, images/s | ${fmt(rate, 2)} (${fmt(p.seconds)} s; server CPU ${fmt(p.cpuSeconds / p.count, 2)} s per image; peak RSS ${fmt(p.peak, 0)} MiB) | ${vipsCell} | ≥ ${MIN_RATIO}× vipsthumbnail | ${verdict} |`,
    `| analysis of the same photos (colours, hash, labels; its own worker beside the previews), until done | ${fmt(p.analysisSeconds)} s from the same start (${fmt(p.count / p.analysisSeconds, 2)} images/s); server CPU ${fmt(p.analysisCpuSeconds / p.count, 2)} s per image for both stages | — | none | |`,
  ];
  const heic = value(p.heic);
  rows.push(
    heic
      ? `| previews of a 12 MP HEIC, seconds per image (upload answered → ready; ${heic.seconds.length} in a row) | ${heic.seconds.map((s) => fmt(s, 2)).join(", ")} (median ${fmt(median(heic.seconds), 2)}) | — | none | |`
      : `| previews of a 12 MP HEIC, seconds per image | ${why(p.heic)} | — | none | |`,
  );
  return rows;
}

function largeRows(m: PreviewMeasurements): string[] {
  return m.large.map((o) => {
    const l = value(o);
    if (!l) return `| peak server RSS while 24 MP previews are made, default concurrency | ${why(o)} | — | ≤ ${MAX_PEAK_MIB} MiB | |`;
    const met = l.peak <= MAX_PEAK_MIB ? "yes" : "**no**";
    return `| peak server RSS (VmHWM since start) while 24 MP previews are made at the default concurrency (${l.label}), MiB | ${fmt(l.peak, 0)} (idle ${fmt(l.idle, 0)} before, sampled VmRSS peak ${fmt(l.sampled, 0)}; ${fmt(l.seconds)} s in all) | — | ≤ ${MAX_PEAK_MIB} MiB | ${met} (${fmt(l.peak, 0)} MiB) |`;
  });
}

function uploadRows(m: PreviewMeasurements): string[] {
  const u = value(m.uploads);
  if (!u) return [`| 500 KB uploads at c8 with previews off / on | ${why(m.uploads)} | | uploads do not wait for previews | |`];
  const count = Math.round(u.on.perSecond * u.on.seconds);
  const notWaiting = u.pendingAfter.every((n) => n > 0);
  const cores = (t: typeof u.on) => `server ${fmt(t.cores.server, 2)} cores (main thread ${fmt(t.cores.serverMain, 2)})`;
  return [
    `| upload ${count} × 500 KB PNGs at c8, median of ${u.drains.length} rounds, MiB/s: previews off (--preview-workers 0) / on (default, 1 worker) | ${fmt(u.off.mibs)} / ${fmt(u.on.mibs)} (${fmt(u.on.mibs / u.off.mibs, 2)}×); p50 ${fmt(u.off.p50)} / ${fmt(u.on.p50)} ms; ${cores(u.off)} / ${cores(u.on)} | — | uploads do not wait for previews | ${notWaiting ? "yes" : "**no**"} (previews still pending when the last upload was answered: ${u.pendingAfter.join(", ")} of ${count}) |`,
    `| … all ${count} previews ready after the last upload answered, s (per round) | ${u.drains.map((d) => fmt(d)).join(", ")} | — | none | |`,
  ];
}

function gridRow(m: PreviewMeasurements): string {
  const p = value(m.photos);
  const g = p && value(p.grid);
  if (!p || !g) return `| a grid of 40 photos: bytes downloaded | ${why(p ? p.grid : m.photos)} | | | |`;
  const pct = (100 * g.thumbs) / g.originals;
  return `| a grid of ${g.count} photos: originals vs thumb previews, MiB | ${fmt(g.originals / MIB)} → ${fmt(g.thumbs / MIB, 2)} (${fmt(pct, 2)} %; display previews ${fmt(g.displays / MIB)} MiB) | — | SPEC §8: never the originals | yes |`;
}

/** The section's lines (heading included). */
export function previewSection(m: PreviewMeasurements): string[] {
  return [
    "### Previews (SPEC §8)",
    "",
    `Inputs: ${m.inputs.photos}; ${m.inputs.large}; HEIC: ${m.inputs.heic}. Peer: ${m.vips}, run with \`-s 400\` then \`-s 2048\` over all the files (one process per size, WebP Q=80 effort=2 strip, as pixvault encodes), before and after pixvault's run; its rate is the mean of both. pixvault's previews are timed from a server with \`--preview-workers 1\` started on a data dir whose photos were stored without the pool, to \`pixvault_previews_pending 0\` on /metrics (polled every 100 ms; libvips' first load included); server CPU from /proc/<pid>/stat over the same span.`,
    "",
    "| workload | pixvault | vipsthumbnail | target | met? |",
    "|---|---|---|---|---|",
    ...photoRows(m),
    ...largeRows(m),
    ...uploadRows(m),
    gridRow(m),
  ];
}
