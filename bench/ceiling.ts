// `npm run bench:ceiling`: how far a single Bun event loop gets on SPEC §7's upload and delete
// rows (500 KB and 20 KB uploads, deletes) when it does only the least work each layer of a
// durable encrypted upload needs
// (bench/peers/ceiling-server.ts: bare HTTP, then + a sealed blob fsynced with its directory,
// then + a row committed with a shared WAL fsync), next to rclone's crypt remote and
// pixvault, in one run with the rounds interleaved. Each rung also runs with fsync made a
// no-op (libeatmydata, when installed) to show what durability itself costs. Prints a table;
// RESULTS.md is edited by hand.
// Run: bun bench/ceiling.ts   Env: BENCH_ROUNDS=3  BENCH_SMALL_SECONDS=5  BENCH_DELETES=1000  PIXVAULT_BIN=dist/pixvault
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { benchBaseDir } from "./lib/machine.ts";
import { envWithout, freePort, spawnServer, type Server } from "./lib/server.ts";
import { fmt, median } from "./lib/stats.ts";
import { uploadPhotos } from "./lib/upload-photos.ts";
import { memoryOf, resetPeak } from "./lib/proc.ts";
import { type Target, type TargetKind, targetKinds, webdavUrl } from "./targets.ts";
import * as w from "./workloads.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const smallSeconds = Number(process.env.BENCH_SMALL_SECONDS ?? 5);
// More than the SPEC's 200: rclone deletes 200 files in ~20 ms here, too short for /proc's CPU ticks.
const deleteCount = Number(process.env.BENCH_DELETES ?? 1000);
const EATMYDATA = "/usr/lib/x86_64-linux-gnu/libeatmydata.so";
/** A command prefix that makes fsync a no-op for the server it starts, when libeatmydata is installed. */
const noFsync = existsSync(EATMYDATA) ? ["env", `LD_PRELOAD=${EATMYDATA}`] : undefined;
const binary = process.env.PIXVAULT_BIN ?? join(import.meta.dir, "../dist/pixvault");

interface Contender {
  readonly label: string;
  start(dir: string): Promise<Server>;
  connect(server: Server): Promise<Target>;
}

function rung(name: "http" | "blob" | "row", prefix: string[] = []): Contender {
  return {
    label: `ceiling: ${name}${prefix.length > 0 ? ", fsync a no-op" : ""}`,
    async start(dir) {
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      return spawnServer({
        command: [...prefix, process.execPath, join(import.meta.dir, "peers/ceiling-server.ts"), String(port), dir],
        env: envWithout([], { CEILING_RUNG: name }),
        logFile: join(dir, "server.log"),
        healthUrl: `${url}/`,
        url,
      });
    },
    connect: async (server) => bareTarget(server),
  };
}

function bareTarget(server: Server): Target {
  const expect = async (res: Response, status: number, what: string) => {
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`${what}: ${res.status}`);
  };
  return {
    name: "pixvault",
    server,
    rss: () => memoryOf(server.pids()),
    resetPeak: () => resetPeak(server.pids()),
    upload: async (file, body) => expect(await fetch(webdavUrl(server, file), { method: "POST", body }), 201, `upload of ${file}`),
    download: () => Promise.reject(new Error("the ceiling server does not serve downloads")),
    remove: async (file) => expect(await fetch(webdavUrl(server, file), { method: "DELETE" }), 204, `delete of ${file}`),
  };
}

/** rclone crypt or pixvault as `npm run bench` starts them; pixvault from `command`. */
function peer(name: "rclone" | "pixvault", command: string[], label?: string): TargetKind {
  const kind = targetKinds({ command, description: command.join(" ") }).find((k) => k.name === name)!;
  return label ? { ...kind, label } : kind;
}

const rclone = peer("rclone", [binary]);
const contenders: Contender[] = [
  ...(rclone.unavailable() ? [] : [rclone]),
  rung("http"),
  rung("blob"),
  rung("row"),
  ...(noFsync ? [rung("blob", noFsync), rung("row", noFsync)] : []),
  peer("pixvault", [binary]),
  ...(noFsync ? [peer("pixvault", [...noFsync, binary], "pixvault, fsync a no-op")] : []),
];

const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-ceiling-"));
const smalls = (await uploadPhotos(256, 20_000, 1_000_000)).map((p) => p.bytes);
const deletes = (await uploadPhotos(deleteCount, 20_000, 3_000_000)).map((p) => ({ bytes: p.bytes }));
const bulk = (await uploadPhotos(200, 500_000, 1)).map((p) => ({ bytes: p.bytes }));
const results = new Map<string, { bulk: w.Transfer[]; small: w.Transfer[]; delBulk: w.Transfer[]; del: w.Transfer[] }>();
try {
  const live: { contender: Contender; target: Target }[] = [];
  for (const [i, contender] of contenders.entries()) {
    const server = await contender.start(join(work, String(i)));
    live.push({ contender, target: await contender.connect(server) });
    results.set(contender.label, { bulk: [], small: [], delBulk: [], del: [] });
  }
  for (const { target } of live) {
    await w.bulkUpload(target, bulk.slice(0, 48), 8, "warm-");
    await w.smallUploads({ ...target, upload: (f, b) => target.upload(`warm-${f}`, b) }, smalls, 2, 16);
  }
  for (let round = 0; round < rounds; round++) {
    for (const { contender, target } of live) {
      const named = { ...target, upload: (file: string, body: Uint8Array | Blob) => target.upload(`r${round}-${file}`, body) };
      const up = await w.bulkUpload(target, bulk, 8, `b${round}-`);
      const small = await w.smallUploads(named, smalls, smallSeconds, 16);
      // SPEC §7's delete row: the 200 × 500 KB images just uploaded.
      const delBulk = await w.bulkDelete(target, bulk, 8, `b${round}-`);
      await w.bulkUpload(target, deletes, 8, `d${round}-`);
      const del = await w.bulkDelete(target, deletes, 8, `d${round}-`);
      results.get(contender.label)!.bulk.push(up);
      results.get(contender.label)!.small.push(small);
      results.get(contender.label)!.delBulk.push(delBulk);
      results.get(contender.label)!.del.push(del);
      console.error(
        `round ${round + 1}: ${contender.label}: ${fmt(up.mibs)} MiB/s bulk, ${fmt(small.perSecond, 0)} uploads/s, ${fmt(delBulk.perSecond, 0)} and ${fmt(del.perSecond, 0)} deletes/s`,
      );
    }
  }
  for (const { target } of live) await target.server.stop();
} finally {
  rmSync(work, { recursive: true, force: true });
}

const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
console.log(
  line([
    "server (median of rounds)",
    "200 × 500 KB uploads at c8, MiB/s",
    "server CPU per MiB, ms",
    "20 KB uploads at c16, /s",
    "server CPU per upload, µs",
    "deletes of the 200 × 500 KB at c8, /s",
    `deletes of ${deleteCount} × 20 KB at c8, /s`,
    "server CPU per 20 KB delete, µs",
    "main thread, cores (uploads)",
  ]),
);
console.log(line(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const [label, r] of results) {
  const perUpload = median(r.small.map(w.cpuPerRequest)) * 1e6;
  const perDelete = median(r.del.map(w.cpuPerRequest)) * 1e6;
  console.log(
    line([
      label,
      fmt(median(r.bulk.map((t) => t.mibs))),
      fmt(median(r.bulk.map(w.cpuPerMiB)) * 1000, 2),
      fmt(median(r.small.map((t) => t.perSecond)), 0),
      fmt(perUpload, 0),
      fmt(median(r.delBulk.map((t) => t.perSecond)), 0),
      fmt(median(r.del.map((t) => t.perSecond)), 0),
      fmt(perDelete, 0),
      fmt(median(r.small.map((t) => t.cores.serverMain)), 2),
    ]),
  );
}
