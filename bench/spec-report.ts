// SPEC §7's performance table as one run of `npm run bench` measured it: one row per target,
// pixvault beside rclone's crypt remote (the encrypted peer), their ratio, and whether it is met.
import { config, medianOfRounds } from "./config.ts";
import { fmt, inMs, inUs, median } from "./lib/stats.ts";
import { MAX_PEAK_MIB, MIN_RATIO, previewRates, value, why } from "./preview-report.ts";
import type { Measurements, TargetResults, Workload } from "./report.ts";

/** How a row is judged: pixvault ÷ rclone against a factor, or pixvault's own figure against a limit. */
type Goal = { ratio: ">=" | "<="; factor: number } | { limit: number; unit: string };

interface Row {
  label: string;
  workload: Workload;
  digits: number;
  value(r: TargetResults): number | undefined;
  target: Goal;
}

function rows(m: Measurements): Row[] {
  const s = m.sizes;
  const kb = (n: number) => `${fmt(n / 1000, 0)} KB`;
  const peer = (factor: number): Goal => ({ ratio: ">=", factor });
  const cpu: Goal = { ratio: "<=", factor: 1 };
  return [
    {
      label: `upload ${s.bulkCount} × ~${kb(s.bulkBytes)} images (${m.inputs.bulk}) at c${s.bulkConcurrency}, ${medianOfRounds()}, MiB/s`,
      workload: "bulkUp",
      digits: 1,
      value: (r) => r.bulkUp?.mibs,
      target: peer(1.2),
    },
    {
      label: `download them at c${s.bulkConcurrency}, sha256-checked, ${medianOfRounds()}, MiB/s`,
      workload: "bulkDown",
      digits: 1,
      value: (r) => r.bulkDown?.mibs,
      target: peer(1.2),
    },
    {
      label: `upload ~${kb(s.smallBytes)} images (${m.inputs.small}) at c${s.smallConcurrency} for ${s.smallSeconds} s, requests/s`,
      workload: "small",
      digits: 0,
      value: (r) => r.small?.perSecond,
      target: peer(1),
    },
    {
      label: `delete ${s.bulkCount} images at c${s.bulkConcurrency}, ${medianOfRounds()}, requests/s`,
      workload: "delete",
      digits: 0,
      value: (r) => r.delete?.perSecond,
      target: peer(1),
    },
    { label: `one ${s.largeMiB} MiB image up, MiB/s`, workload: "large", digits: 1, value: (r) => r.large?.up.mibs, target: peer(1.5) },
    {
      label: `one ${s.largeMiB} MiB image down, sha256-checked, MiB/s`,
      workload: "large",
      digits: 1,
      value: (r) => r.large?.down.mibs,
      target: peer(1.2),
    },
    {
      label: "server CPU time per MiB uploaded (the bulk upload), ms",
      workload: "bulkUp",
      digits: 2,
      value: (r) => inMs(r.cpu.up),
      target: cpu,
    },
    {
      label: "server CPU time per MiB downloaded (the bulk download), ms",
      workload: "bulkDown",
      digits: 2,
      value: (r) => inMs(r.cpu.down),
      target: cpu,
    },
    { label: "server CPU time per small upload, µs", workload: "small", digits: 0, value: (r) => inUs(r.cpu.small), target: cpu },
    {
      label: `peak server RSS (VmHWM) during the ${s.largeMiB} MiB upload and download, MiB`,
      workload: "large",
      digits: 1,
      value: (r) => (r.large ? Math.max(r.large.upPeak, r.large.downPeak) : undefined),
      target: { limit: 100, unit: "MiB" },
    },
    {
      label: `idle server RSS after start (signed in, ${config.settleMs / 1000} s quiet), MiB`,
      workload: "large",
      digits: 1,
      value: (r) => r.idle,
      target: { limit: 80, unit: "MiB" },
    },
    {
      label: `cold start to the first 200 of the health URL, existing data (${s.coldStored} images stored), median of ${s.coldStartRuns}, ms`,
      workload: "cold",
      digits: 1,
      value: (r) => (r.cold ? median(r.cold.existing) : undefined),
      target: { limit: 50, unit: "ms" },
    },
  ];
}

const targetText = (t: Goal) =>
  "limit" in t ? `≤ ${t.limit} ${t.unit}` : t.ratio === ">=" ? `≥ ${fmt(t.factor, 1)}× rclone crypt` : "≤ rclone crypt's";

function line(row: Row, rclone: TargetResults | undefined, pixvault: TargetResults | undefined): string {
  const figure = (r: TargetResults | undefined) => {
    if (!r) return { text: "did not run" };
    if (r.skipped) return { text: `skipped` };
    const v = row.value(r);
    if (v === undefined || Number.isNaN(v)) return { text: r.errors[row.workload] ? "failed" : "—" };
    return { text: fmt(v, row.digits), v };
  };
  const peer = figure(rclone);
  const px = figure(pixvault);
  const ratio = px.v !== undefined && peer.v !== undefined ? px.v / peer.v : undefined;
  let met: string;
  if ("limit" in row.target) met = px.v === undefined ? "n/a" : px.v <= row.target.limit ? "yes" : "**no**";
  else if (ratio === undefined) met = "n/a";
  else met = (row.target.ratio === ">=" ? ratio >= row.target.factor : ratio <= row.target.factor) ? "yes" : "**no**";
  const ratioText = ratio === undefined ? "—" : `${fmt(ratio, 2)}×`;
  return `| ${row.label} | ${peer.text} | ${px.text} | ${ratioText} | ${targetText(row.target)} | ${met} |`;
}

/** SPEC §7's two preview rows, from the same run's preview workloads (bench/preview-suite.ts); the peer there is vipsthumbnail. */
function previewLines(m: Measurements): string[] {
  const previews = m.previews;
  const skipped = (label: string, target: string, reason: string) => `| ${label} | — | ${reason} | — | ${target} | n/a |`;
  const rateLabel = "previews of 12 MP JPEGs (thumb + display), one worker, images/s (peer: `vipsthumbnail` making the same two sizes)";
  const rateTarget = `≥ ${MIN_RATIO}× vipsthumbnail`;
  const peakLabel = "peak server RSS while previews of 24 MP images are made at the default concurrency, MiB";
  const peakTarget = `≤ ${MAX_PEAK_MIB} MiB`;
  if (!previews || "skipped" in previews) {
    const reason = previews ? `skipped: ${previews.skipped}` : "pixvault did not run";
    return [skipped(rateLabel, rateTarget, reason), skipped(peakLabel, peakTarget, reason)];
  }
  const p = value(previews.photos);
  let rateLine = skipped(rateLabel, rateTarget, why(previews.photos));
  if (p) {
    const { rate, vipsRate } = previewRates(p);
    const ratio = rate / vipsRate;
    rateLine = Number.isNaN(vipsRate)
      ? `| ${rateLabel} | ${why(p.vips)} | ${fmt(rate, 2)} | — | ${rateTarget} | n/a |`
      : `| ${rateLabel} | vipsthumbnail: ${fmt(vipsRate, 2)} | ${fmt(rate, 2)} | ${fmt(ratio, 2)}× | ${rateTarget} | ${ratio >= MIN_RATIO ? "yes" : "**no**"} |`;
  }
  const peaks = previews.large.map((o) => value(o)?.peak);
  const failed = previews.large.find((o) => !value(o));
  const peak = Math.max(...peaks.filter((x): x is number => x !== undefined));
  const peakLine =
    failed || !Number.isFinite(peak)
      ? skipped(peakLabel, peakTarget, failed ? why(failed) : "no figure")
      : `| ${peakLabel} | — | ${fmt(peak, 0)} | — | ${peakTarget} | ${peak <= MAX_PEAK_MIB ? "yes" : "**no**"} |`;
  return [rateLine, peakLine];
}

/** The table's lines, header included. */
export function specTable(m: Measurements): string[] {
  const byName = (n: string) => m.targets.find((t) => t.name === n);
  const rclone = byName("rclone");
  const pixvault = byName("pixvault");
  const met = (l: string) => l.endsWith("| yes |");
  const body = [...rows(m).map((row) => line(row, rclone, pixvault)), ...previewLines(m)];
  return [
    "| workload | rclone crypt | pixvault | ratio | target | met? |",
    "|---|---:|---:|---:|---|---|",
    ...body,
    "",
    `Met: ${body.filter(met).length} of ${body.length} targets.`,
  ];
}
