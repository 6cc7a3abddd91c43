// Turns one run's measurements into the markdown section printed by `npm run bench` and kept in
// bench/RESULTS.md: SPEC §7's targets (spec-report.ts), then every server's numbers with ratios
// to nginx (issue 6's goals for the zip rows, archive-report.ts), the machine's limits.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { archiveDetailRows, archiveLimitRows, archiveNotes, shortLabel, type ArchiveResults } from "./archive-report.ts";
import { config } from "./config.ts";
import type { DiskCeiling } from "./lib/machine.ts";
import type { LoginRate } from "./lib/logins.ts";
import { describeCores } from "./lib/proc.ts";
import { fmt } from "./lib/stats.ts";
import { previewSection } from "./preview-report.ts";
import type { PreviewMeasurements } from "./preview-suite.ts";
import { serverTable } from "./server-table.ts";
import { specTable } from "./spec-report.ts";
import type { TargetName } from "./targets.ts";
import type { ColdStarts, LargeRoundTrip, Transfer } from "./workloads.ts";

export type Workload = "cold" | "bulkUp" | "bulkDown" | "small" | "delete" | "large" | "archive" | "archiveLarge";

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
  delete?: Transfer;
  /**
   * Server CPU seconds per MiB uploaded and downloaded (the bulk workloads), per small upload and
   * per delete: the median over the rounds (small uploads: their one run).
   */
  cpu: { up?: number; down?: number; small?: number; delete?: number };
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
  /** What the bulk (and warm-up) and the small uploads were, e.g. "100 JPEGs and 100 PNGs, 491–515 KB (505 KB on average)". */
  inputs: { bulk: string; small: string };
  sizes: {
    bulkCount: number;
    bulkBytes: number;
    bulkConcurrency: number;
    smallBytes: number;
    smallConcurrency: number;
    smallSeconds: number;
    largeMiB: number;
    coldStartRuns: number;
    /** Images stored before the cold starts on existing data. */
    coldStored: number;
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
    "| workload | server | MiB/s | requests/s | p50 ms | p99 ms | errors | server CPU, s | cores busy |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  const rows: [string, (r: TargetResults) => Transfer | undefined][] = [
    ["bulk upload (median round)", (r) => r.bulkUp],
    ["bulk download (median round)", (r) => r.bulkDown],
    ["small uploads", (r) => r.small],
    ["deletes (median round)", (r) => r.delete],
    [`${m.sizes.largeMiB} MiB up`, (r) => r.large?.up],
    [`${m.sizes.largeMiB} MiB down`, (r) => r.large?.down],
  ];
  for (const [label, get] of rows) {
    for (const r of m.targets) {
      const t = get(r);
      if (!t) continue;
      const cores = r.name === "pixvault" ? describeCores(t.cores) : describeCores(t.cores).replace(/ \(main thread [^)]*\)/, "");
      lines.push(
        `| ${label} | ${r.name} | ${fmt(t.mibs)} | ${fmt(t.perSecond, 0)} | ${fmt(t.p50)} | ${fmt(t.p99)} | ${t.errors} | ${fmt(t.cores.serverSeconds, 2)} | ${cores} |`,
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
    `## SPEC §7 against peers (issues #5, #17) (\`npm run bench\`, \`bun bench/run.ts\`)`,
    "",
    `Measured ${m.date} in ${fmt(m.seconds, 0)} s${m.quick ? " with BENCH_QUICK=1 (reduced counts: not comparable with full runs)" : ""}, on ${m.machine}.`,
    "",
    "Servers, each started by the harness on 127.0.0.1 with a fresh state dir beside the others:",
    ...m.targets.map((t) => `- ${t.label}: ${t.skipped ? `skipped: ${t.skipped}` : t.description}`),
    "",
    `Inputs: ${m.sizes.bulkCount} images of ~${fmt(m.sizes.bulkBytes / 1000, 0)} KB (${m.inputs.bulk}) and ${m.inputs.small} for the small uploads, crops of photo-like canvases (gradients, soft shapes, texture and sensor-like noise) encoded by sharp, JPEGs at quality 90 with camera EXIF; the ${m.sizes.largeMiB} MiB image is a noise PNG.`,
    "",
    `The client is Bun's fetch in one process on the same CPUs. Each workload runs against every server in turn, with \`sync\` before each so no server pays for another's writeback; bulk and small runs share one server per target, warmed up first by ${config.warmSeconds} s of 500 KB uploads and downloads (so the numbers are a running server's, not its JIT's first minutes), the ${s.largeMiB} MiB transfers a freshly started one, measured after ${config.settleMs / 1000} s of quiet. The deletes run last of all (on this disk deleting makes creating files dearer for minutes), on fresh servers: each round stores the bulk images (untimed), then deletes them (WebDAV peers: DELETE of each file). Server CPU is utime + stime from /proc/<pid>/stat summed over the server's processes and threads, read before and after each workload. RSS is VmRSS/VmHWM from /proc summed over the server's processes (nginx: master and workers), the peak reset through clear_refs before each large transfer. Cold starts: spawn to the first 200 of /healthz (peers: of their root), on a data dir that a first start made and filled with ${m.sizes.coldStored} images. "met?" judges this run alone.`,
    "",
    "### SPEC §7's targets",
    "",
    "pixvault against rclone's crypt remote served over WebDAV (the encrypted peer); ratio = pixvault ÷ rclone crypt.",
    "",
    ...specTable(m),
    "",
    "### Every server",
    "",
    "In parentheses: the ratio to nginx WebDAV (unencrypted, no fsync: the ceiling). The goals in this table are issue #6's, for pixvault's zips.",
    ...archiveNotes(m.archives).flatMap((note) => ["", note]),
    "",
    ...serverTable(m),
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
