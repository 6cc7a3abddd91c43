// Every server's numbers from one run of `npm run bench`, side by side with their ratio to nginx
// (the unencrypted ceiling), then pixvault's own rows (zips with issue 6's goals, logins, 1 GiB).
import { archiveSummaryRows } from "./archive-report.ts";
import { config, medianOfRounds } from "./config.ts";
import { fmt, inMs, inUs, median } from "./lib/stats.ts";
import type { Measurements, TargetResults, Workload } from "./report.ts";
import type { TargetName } from "./targets.ts";
import { cpuPerMiB } from "./workloads.ts";

/** A numeric row: one value per server, shown with its ratio to nginx. */
interface Metric {
  label: string;
  workload: Workload;
  digits: number;
  value(r: TargetResults): number | undefined;
}

const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;

function metrics(m: Measurements): Metric[] {
  const s = m.sizes;
  const kb = (n: number) => `${fmt(n / 1000, 0)} KB`;
  const rounds = medianOfRounds();
  return [
    {
      label: `upload ${s.bulkCount} × ~${kb(s.bulkBytes)} JPEGs and PNGs at c${s.bulkConcurrency}, ${rounds}, MiB/s`,
      workload: "bulkUp",
      digits: 1,
      value: (r) => r.bulkUp?.mibs,
    },
    {
      label: `download them at c${s.bulkConcurrency}, each sha256-verified, ${rounds}, MiB/s`,
      workload: "bulkDown",
      digits: 1,
      value: (r) => r.bulkDown?.mibs,
    },
    {
      label: `upload ~${kb(s.smallBytes)} JPEGs and PNGs for ${s.smallSeconds} s at c${s.smallConcurrency}, requests/s`,
      workload: "small",
      digits: 0,
      value: (r) => r.small?.perSecond,
    },
    { label: "… their latency p50, ms", workload: "small", digits: 1, value: (r) => r.small?.p50 },
    { label: "… their latency p99, ms", workload: "small", digits: 1, value: (r) => r.small?.p99 },
    {
      label: `delete ${s.bulkCount} of the ~${kb(s.bulkBytes)} images at c${s.bulkConcurrency}, ${rounds}, requests/s`,
      workload: "delete",
      digits: 0,
      value: (r) => r.delete?.perSecond,
    },
    { label: "… their latency p50, ms", workload: "delete", digits: 1, value: (r) => r.delete?.p50 },
    { label: `one ${s.largeMiB} MiB PNG up, MiB/s`, workload: "large", digits: 1, value: (r) => r.large?.up.mibs },
    { label: "the same down, sha256-verified, MiB/s", workload: "large", digits: 1, value: (r) => r.large?.down.mibs },
    { label: "server CPU per MiB uploaded (bulk), ms", workload: "bulkUp", digits: 2, value: (r) => inMs(r.cpu.up) },
    { label: "server CPU per MiB downloaded (bulk), ms", workload: "bulkDown", digits: 2, value: (r) => inMs(r.cpu.down) },
    { label: "server CPU per small upload, µs", workload: "small", digits: 0, value: (r) => inUs(r.cpu.small) },
    { label: "server CPU per delete, µs", workload: "delete", digits: 0, value: (r) => inUs(r.cpu.delete) },
    {
      label: `server CPU per MiB of the ${s.largeMiB} MiB upload, ms`,
      workload: "large",
      digits: 2,
      value: (r) => inMs(r.large && cpuPerMiB(r.large.up)),
    },
    { label: "… of its download, ms", workload: "large", digits: 2, value: (r) => inMs(r.large && cpuPerMiB(r.large.down)) },
    {
      label: `cold start to first 200, existing data (${s.coldStored} images; median of ${s.coldStartRuns}), ms`,
      workload: "cold",
      digits: 1,
      value: (r) => (r.cold ? median(r.cold.existing) : undefined),
    },
    { label: "cold start on an empty data dir (first start), ms", workload: "cold", digits: 1, value: (r) => r.cold?.fresh },
    {
      label: `idle RSS (started, pixvault signed in, then ${config.settleMs / 1000} s quiet), MiB`,
      workload: "large",
      digits: 1,
      value: (r) => r.idle,
    },
    { label: `peak RSS (VmHWM) during the ${s.largeMiB} MiB upload, MiB`, workload: "large", digits: 1, value: (r) => r.large?.upPeak },
    { label: `peak RSS (VmHWM) during the ${s.largeMiB} MiB download, MiB`, workload: "large", digits: 1, value: (r) => r.large?.downPeak },
    { label: "peak RSS (VmHWM) over warm-up, bulk and small runs, MiB", workload: "small", digits: 1, value: (r) => r.workPeak },
  ];
}

function cell(metric: Metric, r: TargetResults, nginx: number | undefined): string {
  if (r.skipped) return "skipped";
  const v = metric.value(r);
  if (v === undefined || Number.isNaN(v)) return r.errors[metric.workload] ? "failed" : "—";
  const text = fmt(v, metric.digits);
  // nginx's downloads go through sendfile, which charges their CPU to the client: no ratio to 0.
  return r.name === "nginx" || !nginx ? text : `${text} (${ratio(v, nginx)})`;
}

/** The table's lines, header included. */
export function serverTable(m: Measurements): string[] {
  const byName = (n: TargetName) => m.targets.find((t) => t.name === n);
  const lines = [
    `| workload | ${m.targets.map((t) => t.label).join(" | ")} | goal for pixvault (issue #6) | met? |`,
    `|---|${m.targets.map(() => "---:|").join("")}---|---|`,
  ];
  const nginxResult = byName("nginx");
  for (const metric of metrics(m)) {
    const nginx = nginxResult && !nginxResult.skipped ? metric.value(nginxResult) : undefined;
    lines.push(`| ${metric.label} | ${m.targets.map((t) => cell(metric, t, nginx)).join(" | ")} | | |`);
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
