// SPEC §8's preview workloads against the real server (the single executable), pixvault only,
// with vipsthumbnail as the peer. Each returns numbers; bench/preview-report.ts formats them.
//   photos:  N 12 MP JPEGs stored by a server without the pool, then a server with one worker
//            started on that data dir: time and server CPU until every preview is made;
//            vipsthumbnail on the same files before and after; the grid's bytes (originals vs
//            thumbs); HEIC previews one at a time on the live server.
//   large:   24 MP photos stored the same way, then previews made at the default concurrency
//            (no --preview-workers flag): the server's VmHWM since its start; JPEGs and HEIC
//            on separate servers, so each peak is its own.
//   uploads: the 500 KB upload workload at c8 against a server with previews off and one with
//            them on (rounds alternating), and how long after the last upload the previews take.
import { join } from "node:path";
import { loginToken, registerUser } from "../tests/support/accounts.ts";
import { cpuOf, memoryOf } from "./lib/proc.ts";
import type { Server } from "./lib/server.ts";
import { pool } from "./lib/stats.ts";
import { type PeerRun, vipsthumbnailBoth, vipsthumbnailUnavailable } from "./lib/vipsthumbnail.ts";
import { type PixvaultBuild, startPixvault } from "./pixvault.ts";
import { targetKinds } from "./targets.ts";
import * as w from "./workloads.ts";

/** The 12 MP HEIC is uploaded this many times, one after another (the first also starts the decoder's worker). */
export const HEIC_UPLOADS = 3;

export type Outcome<T> = T | { failed: string } | { skipped: string };

/** `run`'s value, or its failure as a value (one workload's failure does not lose the others' numbers). */
export async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (e) {
    return { failed: e instanceof Error ? e.message : String(e) };
  }
}

interface Client {
  server: Server;
  token: string;
  upload(name: string, body: Blob | Uint8Array): Promise<string>;
}

async function client(server: Server, account?: { username: string; password: string }): Promise<Client & { account: typeof account }> {
  const user = account ?? (await registerUser(server.url));
  const token = await loginToken(server.url, user.username, user.password);
  return {
    server,
    token,
    account: { username: user.username, password: user.password },
    upload: async (name, body) => {
      const res = await fetch(`${server.url}/api/v1/images?${new URLSearchParams({ filename: name })}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body,
      });
      if (res.status !== 201) throw new Error(`upload of ${name}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      return ((await res.json()) as { created: { id: string }[] }).created[0]!.id;
    },
  };
}

/** A stage's /metrics gauges (open: the bench sets no metrics token): previews, or analysis (which follows them). */
type Stage = "previews" | "analysis";
async function previewCounts(server: Server, stage: Stage = "previews"): Promise<{ pending: number; ready: number; failed: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^pixvault_${stage}_${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { pending: gauge("pending"), ready: gauge("ready"), failed: gauge("failed") };
}

/** Polls /metrics every `everyMs` until nothing of `stage` is pending; seconds waited. Throws past `timeoutS` or on a failure. */
async function untilNonePending(server: Server, timeoutS: number, everyMs = 100, stage: Stage = "previews"): Promise<number> {
  const started = performance.now();
  for (;;) {
    const c = await previewCounts(server, stage);
    if (c.failed > 0) throw new Error(`${c.failed} images failed ${stage} (server log: ${server.logTail().slice(-500)})`);
    if (c.pending === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutS * 1000) throw new Error(`${c.pending} ${stage} still pending after ${timeoutS} s`);
    await Bun.sleep(everyMs);
  }
}

/** Stores `files` through a server without the preview pool (nothing is made yet); the account for the next start. */
async function storeWithoutPreviews(build: PixvaultBuild, dir: string, files: string[]) {
  const server = await startPixvault(build, join(dir, "data"), join(dir, "pixvault.log"), 0);
  try {
    const c = await client(server);
    await pool(files.length, 4, async (i) => void (await c.upload(`photo-${i}.jpg`, Bun.file(files[i]!))));
    return c.account!;
  } finally {
    await server.stop();
  }
}

export interface PhotoResults {
  count: number;
  originalBytes: number;
  /** One worker: from the server's readiness to no preview pending. */
  seconds: number;
  cpuSeconds: number;
  /** From the same start until the analysis stage (its own worker, beside the previews) was done too, and the CPU by then. */
  analysisSeconds: number;
  analysisCpuSeconds: number;
  /** VmHWM of that server since its start (analysis included), MiB. */
  peak: number;
  vips: Outcome<{ before: PeerRun; after: PeerRun }>;
  grid: Outcome<{ count: number; originals: number; thumbs: number; displays: number }>;
  heic: Outcome<{ seconds: number[]; bytes: number }>;
}

/** Workloads 1, 2 and 5 (see the file's head). */
export async function photoPreviews(
  build: PixvaultBuild,
  dir: string,
  files: string[],
  heic: Outcome<string>,
  say: (line: string) => void,
): Promise<PhotoResults> {
  const account = await storeWithoutPreviews(build, dir, files);
  const originalBytes = files.reduce((sum, f) => sum + Bun.file(f).size, 0);
  const peer = () => (vipsthumbnailUnavailable() ? undefined : vipsthumbnailBoth(files, join(dir, `vips-${performance.now()}`)));
  let before: PeerRun | undefined;
  try {
    before = peer();
    if (before) say(`vipsthumbnail before: ${(files.length / before.seconds).toFixed(2)} images/s`);
  } catch (e) {
    say(`vipsthumbnail failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  const server = await startPixvault(build, join(dir, "data"), join(dir, "pixvault-1-worker.log"), 1);
  try {
    const cpu0 = cpuOf(server.pids()).all;
    const seconds = await untilNonePending(server, 1800);
    const cpuSeconds = cpuOf(server.pids()).all - cpu0;
    const analysisSeconds = seconds + (await untilNonePending(server, 1800, 100, "analysis"));
    const analysisCpuSeconds = cpuOf(server.pids()).all - cpu0;
    const peak = memoryOf(server.pids()).peak;
    say(
      `pixvault: ${files.length} photos' previews in ${seconds.toFixed(1)} s (${(files.length / seconds).toFixed(2)} images/s), analysed by ${analysisSeconds.toFixed(1)} s`,
    );
    const c = await client(server, account);
    const grid = await outcome(() => gridBytes(c, 40));
    const heicRun = typeof heic === "string" ? await outcome(() => heicPreviews(c, heic, HEIC_UPLOADS)) : heic;
    const after = before ? peer() : undefined;
    const vips: PhotoResults["vips"] =
      before && after ? { before, after } : { skipped: vipsthumbnailUnavailable() ?? "vipsthumbnail failed (see the log)" };
    return {
      count: files.length,
      originalBytes,
      seconds,
      cpuSeconds,
      analysisSeconds,
      analysisCpuSeconds,
      peak,
      vips,
      grid,
      heic: heicRun,
    };
  } finally {
    await server.stop();
  }
}

/** What a grid of the newest `count` images downloads: their originals vs their thumb previews. */
async function gridBytes(c: Client, count: number): Promise<{ count: number; originals: number; thumbs: number; displays: number }> {
  const auth = { authorization: `Bearer ${c.token}` };
  const res = await fetch(`${c.server.url}/api/v1/images?limit=${count}`, { headers: auth });
  const items = ((await res.json()) as { items: { id: string; size: number }[] }).items;
  const fetched = async (id: string, size: string) => {
    const r = await fetch(`${c.server.url}/api/v1/images/${id}/preview?size=${size}`, { headers: auth });
    if (r.status !== 200) throw new Error(`preview ${size} of ${id}: ${r.status}`);
    return (await r.arrayBuffer()).byteLength;
  };
  let thumbs = 0;
  let displays = 0;
  for (const item of items) {
    thumbs += await fetched(item.id, "thumb");
    displays += await fetched(item.id, "display");
  }
  return { count: items.length, originals: items.reduce((sum, i) => sum + i.size, 0), thumbs, displays };
}

/** Uploads `file` `times` times, one after another, each timed from its upload's answer to its previews being ready. */
async function heicPreviews(c: Client, file: string, times: number): Promise<{ seconds: number[]; bytes: number }> {
  const seconds: number[] = [];
  for (let i = 0; i < times; i++) {
    const id = await c.upload(`heic-${i}.heic`, Bun.file(file));
    const started = performance.now();
    for (;;) {
      const res = await fetch(`${c.server.url}/api/v1/images/${id}`, { headers: { authorization: `Bearer ${c.token}` } });
      const status = ((await res.json()) as { image: { previews: { status: string; reason?: string } } }).image.previews;
      if (status.status === "failed") throw new Error(`HEIC previews failed: ${status.reason}`);
      if (status.status === "ready") break;
      if (performance.now() - started > 120_000) throw new Error("HEIC previews not ready after 120 s");
      await Bun.sleep(25);
    }
    seconds.push((performance.now() - started) / 1000);
  }
  return { seconds, bytes: Bun.file(file).size };
}

export interface LargeResults {
  /** Which files: "6 baseline + 2 progressive JPEGs", "HEIC". */
  label: string;
  count: number;
  seconds: number;
  /** RSS once started, before the first preview, MiB. */
  idle: number;
  /** VmHWM since the start, MiB (sampled VmRSS as a cross-check). */
  peak: number;
  sampled: number;
}

/** Workload 3: previews of `files` at the default concurrency; the server's peak memory. */
export async function largePreviews(build: PixvaultBuild, dir: string, label: string, files: string[]): Promise<LargeResults> {
  await storeWithoutPreviews(build, dir, files);
  const server = await startPixvault(build, join(dir, "data"), join(dir, "pixvault-default.log"), "default");
  try {
    const idle = memoryOf(server.pids()).rss;
    let sampled = idle;
    const timer = setInterval(() => (sampled = Math.max(sampled, memoryOf(server.pids()).rss)), 25);
    // The peak covers the analysis stage too (the label model beside the decodes).
    const seconds = await untilNonePending(server, 1800)
      .then(async (previews) => previews + (await untilNonePending(server, 1800, 100, "analysis")))
      .finally(() => clearInterval(timer));
    return { label, count: files.length, seconds, idle, peak: memoryOf(server.pids()).peak, sampled };
  } finally {
    await server.stop();
  }
}

export interface UploadResults {
  off: w.Transfer;
  on: w.Transfer;
  /** Per round: seconds from the last upload's answer until no preview was pending. */
  drains: number[];
  /** Per round: previews still pending when the last upload was answered. */
  pendingAfter: number[];
}

/** Workload 4: the bulk upload with previews off (--preview-workers 0) and on (the default). */
export async function uploadsWithPreviews(
  build: PixvaultBuild,
  dir: string,
  bulk: w.Payload[],
  warm: w.Payload[],
  rounds: number,
  say: (line: string) => void,
): Promise<UploadResults> {
  const kind = targetKinds(build).find((k) => k.name === "pixvault")!;
  const off = await kind.connect(await startPixvault(build, join(dir, "off", "data"), join(dir, "off", "pixvault.log"), 0));
  try {
    const on = await kind.connect(await startPixvault(build, join(dir, "on", "data"), join(dir, "on", "pixvault.log"), "default"));
    try {
      for (const t of [off, on]) await w.warmUp(t, warm, 8, 3);
      await untilNonePending(on.server, 600);
      const ups: Record<"off" | "on", w.Transfer[]> = { off: [], on: [] };
      const drains: number[] = [];
      const pendingAfter: number[] = [];
      for (let round = 0; round < rounds; round++) {
        ups.off.push(await w.bulkUpload(off, bulk, 8, `r${round}-`));
        ups.on.push(await w.bulkUpload(on, bulk, 8, `r${round}-`));
        pendingAfter.push((await previewCounts(on.server)).pending);
        drains.push(await untilNonePending(on.server, 600, 50));
        say(
          `uploads round ${round + 1}: previews off ${ups.off.at(-1)!.mibs.toFixed(1)} MiB/s, on ${ups.on.at(-1)!.mibs.toFixed(1)} MiB/s, previews ready ${drains.at(-1)!.toFixed(1)} s after`,
        );
      }
      return { off: w.medianRun(ups.off)!, on: w.medianRun(ups.on)!, drains, pendingAfter };
    } finally {
      await on.server.stop();
    }
  } finally {
    await off.server.stop();
  }
}
