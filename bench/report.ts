// Turns one run's measurements into the markdown section printed by `npm run bench` and kept in
// bench/RESULTS.md: the goals of issue 5 (and issue 6's for the zip rows, archive-report.ts)
// beside the numbers, ratios to nginx, the machine's limits.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  archiveDetailRows,
  archiveLimitRows,
  archiveNotes,
  archiveSummaryRows,
  shortLabel,
  type ArchiveResults,
} from "./archive-report.ts";
import { config } from "./config.ts";
import type { DiskCeiling } from "./lib/machine.ts";
import type { LoginRate } from "./lib/logins.ts";
import { describeCores } from "./lib/proc.ts";
import { fmt, median } from "./lib/stats.ts";
import { previewSection } from "./preview-report.ts";
import type { PreviewMeasurements } from "./preview-suite.ts";
import type { TargetName } from "./targets.ts";
import type { ColdStarts, LargeRoundTrip, Transfer } from "./workloads.ts";

export type Workload = "cold" | "bulkUp" | "bulkDown" | "small" | "large" | "archive" | "archiveLarge";

export interface TargetResults {
  name: TargetName;
  label: string;
  /** Version and set-up. */
  description: string;
  /** Why this target did not run at all. */
  skipped?: string;
  errors: Partial<Record<Workload, string>>;
  cold?: ColdStarts;
  bulkUp?: Transfer;
  bulkDown?: Transfer;
  small?: Transfer;
  /** VmHWM at the end of warm-up, bulk and small uploads, MiB. */
  workPeak?: number;
  /** RSS once started and connected, before any image, MiB. */
  idle?: number;
  large?: LargeRoundTrip;
}

export interface Measurements {
  date: string;
  machine: string;
  quick: boolean;
  seconds: number;
  sizes: {
    bulkCount: number;
    bulkBytes: number;
    bulkConcurrency: number;
    smallBytes: number;
    smallConcurrency: number;
    smallSeconds: number;
    largeMiB: number;
    coldStartRuns: number;
    archiveLargeCount: number;
  };
  targets: TargetResults[];
  disk: { before?: DiskCeiling; after?: DiskCeiling; smallSeconds: number; largeCopy?: number; hugeCopy?: number };
  openssl: { mbs: number } | { skipped: string };
  /** pixvault's zips (issue 6) and the AES-GCM decrypt limit. */
  archives: ArchiveResults;
  loopback: { fetch: number; curl?: number } | { skipped: string };
  huge: LargeRoundTrip | { skipped: string };
  logins: { concurrency: number; rate: LoginRate }[] | { skipped: string };
  /** SPEC §8's preview workloads (pixvault only); absent when pixvault did not run. */
  previews?: PreviewMeasurements | { skipped: string };
}

const BEGIN = "<!-- npm run bench: generated from here -->";
const END = "<!-- npm run bench: generated up to here -->";

interface Verdict {
  met: boolean;
  why: string;
}

/** A numeric row: one value per target, shown with its ratio to nginx, and optionally a goal for pixvault. */
interface Metric {
  label: string;
  workload?: Workload;
  digits: number;
  value(r: TargetResults): number | undefined;
  goal?: { text: string; check(pixvault: number, peer: (name: TargetName) => number | undefined): Verdict | string };
}

const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;

/** `pixvault / peer ≥ factor`, or why it cannot be judged. */
function atLeast(factor: number, peer: TargetName) {
  return (px: number, of: (n: TargetName) => number | undefined): Verdict | string => {
    const p = of(peer);
    if (p === undefined) return `n/a (no ${peer} figure)`;
    return { met: px >= factor * p, why: `${ratio(px, p)} ${peer}` };
  };
}

function both(...checks: ReturnType<typeof atLeast>[]) {
  return (px: number, of: (n: TargetName) => number | undefined): Verdict | string => {
    const verdicts = checks.map((c) => c(px, of));
    const missing = verdicts.find((v) => typeof v === "string");
    if (missing) return missing;
    const vs = verdicts as Verdict[];
    return { met: vs.every((v) => v.met), why: vs.map((v) => v.why).join(", ") };
  };
}

const atMost =
  (limit: number, unit: string) =>
  (px: number): Verdict => ({ met: px <= limit, why: `${fmt(px, 1)} ${unit}` });

function metrics(m: Measurements): Metric[] {
  const s = m.sizes;
  const kb = (n: number) => `${fmt(n / 1000, 0)} KB`;
  return [
    {
      label: `upload ${s.bulkCount} × ${kb(s.bulkBytes)} PNGs at c${s.bulkConcurrency}, median of ${config.bulkRounds} rounds, MiB/s`,
      workload: "bulkUp",
      digits: 1,
      value: (r) => r.bulkUp?.mibs,
      goal: { text: "≥ 0.65× nginx and ≥ 2× rclone", check: both(atLeast(0.65, "nginx"), atLeast(2, "rclone")) },
    },
    {
      label: `download them at c${s.bulkConcurrency}, each sha256-verified, median of ${config.bulkRounds} rounds, MiB/s`,
      workload: "bulkDown",
      digits: 1,
      value: (r) => r.bulkDown?.mibs,
      goal: { text: "≥ 0.8× nginx", check: atLeast(0.8, "nginx") },
    },
    {
      label: `upload ${kb(s.smallBytes)} PNGs for ${s.smallSeconds} s at c${s.smallConcurrency}, requests/s`,
      workload: "small",
      digits: 0,
      value: (r) => r.small?.perSecond,
      goal: { text: "≥ rclone", check: atLeast(1, "rclone") },
    },
    { label: "… their latency p50, ms", workload: "small", digits: 1, value: (r) => r.small?.p50 },
    { label: "… their latency p99, ms", workload: "small", digits: 1, value: (r) => r.small?.p99 },
    {
      label: `one ${s.largeMiB} MiB PNG up, MiB/s`,
      workload: "large",
      digits: 1,
      value: (r) => r.large?.up.mibs,
      goal: { text: "≥ 3× rclone", check: atLeast(3, "rclone") },
    },
    { label: "the same down, sha256-verified, MiB/s", workload: "large", digits: 1, value: (r) => r.large?.down.mibs },
    {
      label: `cold start to first 200, existing state (median of ${s.coldStartRuns}), ms`,
      workload: "cold",
      digits: 1,
      value: (r) => (r.cold ? median(r.cold.existing) : undefined),
      goal: { text: "≤ 50 ms", check: atMost(50, "ms") },
    },
    { label: "cold start on an empty data dir (first start), ms", workload: "cold", digits: 1, value: (r) => r.cold?.fresh },
    {
      label: "idle RSS (started, pixvault signed in, then 3 s quiet), MiB",
      workload: "large",
      digits: 1,
      value: (r) => r.idle,
      goal: { text: "≤ 60 MiB", check: atMost(60, "MiB") },
    },
    {
      label: `peak RSS (VmHWM) during the ${s.largeMiB} MiB upload, MiB`,
      workload: "large",
      digits: 1,
      value: (r) => r.large?.upPeak,
      goal: { text: "≤ 100 MiB", check: atMost(100, "MiB") },
    },
    {
      label: `peak RSS (VmHWM) during the ${s.largeMiB} MiB download, MiB`,
      workload: "large",
      digits: 1,
      value: (r) => r.large?.downPeak,
      goal: { text: "≤ 100 MiB", check: atMost(100, "MiB") },
    },
    { label: "peak RSS (VmHWM) over warm-up, bulk and small runs, MiB", workload: "small", digits: 1, value: (r) => r.workPeak },
  ];
}

function cell(metric: Metric, r: TargetResults, nginx: number | undefined): string {
  if (r.skipped) return "skipped";
  const v = metric.value(r);
  if (v === undefined || Number.isNaN(v)) return metric.workload && r.errors[metric.workload] ? "failed" : "—";
  const text = fmt(v, metric.digits);
  return r.name === "nginx" || nginx === undefined ? text : `${text} (${ratio(v, nginx)})`;
}

function summaryTable(m: Measurements): string[] {
  const byName = (n: TargetName) => m.targets.find((t) => t.name === n);
  const pixvault = byName("pixvault");
  const lines = [
    `| workload | ${m.targets.map((t) => t.label).join(" | ")} | goal for pixvault | met? |`,
    `|---|${m.targets.map(() => "---:|").join("")}---|---|`,
  ];
  for (const metric of metrics(m)) {
    const nginxResult = byName("nginx");
    const nginx = nginxResult && !nginxResult.skipped ? metric.value(nginxResult) : undefined;
    const cells = m.targets.map((t) => cell(metric, t, nginx));
    let verdict = "";
    if (metric.goal) {
      const px = pixvault ? metric.value(pixvault) : undefined;
      const peer = (n: TargetName) => {
        const t = byName(n);
        return t && !t.skipped ? metric.value(t) : undefined;
      };
      const v = px === undefined ? "n/a (no pixvault figure)" : metric.goal.check(px, peer);
      verdict = typeof v === "string" ? v : v.met ? `yes (${v.why})` : `**no** (${v.why})`;
    }
    lines.push(`| ${metric.label} | ${cells.join(" | ")} | ${metric.goal?.text ?? ""} | ${verdict} |`);
  }
  // pixvault-only rows: the peers have no equivalent.
  const peersDash = (text: string) => m.targets.map((t) => (t.name === "pixvault" ? text : "—")).join(" | ");
  const archiveSizes = { bulkCount: m.sizes.bulkCount, largeCount: m.sizes.archiveLargeCount, largeMiB: m.sizes.largeMiB };
  for (const r of archiveSummaryRows(m.archives, archiveSizes))
    lines.push(`| ${r.label} | ${peersDash(r.value)} | ${r.goal} | ${r.verdict} |`);
  const logins =
    "skipped" in m.logins
      ? m.logins.skipped
      : m.logins
          .map((l) => `${fmt(l.rate.perSecond, 0)} (p50 ${fmt(l.rate.p50)} ms${l.rate.errors ? `, ${l.rate.errors} refused` : ""})`)
          .join(" / ");
  const loginLabel = "skipped" in m.logins ? "logins/s" : `logins/s at c${m.logins.map((l) => l.concurrency).join(" / c")} (Argon2id)`;
  lines.push(`| ${loginLabel} | ${peersDash(logins)} | | |`);
  const huge =
    "skipped" in m.huge
      ? `skipped: ${m.huge.skipped}`
      : `${fmt(m.huge.up.mibs)} / ${fmt(m.huge.down.mibs)} (peaks ${fmt(m.huge.upPeak, 0)} / ${fmt(m.huge.downPeak, 0)} MiB)`;
  lines.push(`| one 1 GiB PNG up / down, MiB/s | ${peersDash(huge)} | | |`);
  return lines;
}

function limitsTable(m: Measurements): string[] {
  const px = m.targets.find((t) => t.name === "pixvault");
  /** "<what> at <a/b> %<suffix>", or a dash when either figure is missing. */
  const pct = (what: string, a: number | undefined, b: number | undefined, suffix = "") =>
    a === undefined || b === undefined ? "—" : `${what} at ${fmt((100 * a) / b, 0)} %${suffix}`;
  const mean = (f: (d: DiskCeiling) => number) => {
    const xs = [m.disk.before, m.disk.after].filter((d): d is DiskCeiling => d !== undefined).map(f);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
  };
  const pair = (f: (d: DiskCeiling) => number, digits: number) =>
    `${m.disk.before ? fmt(f(m.disk.before), digits) : "—"} / ${m.disk.after ? fmt(f(m.disk.after), digits) : "—"}`;
  const s = m.sizes;
  const lines = [
    "| machine limit | measured | pixvault against it |",
    "|---|---:|---|",
    `| write + fsync(file) + fsync(dir), ${s.bulkCount} × ${fmt(s.bulkBytes / 1000, 0)} KB files at c${s.bulkConcurrency}, before / after the servers, MiB/s | ${pair((d) => d.bulkMiBs, 1)} | ${pct(
      "bulk upload",
      px?.bulkUp?.mibs,
      mean((d) => d.bulkMiBs),
      " of the mean",
    )} |`,
    `| the same, ${fmt(s.smallBytes / 1000, 0)} KB files for ${m.disk.smallSeconds} s at c${s.smallConcurrency}, files/s | ${pair((d) => d.smallFilesPerSecond, 0)} | ${pct(
      "small uploads",
      px?.small?.perSecond,
      mean((d) => d.smallFilesPerSecond),
      " of the mean",
    )} |`,
    `| create + write ${fmt(s.smallBytes / 1000, 0)} KB files without fsync, one thread, before / after, files/s | ${pair((d) => d.createFilesPerSecond, 0)} | |`,
  ];
  if (m.disk.largeCopy !== undefined)
    lines.push(
      `| copy the ${s.largeMiB} MiB PNG to a new file + fsync, MiB/s | ${fmt(m.disk.largeCopy)} | ${pct(`${s.largeMiB} MiB upload`, px?.large?.up.mibs, m.disk.largeCopy)} |`,
    );
  if (m.disk.hugeCopy !== undefined && !("skipped" in m.huge))
    lines.push(
      `| copy the 1 GiB PNG to a new file + fsync, MiB/s | ${fmt(m.disk.hugeCopy)} | ${pct("1 GiB upload", m.huge.up.mibs, m.disk.hugeCopy)} |`,
    );
  lines.push(
    "skipped" in m.openssl
      ? `| \`openssl speed -evp aes-256-gcm\`, 16 KiB blocks, one core | skipped: ${m.openssl.skipped} | |`
      : `| \`openssl speed -evp aes-256-gcm\`, 16 KiB blocks, one core, MB/s | ${fmt(m.openssl.mbs, 0)} | |`,
  );
  for (const row of archiveLimitRows(m.archives)) lines.push(`| ${row.join(" | ")} |`);
  lines.push(
    "skipped" in m.loopback
      ? `| loopback HTTP | skipped: ${m.loopback.skipped} | |`
      : `| loopback HTTP: GET of the ${s.largeMiB} MiB file from nginx, best of 3, Bun fetch (this client) / curl, MiB/s | ${fmt(m.loopback.fetch)} / ${m.loopback.curl === undefined ? "—" : fmt(m.loopback.curl)} | ${[
          pct(`${s.largeMiB} MiB download`, px?.large?.down.mibs, m.loopback.fetch, " of Bun fetch's"),
          ...(m.archives.large && "download" in m.archives.large
            ? [pct(shortLabel(m.archives.large), m.archives.large.download.mibs, m.loopback.fetch)]
            : []),
        ].join("; ")} |`,
  );
  return lines;
}

function detailTable(m: Measurements): string[] {
  const lines = [
    "| workload | server | MiB/s | requests/s | p50 ms | p99 ms | errors | cores busy |",
    "|---|---|---:|---:|---:|---:|---:|---|",
  ];
  const rows: [string, (r: TargetResults) => Transfer | undefined][] = [
    ["bulk upload", (r) => r.bulkUp],
    ["bulk download", (r) => r.bulkDown],
    ["small uploads", (r) => r.small],
    [`${m.sizes.largeMiB} MiB up`, (r) => r.large?.up],
    [`${m.sizes.largeMiB} MiB down`, (r) => r.large?.down],
  ];
  for (const [label, get] of rows) {
    for (const r of m.targets) {
      const t = get(r);
      if (!t) continue;
      const cores = r.name === "pixvault" ? describeCores(t.cores) : describeCores(t.cores).replace(/ \(main thread [^)]*\)/, "");
      lines.push(
        `| ${label} | ${r.name} | ${fmt(t.mibs)} | ${fmt(t.perSecond, 0)} | ${fmt(t.p50)} | ${fmt(t.p99)} | ${t.errors} | ${cores} |`,
      );
    }
  }
  return lines;
}

function archiveDetails(m: Measurements): string[] {
  const rows = archiveDetailRows(m.archives);
  if (rows.length === 0) return [];
  return [
    "",
    "| pixvault archive | MiB/s median (min–max) | TTFB median, ms | wall median, ms | server RSS before → peak, MiB | cores busy |",
    "|---|---:|---:|---:|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function previewLines(previews: Measurements["previews"]): string[] {
  if (!previews) return [];
  return ["", ...("skipped" in previews ? ["### Previews (SPEC §8)", "", `Skipped: ${previews.skipped}.`] : previewSection(previews))];
}

export function renderReport(m: Measurements): string {
  const s = m.sizes;
  const notes: string[] = [];
  for (const t of m.targets) {
    // One start-up failure stops several workloads: say it once, naming them all.
    const failures = new Map<string, string[]>();
    for (const [workload, error] of Object.entries(t.errors)) failures.set(error, [...(failures.get(error) ?? []), workload]);
    for (const [error, workloads] of failures) notes.push(`- ${t.label}: ${workloads.join(", ")} failed: ${error.split("\n")[0]}`);
    if (t.small?.errors) notes.push(`- ${t.label}: ${t.small.errors} small uploads failed; the first: ${t.small.firstError}`);
  }
  return [
    BEGIN,
    `## Against peers (issue #5) (\`npm run bench\`, \`bun bench/run.ts\`)`,
    "",
    `Measured ${m.date} in ${fmt(m.seconds, 0)} s${m.quick ? " with BENCH_QUICK=1 (reduced counts: not comparable with full runs)" : ""}, on ${m.machine}.`,
    "",
    "Servers, each started by the harness on 127.0.0.1 with a fresh state dir beside the others:",
    ...m.targets.map((t) => `- ${t.label}: ${t.skipped ? `skipped: ${t.skipped}` : t.description}`),
    "",
    `The client is Bun's fetch in one process on the same CPUs. Each workload runs against every server in turn, with \`sync\` before each so no server pays for another's writeback; bulk and small runs share one server per target, warmed up first by ${config.warmSeconds} s of 500 KB uploads and downloads (so the numbers are a running server's, not its JIT's first minutes), the ${s.largeMiB} MiB transfers a freshly started one, measured after ${config.settleMs / 1000} s of quiet. RSS is VmRSS/VmHWM from /proc summed over the server's processes (nginx: master and workers), the peak reset through clear_refs before each large transfer. In parentheses: the ratio to nginx. The goals are issue #5's (the zip rows: issue #6's); "met?" judges this run alone.`,
    ...archiveNotes(m.archives).flatMap((note) => ["", note]),
    "",
    ...summaryTable(m),
    "",
    ...limitsTable(m),
    "",
    "<details><summary>Per server: throughput, latency, CPU</summary>",
    "",
    ...detailTable(m),
    "",
    "Cores busy come from `/proc/<pid>/stat` (all of the server's threads and processes; for pixvault also its JavaScript thread) and `process.cpuUsage()` for the client.",
    ...archiveDetails(m),
    "",
    "</details>",
    ...(notes.length ? ["", ...notes] : []),
    ...previewLines(m.previews),
    END,
    "",
  ].join("\n");
}

/** Replaces the previous run's section in RESULTS.md (between the markers, heading included), or appends one. */
export function updateResults(path: string, section: string): void {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n";
  const begin = old.indexOf(BEGIN);
  const end = old.indexOf(END);
  const updated =
    begin >= 0 && end > begin ? old.slice(0, begin) + section.trimEnd() + old.slice(end + END.length) : `${old.trimEnd()}\n\n${section}`;
  writeFileSync(path, updated);
}
