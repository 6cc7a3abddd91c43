// `npm run bench:push` (issue #20): the client side. `pixvault push <dir>` (the single executable
// as its own client, PIXVAULT_SERVER/PIXVAULT_TOKEN) against `rclone copy <dir>` to rclone's crypt
// remote served over WebDAV (the peer of `npm run bench`), and to the same kind of crypt remote on
// local disk (no HTTP), with 200 × ~500 KB PNGs (the bulk workload's files). Each round gives every
// command a fresh empty destination (pixvault: a new user; rclone: a new directory), times it as a
// whole (process start to exit), checks what arrived, then times the same command again, which
// should send nothing (pixvault skips by sha256, rclone by size). Rounds alternate the commands
// (rotated each round) after one untimed warm-up round; the median round is reported. Before each
// timed command: `sync`, then every server quiet (background previews done).
// Env: BENCH_QUICK=1 (40 files, 1 round), BENCH_PUSH_ROUNDS (3), BENCH_PUSH_PREVIEWS=0 (no
//      previews-on server), BENCH_DIR=dir, PIXVAULT_BIN=binary (else src/ is compiled).
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApiToken, loginToken, registerUser } from "../tests/support/accounts.ts";
import { cleanEnv } from "../tests/support/pixvault.ts";
import { pngOfSize } from "../tests/support/images.ts";
import { config } from "./config.ts";
import { benchBaseDir, machineSummary, syncDisks } from "./lib/machine.ts";
import { cpuOf } from "./lib/proc.ts";
import type { Server } from "./lib/server.ts";
import { envWithout } from "./lib/server.ts";
import { fmt, MIB, sha256Hex } from "./lib/stats.ts";
import { type CryptRemote, cryptRemote, rcloneUnavailable, rcloneVersion, startRclone } from "./peers/rclone.ts";
import { pixvaultBuild, type PixvaultBuild, startPixvault } from "./pixvault.ts";

const rounds = Number(process.env.BENCH_PUSH_ROUNDS ?? (config.quick ? 1 : 3));
const withPreviews = process.env.BENCH_PUSH_PREVIEWS !== "0";
const say = (line: string) => console.error(`[bench:push] ${line}`);

interface Photos {
  dir: string;
  count: number;
  bytes: number;
  sha256s: Set<string>;
}

/** What one command did: wall seconds from spawn to exit, CPU seconds of the client process and of the server. */
interface Run {
  seconds: number;
  clientCpu: number;
  serverCpu: number;
}

/** A fresh destination: the command that copies the photos there, and checks of the result. */
interface Destination {
  command: string[];
  env: Record<string, string>;
  /** Throws unless the output says `sent` files were transferred (and the rest found already there). */
  checkOutput(out: string, sent: number): void;
  /** Throws unless the destination holds exactly the photos. */
  checkStored(): Promise<void>;
}

interface Variant {
  label: string;
  /** The row it is compared with (pixvault rows: rclone over WebDAV at the same concurrency). */
  peerOf?: string;
  server?: Server;
  fresh(tag: string): Promise<Destination>;
}

let logs = 0;
let logDir = "";

/** Runs a command to its end with its output in a log file; throws on a non-zero exit. */
async function timed(command: string[], env: Record<string, string>, server: Server | undefined): Promise<Run & { out: string }> {
  const log = join(logDir, `${String(++logs).padStart(3, "0")}-${command[1]}.log`);
  const fd = openSync(log, "w");
  const before = server ? cpuOf(server.pids()).all : 0;
  const started = performance.now();
  const proc = Bun.spawn(command, { env, stdin: "ignore", stdout: fd, stderr: fd });
  const code = await proc.exited;
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = server ? cpuOf(server.pids()).all - before : 0;
  closeSync(fd);
  const out = readFileSync(log, "utf8");
  if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}:\n${out.slice(-2000)}`);
  const usage = proc.resourceUsage();
  return { seconds, clientCpu: usage ? Number(usage.cpuTime.total) / 1e6 : NaN, serverCpu, out };
}

/** Waits until every server has used < 5 % of a core over 500 ms (background previews, a login's worker). */
async function quiet(servers: Server[]): Promise<void> {
  const until = performance.now() + 120_000;
  for (;;) {
    const before = servers.map((s) => cpuOf(s.pids()).all);
    await Bun.sleep(500);
    const busy = servers.some((s, i) => cpuOf(s.pids()).all - before[i]! > 0.5 * 0.05);
    if (!busy) return;
    if (performance.now() > until) throw new Error("servers still busy after 120 s");
  }
}

function makePhotos(dir: string): Photos {
  mkdirSync(dir, { recursive: true });
  const sha256s = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < config.bulkCount; i++) {
    const png = pngOfSize(config.bulkBytes, i + 1); // the bulk workload's files (bench/run.ts)
    writeFileSync(join(dir, `img-${String(i).padStart(3, "0")}.png`), png);
    sha256s.add(sha256Hex(png));
    bytes += png.length;
  }
  syncDisks();
  return { dir, count: config.bulkCount, bytes, sha256s };
}

function pixvaultVariant(build: PixvaultBuild, server: Server, photos: Photos, work: string, jobs?: number, label?: string): Variant {
  return {
    label: `${label ?? "pixvault push"} ${jobs === undefined ? "(default --jobs 4)" : `--jobs ${jobs}`}`,
    peerOf: `rclone copy → crypt over WebDAV ${jobs === undefined ? "(default --transfers 4)" : `--transfers ${jobs}`}`,
    server,
    fresh: async () => {
      const user = await registerUser(server.url);
      const session = await loginToken(server.url, user.username, user.password);
      const { token } = await createApiToken(server.url, session, user.password, "bench push");
      return {
        command: [...build.command, "push", photos.dir, ...(jobs === undefined ? [] : ["--jobs", String(jobs)])],
        // No PIXVAULT_* of the caller (PIXVAULT_JOBS), and no stored login of the user's.
        env: cleanEnv({ PIXVAULT_SERVER: server.url, PIXVAULT_TOKEN: token, XDG_CONFIG_HOME: join(work, "xdg") }),
        checkOutput: (out, sent) => {
          const m = /push: (\d+) sent .*?, (\d+) already on the server, (\d+) skipped, (\d+) failed/.exec(out);
          const want = [sent, photos.count - sent, 0, 0];
          if (!m || m.slice(1).some((n, i) => Number(n) !== want[i])) throw new Error(`push said ${m?.[0] ?? out.slice(-500)}`);
        },
        checkStored: async () => {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const query = new URLSearchParams({ scope: "mine", limit: "200", ...(cursor ? { cursor } : {}) });
            const res = await fetch(`${server.url}/api/v1/images?${query}`, { headers: { authorization: `Bearer ${token}` } });
            const page = (await res.json()) as { items: { sha256: string }[]; nextCursor: string | null };
            seen.push(...page.items.map((i) => i.sha256));
            cursor = page.nextCursor;
          } while (cursor);
          if (seen.length !== photos.count || !seen.every((s) => photos.sha256s.has(s)) || new Set(seen).size !== photos.count)
            throw new Error(`pixvault lists ${seen.length} images, not the ${photos.count} pushed`);
        },
      };
    },
  };
}

/** `rclone size --json` of a path of a crypt remote, read from its store directly. */
function cryptSize(crypt: CryptRemote, path: string): { count: number; bytes: number } {
  const out = spawnSync("rclone", ["size", "--json", `${crypt.remote}${path}`], { env: crypt.env, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`rclone size failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as { count: number; bytes: number };
}

function rcloneVariant(
  photos: Photos,
  crypt: CryptRemote,
  target: { server: Server; configFile: string } | undefined,
  transfers?: number,
): Variant {
  const where = target ? "crypt over WebDAV" : "crypt on local disk";
  return {
    label: `rclone copy → ${where} ${transfers === undefined ? "(default --transfers 4)" : `--transfers ${transfers}`}`,
    ...(target ? { server: target.server } : {}),
    fresh: async (tag) => {
      const path = `${tag}-${target ? "dav" : "local"}-${transfers ?? "default"}`;
      // Over WebDAV, the client knows the server only by URL (rclone's on-the-fly `:webdav:` remote) and
      // no config of the user's; on local disk it is the crypt remote itself, defined by env variables.
      const destination = target ? [`:webdav:${path}`, "--webdav-url", target.server.url] : [`${crypt.remote}${path}`];
      return {
        command: [
          "rclone",
          "copy",
          photos.dir,
          ...destination,
          "-v",
          ...(transfers === undefined ? [] : ["--transfers", String(transfers)]),
        ],
        env: target ? envWithout(["RCLONE_"], { RCLONE_CONFIG: target.configFile }) : crypt.env,
        checkOutput: (out, sent) => {
          const copied = out.match(/: Copied \(new\)/g)?.length ?? 0;
          if (copied !== sent) throw new Error(`rclone copied ${copied} files, not ${sent}:\n${out.slice(-1000)}`);
        },
        checkStored: async () => {
          const { count, bytes } = cryptSize(crypt, path);
          if (count !== photos.count || bytes !== photos.bytes)
            throw new Error(`the crypt store holds ${count} files (${bytes} B), not ${photos.count} (${photos.bytes} B)`);
        },
      };
    },
  };
}

interface Measured {
  variant: Variant;
  first: Run[];
  again: Run[];
}

function medianRun(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
}

async function measure(work: string): Promise<string> {
  const machine = machineSummary(work);
  const build = pixvaultBuild(join(work, "build"));
  say(`pixvault: ${build.description}; data in ${work}`);
  logDir = join(work, "logs");
  mkdirSync(logDir);
  const photos = makePhotos(join(work, "photos"));
  say(`generated ${photos.count} PNGs, ${fmt(photos.bytes / MIB)} MiB`);

  const servers: Server[] = [];
  const variants: Variant[] = [];
  try {
    const px = await startPixvault(build, join(work, "pixvault"), join(work, "pixvault.log"), 0);
    servers.push(px);
    variants.push(pixvaultVariant(build, px, photos, work), pixvaultVariant(build, px, photos, work, 8));
    if (withPreviews) {
      const pxp = await startPixvault(build, join(work, "pixvault-previews"), join(work, "pixvault-previews.log"), "default");
      servers.push(pxp);
      const label = "pixvault push, previews on";
      variants.push(pixvaultVariant(build, pxp, photos, work, undefined, label), pixvaultVariant(build, pxp, photos, work, 8, label));
    }
    const missing = rcloneUnavailable();
    if (missing) throw new Error(missing);
    const davDir = join(work, "rclone-dav");
    const davCrypt = cryptRemote(davDir);
    const dav = await startRclone(davDir, davCrypt);
    servers.push(dav);
    const clientConfig = join(work, "rclone-client.conf");
    writeFileSync(clientConfig, "");
    const localCrypt = cryptRemote(join(work, "rclone-local"));
    variants.push(
      rcloneVariant(photos, davCrypt, { server: dav, configFile: clientConfig }),
      rcloneVariant(photos, davCrypt, { server: dav, configFile: clientConfig }, 8),
      rcloneVariant(photos, localCrypt, undefined),
      rcloneVariant(photos, localCrypt, undefined, 8),
    );

    const results = variants.map((variant): Measured => ({ variant, first: [], again: [] }));
    const started = performance.now();
    for (let round = -1; round < rounds; round++) {
      const tag = round < 0 ? "warm" : `r${round}`;
      // Rotated each round, so no command always runs right after the same other one.
      const order = results.map((_, i) => results[(i + Math.max(round, 0)) % results.length]!);
      for (const m of order) {
        const dest = await m.variant.fresh(tag);
        syncDisks();
        await quiet(servers);
        const first = await timed(dest.command, dest.env, m.variant.server);
        dest.checkOutput(first.out, photos.count);
        await dest.checkStored();
        syncDisks();
        await quiet(servers);
        const again = await timed(dest.command, dest.env, m.variant.server);
        dest.checkOutput(again.out, 0);
        await dest.checkStored();
        say(
          `${tag} ${m.variant.label}: ${fmt(photos.count / first.seconds)} files/s (${fmt(first.seconds, 2)} s), again ${fmt(again.seconds, 2)} s`,
        );
        if (round >= 0) {
          m.first.push(first);
          m.again.push(again);
        }
      }
    }
    return report(machine, build, photos, results, (performance.now() - started) / 1000);
  } finally {
    for (const s of servers) await s.stop();
  }
}

function report(machine: string, build: PixvaultBuild, photos: Photos, results: Measured[], seconds: number): string {
  const byLabel = new Map(results.map((m) => [m.variant.label, m]));
  const n = photos.count;
  const perFile = (cpu: number, server: boolean) => (server ? fmt((cpu * 1000) / n, 2) : "—");
  const rows = results.map((m) => {
    const r = medianRun(m.first);
    const peer = m.variant.peerOf ? byLabel.get(m.variant.peerOf) : undefined;
    const ratio = peer ? `**${fmt(medianRun(peer.first).seconds / r.seconds, 2)}×**` : "";
    const all = m.first.map((x) => fmt(x.seconds, 2)).join(", ");
    return `| ${m.variant.label} | ${fmt(n / r.seconds)} | ${fmt(photos.bytes / MIB / r.seconds)} | ${fmt(r.seconds, 2)} (${all}) | ${perFile(r.clientCpu, true)} | ${perFile(r.serverCpu, m.variant.server !== undefined)} | ${ratio} |`;
  });
  const againRows = results.map((m) => {
    const r = medianRun(m.again);
    const peer = m.variant.peerOf ? byLabel.get(m.variant.peerOf) : undefined;
    const ratio = peer ? `${fmt(medianRun(peer.again).seconds / r.seconds, 2)}×` : "";
    const all = m.again.map((x) => fmt(x.seconds * 1000, 0)).join(", ");
    return `| ${m.variant.label} | ${fmt(r.seconds * 1000, 0)} (${all}) | ${fmt(r.clientCpu * 1000, 0)} | ${m.variant.server ? fmt(r.serverCpu * 1000, 0) : "—"} | ${ratio} |`;
  });
  return [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC in ${fmt(seconds, 0)} s (${rounds} timed round${rounds === 1 ? "" : "s"} after a warm-up round), on ${machine}.`,
    `pixvault: ${build.description}, serving with --preview-workers 0${withPreviews ? ' (and a second server with the default 1 worker for the "previews on" rows)' : ""}; rclone ${rcloneVersion()}.`,
    `${n} PNGs of ${fmt(photos.bytes / n / 1000, 0)} KB on average (${fmt(photos.bytes / MIB)} MiB), page cache warm.`,
    "",
    `| command (fresh empty destination) | files/s | MiB/s | wall s, median (rounds) | client CPU ms/file | server CPU ms/file | pixvault ÷ rclone WebDAV |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `| the same command again (nothing to send) | wall ms, median (rounds) | client CPU ms | server CPU ms | pixvault ÷ rclone WebDAV (speed) |`,
    "|---|---:|---:|---:|---:|",
    ...againRows,
  ].join("\n");
}

const missing = rcloneUnavailable();
if (missing) {
  say("checking the peers (bench/setup-peers.sh)");
  spawnSync("sh", [join(import.meta.dir, "setup-peers.sh")], { stdio: ["ignore", "inherit", "inherit"] });
}
const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-push-"));
try {
  console.log(await measure(work));
} finally {
  rmSync(work, { recursive: true, force: true });
}
