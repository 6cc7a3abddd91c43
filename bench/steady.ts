// pixvault alone, the same workloads repeated in one server process, for A/B checks of a change:
// shows how the rate settles as the JIT warms up and how much runs vary on this machine.
//   bulk:  200 × 500 KB uploads at c8 (new names every round)   down: downloads of them at c8
//   small: 20 KB uploads at c16 for BENCH_SMALL_SECONDS (4)     fixed: GET /healthz, /api/v1/me,
//          /api/v1/images?limit=1 at c8 (the cost of a request without a body)
//   delete: 200 × 500 KB stored, then deleted at c8 (asked for only: it makes the next round's
//          files dearer to create, see below)
// The images are `npm run bench`'s: half JPEGs, half PNGs (bench/lib/upload-photos.ts); each line
// gives the server's CPU per MiB or per request, as SPEC §7 counts it.
// On this VM's journal-less ext4, creating files is dearer for a few minutes after many were
// deleted (see bench/lib/machine.ts): leave ~5 minutes after a run (or `npm test`) before the next.
// Run: bun bench/steady.ts   Env: STEADY=bulk,down,small,fixed (default; or delete)  BENCH_ROUNDS=3
//      PIXVAULT_BIN=path (default: `bun src/main.ts`, so no build is needed between edits)
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loginToken, registerUser } from "../tests/support/accounts.ts";
import { benchBaseDir } from "./lib/machine.ts";
import { fmt, pool, sha256Hex } from "./lib/stats.ts";
import { uploadPhotos } from "./lib/upload-photos.ts";
import { targetKinds } from "./targets.ts";
import * as w from "./workloads.ts";

const which = new Set((process.env.STEADY ?? "bulk,down,small,fixed").split(","));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const smallSeconds = Number(process.env.BENCH_SMALL_SECONDS ?? 4);
const build = process.env.PIXVAULT_BIN
  ? { command: [process.env.PIXVAULT_BIN], description: process.env.PIXVAULT_BIN }
  : { command: [process.execPath, join(import.meta.dir, "../src/main.ts")], description: "bun src/main.ts" };
const kind = targetKinds(build).find((k) => k.name === "pixvault")!;
const work = mkdtempSync(join(benchBaseDir(), "pixvault-bench-steady-"));
const server = await kind.start(work);
console.error(`server pid ${server.pids().join(", ")} (for perf or /proc)`);
const cores = (c: w.Transfer["cores"]) => `server ${fmt(c.server, 2)} (main ${fmt(c.serverMain, 2)}), client ${fmt(c.client, 2)}`;
const perMiB = (t: w.Transfer) => `server CPU ${fmt(w.cpuPerMiB(t) * 1000, 2)} ms/MiB; ${cores(t.cores)}`;
const perRequest = (t: w.Transfer) => `server CPU ${fmt(w.cpuPerRequest(t) * 1e6, 0)} µs each; ${cores(t.cores)}`;
try {
  const target = await kind.connect(server);
  const bulk = (await uploadPhotos(200, 500_000, 1)).map((p) => ({ bytes: p.bytes, sha256: sha256Hex(p.bytes) }));
  const smalls = (await uploadPhotos(256, 20_000, 1_000_000)).map((p) => p.bytes);
  for (let round = 0; round < rounds; round++) {
    if (which.has("bulk") || (which.has("down") && round === 0)) {
      const r = await w.bulkUpload(target, bulk, 8, `r${round}-`);
      console.log(`round ${round}: bulk upload ${fmt(r.mibs)} MiB/s, p50 ${fmt(r.p50)} ms; ${perMiB(r)}`);
    }
    if (which.has("down")) {
      const r = await w.bulkDownload(target, bulk, 8, "r0-");
      console.log(`round ${round}: bulk download ${fmt(r.mibs)} MiB/s, p50 ${fmt(r.p50)} ms; ${perMiB(r)}`);
    }
    if (which.has("small")) {
      const named = { ...target, upload: (file: string, body: Uint8Array | Blob) => target.upload(`r${round}-${file}`, body) };
      const r = await w.smallUploads(named, smalls, smallSeconds, 16);
      console.log(`round ${round}: small uploads ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50)} ms, ${r.errors} errors; ${perRequest(r)}`);
    }
    if (which.has("delete")) {
      await w.bulkUpload(target, bulk, 8, `d${round}-`);
      const r = await w.bulkDelete(target, bulk, 8, `d${round}-`);
      console.log(`round ${round}: deletes ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50)} ms; ${perRequest(r)}`);
    }
    if (which.has("fixed")) {
      const user = await registerUser(server.url);
      const auth = { authorization: `Bearer ${await loginToken(server.url, user.username, user.password)}` };
      for (const path of ["/healthz", "/api/v1/me", "/api/v1/images?limit=1"]) {
        const count = 3000;
        const started = performance.now();
        await pool(count, 8, async () => {
          const res = await fetch(server.url + path, { headers: auth });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
        });
        console.log(`round ${round}: GET ${path} ${fmt(count / ((performance.now() - started) / 1000), 0)} requests/s`);
      }
    }
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
