// `npm run bench`: SPEC §7's performance table, pixvault beside its peers in one run — nginx
// WebDAV (the unencrypted ceiling) and rclone's crypt remote over WebDAV (the encrypted peer the
// targets are ratios to) — and beside this machine's limits (disk write+fsync, AES-256-GCM,
// loopback HTTP). pixvault alone also serves its zip archives (issue 6:
// bench/archive-downloads.ts) beside `zip -0` of the same files, and makes previews (SPEC §8:
// bench/preview-suite.ts) beside vipsthumbnail; the other workloads run their pixvault without
// the preview pool. Installs the peers and zip/unzip if missing (bench/setup-peers.sh), prints a
// markdown section and writes it into bench/RESULTS.md. The delete workload runs last and nothing
// else is deleted until the run ends: on ext4 without a journal, creating files costs up to 6×
// more for minutes after many were deleted (bench/lib/machine.ts), which would penalise whatever
// runs next; for the same reason leave ~5 minutes after a run or `npm test` before the next run.
// Env: BENCH_QUICK=1 (small counts, RESULTS.md untouched unless BENCH_WRITE=1),
//      BENCH_TARGETS=nginx,rclone,pixvault (a subset), BENCH_SMALL_SECONDS, BENCH_COLD_RUNS,
//      BENCH_LOGIN_SECONDS, BENCH_SKIP_1G=1, BENCH_ARCHIVE_RUNS, BENCH_ARCHIVE_LARGE_RUNS,
//      BENCH_BULK_ROUNDS (3), BENCH_WARM_SECONDS (3), BENCH_SKIP_PREVIEWS=1, BENCH_DIR=dir,
//      PIXVAULT_BIN=binary (else src/ is compiled).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { registerUser } from "../tests/support/accounts.ts";
import { pngOfSize } from "../tests/support/images.ts";
import { bulkArchive, largeArchive, largeArchiveSkipReason } from "./archive-downloads.ts";
import type { ArchiveWorkload } from "./archive-downloads.ts";
import type { ArchiveResults, Outcome } from "./archive-report.ts";
import { config } from "./config.ts";
import { measureLogins } from "./lib/logins.ts";
import {
  aesGcmDecryptLimit,
  benchBaseDir,
  copyAndSync,
  diskCeiling,
  filesystemOf,
  machineSummary,
  opensslAesGcm,
  syncDisks,
} from "./lib/machine.ts";
import { writeNoisePngFile } from "./lib/png-file.ts";
import { fmt, median, sha256Hex } from "./lib/stats.ts";
import { describePhotos, uploadPhotos } from "./lib/upload-photos.ts";
import { pixvaultBuild } from "./pixvault.ts";
import { measurePreviews } from "./preview-suite.ts";
import { renderReport, updateResults, type Measurements } from "./report.ts";
import { Roster, stopAll } from "./roster.ts";
import { targetKinds, webdavUrl, type Target, type TargetName } from "./targets.ts";
import * as w from "./workloads.ts";

const started = performance.now();
const say = (line: string) => console.error(`[${fmt((performance.now() - started) / 1000)} s] ${line}`);
const withPayload = (bytes: Uint8Array) => ({ bytes, sha256: sha256Hex(bytes) });

interface Inputs {
  /** Half JPEGs, half PNGs (bench/lib/upload-photos.ts), as are warm and smalls. */
  bulk: w.Payload[];
  warm: w.Payload[];
  smalls: Uint8Array[];
  largeFile: string;
  large: { size: number; sha256: string };
  described: Measurements["inputs"];
}

/** Made before any server starts, so generating them never competes with one. */
async function makeInputs(work: string): Promise<Inputs> {
  const largeFile = join(work, "large.png");
  const bulk = await uploadPhotos(config.bulkCount, config.bulkBytes, 1);
  const smalls = await uploadPhotos(256, config.smallBytes, 1_000_000);
  const inputs = {
    bulk: bulk.map((p) => withPayload(p.bytes)),
    warm: (await uploadPhotos(16, config.bulkBytes, 2_000_000)).map((p) => withPayload(p.bytes)),
    smalls: smalls.map((p) => p.bytes),
    largeFile,
    large: writeNoisePngFile(largeFile, config.largeBytes, 42),
    described: { bulk: describePhotos(bulk), small: describePhotos(smalls) },
  };
  say(`generated ${inputs.described.bulk}; ${inputs.described.small}; one ${inputs.large.size} B PNG`);
  return inputs;
}

/** The preview suite's upload workload is measured on 500 KB noise PNGs, as in `npm run bench:previews`. */
function previewPayloads(): { bulk: w.Payload[]; warm: w.Payload[] } {
  return {
    bulk: Array.from({ length: config.bulkCount }, (_, i) => withPayload(pngOfSize(config.bulkBytes, i + 1))),
    warm: Array.from({ length: 16 }, (_, i) => withPayload(pngOfSize(config.bulkBytes, 2_000_000 + i))),
  };
}

async function coldStarts(roster: Roster, work: string, stored: w.Payload[]): Promise<void> {
  for (const kind of roster.runnable) {
    const cold = await roster.attempt(kind.name, ["cold"], () =>
      w.coldStarts(kind, join(work, kind.name, "cold"), config.coldStartRuns, stored),
    );
    roster.result(kind.name).cold = cold;
    if (cold) say(`${kind.name}: cold start ${fmt(median(cold.existing))} ms (empty dir ${fmt(cold.fresh)} ms)`);
  }
}

/**
 * Workloads 1 and 2 on one server per target; each workload runs on every target before the next
 * starts. Then pixvault's zip of the bulk images, once its working peak has been read.
 */
async function bulkAndSmall(roster: Roster, inputs: Inputs, work: string, archives: ArchiveResults): Promise<void> {
  const live = await roster.startAll("bulk", ["bulkUp", "bulkDown", "small"]);
  try {
    for (const [name, t] of live)
      await roster.attempt(name, ["bulkUp", "bulkDown", "small"], () =>
        w.warmUp(t, inputs.warm, config.bulkConcurrency, config.warmSeconds),
      );
    // Rounds interleaved across the servers, so a drift of this disk or CPU hits every one;
    // each server's median round is reported. Round 0's names are the ones downloaded.
    const ups = new Map<TargetName, w.Transfer[]>();
    const downs = new Map<TargetName, w.Transfer[]>();
    for (let round = 0; round < config.bulkRounds; round++) {
      for (const [name, t] of live) {
        syncDisks();
        const up = await roster.attempt(name, ["bulkUp", "bulkDown"], () =>
          w.bulkUpload(t, inputs.bulk, config.bulkConcurrency, `r${round}-`),
        );
        if (up) ups.set(name, [...(ups.get(name) ?? []), up]);
        if (up) say(`${name}: bulk upload ${fmt(up.mibs)} MiB/s (round ${round + 1} of ${config.bulkRounds})`);
      }
    }
    for (let round = 0; round < config.bulkRounds; round++) {
      for (const [name, t] of live) {
        if (!ups.has(name)) continue;
        const down = await roster.attempt(name, ["bulkDown"], () => w.bulkDownload(t, inputs.bulk, config.bulkConcurrency, "r0-"));
        if (down) downs.set(name, [...(downs.get(name) ?? []), down]);
        if (down) say(`${name}: bulk download ${fmt(down.mibs)} MiB/s (round ${round + 1} of ${config.bulkRounds})`);
      }
    }
    for (const [name, runs] of ups) {
      roster.result(name).bulkUp = w.medianRun(runs);
      roster.result(name).cpu.up = median(runs.map(w.cpuPerMiB));
    }
    for (const [name, runs] of downs) {
      roster.result(name).bulkDown = w.medianRun(runs);
      roster.result(name).cpu.down = median(runs.map(w.cpuPerMiB));
    }
    for (const [name, t] of live) {
      syncDisks();
      const small = await roster.attempt(name, ["small"], () =>
        w.smallUploads(t, inputs.smalls, config.smallSeconds, config.smallConcurrency),
      );
      roster.result(name).small = small;
      if (small) roster.result(name).cpu.small = w.cpuPerRequest(small);
      roster.result(name).workPeak = t.rss().peak;
      if (small)
        say(
          `${name}: small uploads ${fmt(small.perSecond, 0)}/s, p50 ${fmt(small.p50)} ms, p99 ${fmt(small.p99)} ms, ${small.errors} errors`,
        );
    }
    const px = live.get("pixvault");
    if (px && roster.result("pixvault").bulkUp) {
      syncDisks();
      archives.bulk = await archiveOutcome(roster, "archive", () =>
        bulkArchive(px, inputs.bulk, join(work, "archive-bulk"), config.archiveRuns, "r0-"),
      );
    }
  } finally {
    await stopAll(live);
  }
}

/**
 * The delete workload, last (see the file's head), on fresh servers: the delete path warmed up on
 * the warm-up files, then per round the bulk images stored (untimed) and deleted at c8, the rounds
 * interleaved across the servers like the bulk ones.
 */
async function deletes(roster: Roster, inputs: Inputs): Promise<void> {
  const live = await roster.startAll("delete", ["delete"]);
  const c = config.bulkConcurrency;
  try {
    for (const [name, t] of live)
      await roster.attempt(name, ["delete"], async () => {
        await w.bulkUpload(t, inputs.warm, c, "warm-");
        await w.bulkDelete(t, inputs.warm, c, "warm-");
      });
    const runs = new Map<TargetName, w.Transfer[]>();
    for (let round = 0; round < config.bulkRounds; round++) {
      for (const [name, t] of live) await roster.attempt(name, ["delete"], () => w.bulkUpload(t, inputs.bulk, c, `d${round}-`));
      for (const [name, t] of live) {
        syncDisks();
        const d = await roster.attempt(name, ["delete"], () => w.bulkDelete(t, inputs.bulk, c, `d${round}-`));
        if (!d) continue;
        runs.set(name, [...(runs.get(name) ?? []), d]);
        say(`${name}: deletes ${fmt(d.perSecond, 0)}/s (round ${round + 1} of ${config.bulkRounds})`);
      }
    }
    for (const [name, r] of runs) {
      roster.result(name).delete = w.medianRun(r);
      roster.result(name).cpu.delete = median(r.map(w.cpuPerRequest));
    }
  } finally {
    await stopAll(live);
  }
}

type Extras = Pick<Measurements, "loopback" | "huge" | "logins">;

/** pixvault's archive workload through the roster (a failure becomes a note), as an outcome for the report. */
async function archiveOutcome(
  roster: Roster,
  workload: "archive" | "archiveLarge",
  run: () => Promise<ArchiveWorkload>,
): Promise<Outcome<ArchiveWorkload>> {
  const r = await roster.attempt("pixvault", [workload], run);
  if (!r) return { failed: roster.result("pixvault").errors[workload] ?? "failed" };
  const d = r.download;
  say(
    `pixvault: zip of ${r.files}: ${fmt(d.mibs)} MiB/s (zip -0 ${"mibs" in r.zip ? `${fmt(r.zip.mibs)} MiB/s` : r.zip.skipped}), TTFB ${fmt(d.ttfbMedian)} ms, peak RSS ${fmt(d.peak)} MiB`,
  );
  return r;
}

/** Workload 3 and idle memory on fresh servers, then what needs a server that holds the large file, and pixvault's ~1 GiB zip. */
async function largeTransfers(
  roster: Roster,
  inputs: Inputs,
  work: string,
  disk: Measurements["disk"],
  archives: ArchiveResults,
): Promise<Extras> {
  const extras: Extras = {
    loopback: { skipped: "nginx did not run" },
    huge: { skipped: config.skipHuge ?? "pixvault did not run" },
    logins: { skipped: "pixvault did not run" },
  };
  syncDisks();
  const live = await roster.startAll("large", ["large"]);
  try {
    // Idle means idle: start-up garbage settled, and pixvault's password-strength worker (started
    // by the harness's sign-up, ended after 2 quiet seconds) gone.
    await Bun.sleep(config.settleMs);
    for (const [name, t] of live) roster.result(name).idle = t.rss().rss;
    disk.largeCopy = await copyAndSync(inputs.largeFile, join(work, "large.copy"));
    for (const [name, t] of live) {
      syncDisks();
      const r = await roster.attempt(name, ["large"], () => w.largeRoundTrip(t, inputs.largeFile, inputs.large, "large.png"));
      roster.result(name).large = r;
      if (r)
        say(
          `${name}: large file up ${fmt(r.up.mibs)} MiB/s, down ${fmt(r.down.mibs)} MiB/s, peaks ${fmt(r.upPeak, 0)} / ${fmt(r.downPeak, 0)} MiB`,
        );
    }
    const nginx = live.get("nginx");
    if (nginx && roster.result("nginx").large) extras.loopback = await loopback(webdavUrl(nginx.server, "large.png"));
    const px = live.get("pixvault");
    if (px) {
      if (config.skipHuge === undefined) extras.huge = await hugeRoundTrip(roster, px, inputs, work, disk);
      const skip = largeArchiveSkipReason(filesystemOf(work).availKiB * 1024, config.archiveLargeCount, config.largeBytes);
      syncDisks();
      archives.large = skip
        ? { skipped: skip }
        : await archiveOutcome(roster, "archiveLarge", () =>
            largeArchive(px, config.archiveLargeCount, config.largeBytes, join(work, "archive-large"), config.archiveLargeRuns),
          );
      extras.logins = await logins(px);
    }
  } finally {
    await stopAll(live);
  }
  return extras;
}

/** Loopback HTTP on this machine: the large file as nginx sends it (sendfile), drained by Bun's fetch and by curl. */
async function loopback(url: string): Promise<Measurements["loopback"]> {
  const r = { fetch: await w.drainedGet(url, config.loopbackTimes), curl: w.curlGet(url, config.loopbackTimes) };
  say(`loopback GET from nginx: ${fmt(r.fetch)} MiB/s (Bun fetch), ${fmt(r.curl ?? NaN)} MiB/s (curl)`);
  return r;
}

/** pixvault only: 1 GiB up and down, when the disk has room and the 200 MiB rates say it fits the time budget. */
async function hugeRoundTrip(
  roster: Roster,
  px: Target,
  inputs: Inputs,
  work: string,
  disk: Measurements["disk"],
): Promise<Measurements["huge"]> {
  const large = roster.result("pixvault").large;
  if (!large) return { skipped: "the large round trip failed" };
  const skip = w.hugeSkipReason(filesystemOf(work).availKiB * 1024, config.hugeBytes, large, inputs.large.size, config.hugeBudgetSeconds);
  if (skip) return { skipped: skip };
  const file = join(work, "huge.png");
  try {
    const expected = writeNoisePngFile(file, config.hugeBytes, 43);
    disk.hugeCopy = await copyAndSync(file, join(work, "huge.copy"));
    syncDisks();
    const r = await w.largeRoundTrip(px, file, expected, "huge.png");
    say(`pixvault: 1 GiB up ${fmt(r.up.mibs)} MiB/s, down ${fmt(r.down.mibs)} MiB/s`);
    return r;
  } catch (e) {
    return { skipped: `failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    rmSync(file, { force: true });
  }
}

async function logins(px: Target): Promise<Measurements["logins"]> {
  try {
    const users = [];
    for (let i = 0; i < Math.max(...config.loginConcurrencies); i++) users.push(await registerUser(px.server.url));
    const rates = [];
    for (const c of config.loginConcurrencies) {
      rates.push({ concurrency: c, rate: await measureLogins(px.server.url, users, config.loginSeconds, c) });
    }
    say(`pixvault: logins/s ${rates.map((l) => `${fmt(l.rate.perSecond, 0)} at c${l.concurrency}`).join(", ")}`);
    return rates;
  } catch (e) {
    return { skipped: `failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Every measurement of one run, with servers and files under `work`. */
async function measure(work: string): Promise<Measurements> {
  const machine = machineSummary(work);
  const pixvault = pixvaultBuild(join(work, "build"));
  say(`pixvault: ${pixvault.description}; data in ${work}`);
  const roster = new Roster(
    targetKinds(pixvault).filter((k) => !wanted || wanted.includes(k.name)),
    work,
    say,
  );
  const inputs = await makeInputs(work);

  // Machine limits first and last (the disk drifts on a shared VM), cold starts while all is quiet.
  const openssl = opensslAesGcm(config.opensslSeconds);
  say(`openssl aes-256-gcm: ${"mbs" in openssl ? `${fmt(openssl.mbs, 0)} MB/s` : openssl.skipped}`);
  const decrypt = aesGcmDecryptLimit(config.decryptMiB, config.decryptPasses);
  say(`AES-256-GCM decrypt in Bun (node:crypto, 64 KiB segments): ${fmt(decrypt.best, 0)} MiB/s`);
  const archives: ArchiveResults = { bulk: undefined, large: undefined, decrypt };
  const ceiling = async (when: string) => {
    const d = await diskCeiling(
      join(work, `fsync-${when}`),
      inputs.bulk.map((b) => b.bytes),
      config.bulkConcurrency,
      inputs.smalls,
      config.smallConcurrency,
      config.diskSmallSeconds,
    );
    say(`disk ceiling ${when}: ${fmt(d.bulkMiBs)} MiB/s, ${fmt(d.smallFilesPerSecond, 0)} files/s`);
    return d;
  };
  const disk: Measurements["disk"] = { smallSeconds: config.diskSmallSeconds };
  disk.before = await ceiling("before");
  await coldStarts(roster, work, inputs.warm);
  await bulkAndSmall(roster, inputs, work, archives);
  const extras = await largeTransfers(roster, inputs, work, disk, archives);
  disk.after = await ceiling("after");
  // After the others, so their rows keep their disk ceilings; its own servers, pixvault only.
  let previews: Measurements["previews"];
  if (roster.runnable.some((k) => k.name === "pixvault")) {
    if (config.skipPreviews) previews = { skipped: config.skipPreviews };
    else {
      const payloads = previewPayloads();
      previews = await measurePreviews(pixvault, join(work, "previews"), payloads.bulk, payloads.warm, say);
    }
  }
  await deletes(roster, inputs);

  return {
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    machine,
    quick: config.quick,
    seconds: (performance.now() - started) / 1000,
    inputs: inputs.described,
    sizes: {
      bulkCount: config.bulkCount,
      bulkBytes: config.bulkBytes,
      bulkConcurrency: config.bulkConcurrency,
      smallBytes: config.smallBytes,
      smallConcurrency: config.smallConcurrency,
      smallSeconds: config.smallSeconds,
      largeMiB: Math.round(inputs.large.size / 2 ** 20),
      coldStartRuns: config.coldStartRuns,
      coldStored: inputs.warm.length,
      archiveLargeCount: config.archiveLargeCount,
    },
    targets: [...roster.results.values()],
    disk,
    openssl,
    archives,
    ...extras,
    ...(previews ? { previews } : {}),
  };
}

const wanted = process.env.BENCH_TARGETS?.split(",").map((s) => s.trim());
{
  // The peers when any is wanted; zip and unzip (the archive baseline and check) always.
  const peers = !wanted || wanted.some((name) => name !== "pixvault");
  say(`checking the ${peers ? "peers and " : ""}zip tools (bench/setup-peers.sh)`);
  spawnSync("sh", [join(import.meta.dir, "setup-peers.sh"), ...(peers ? [] : ["zip", "unzip"])], {
    stdio: ["ignore", "inherit", "inherit"],
  });
}

const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-"));
let measurements: Measurements;
try {
  measurements = await measure(work);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const section = renderReport(measurements);
console.log(section);
if (config.writeResults) {
  updateResults(join(import.meta.dir, "RESULTS.md"), section);
  say("written to bench/RESULTS.md");
} else {
  say("bench/RESULTS.md left as it was (BENCH_QUICK=1; BENCH_WRITE=1 writes anyway)");
}
