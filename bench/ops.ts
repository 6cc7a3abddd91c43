// `npm run bench:ops`: the operations figures of issue #8, in one run.
//   1. 1 GiB of images (5 × 200 MiB): `pixvault fsck` (GB/s verified, from its own summary) and
//      `pixvault backup` into the same filesystem (hard links) and into /dev/shm (copies).
//   2. 200 × ~500 KB uploaded at concurrency 8 then downloaded at 8, against
//      (a) one instance on SQLite + disk, (b) one instance on sqld + an S3 bucket (s3rver),
//      (c) two instances sharing that sqld and bucket, requests alternating between them.
// Runs dist/pixvault when PIXVAULT_BIN names it, else the source. Prints a markdown table.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { signedInUser } from "../tests/support/accounts.ts";
import { pngOfSize } from "../tests/support/images.ts";
import { runCli, startServer, tempDir, type RunningServer } from "../tests/support/pixvault.ts";
import { startS3 } from "../tests/support/s3.ts";
import { SQLD_BIN, startSqld } from "../tests/support/sqld.ts";
import { fmt, MIB, pool } from "./lib/stats.ts";

const BULK = Number(process.env.BENCH_OPS_BULK ?? 200);
const LARGE = 200 * MIB;
const rows: string[][] = [];
// Background previews would compete for the CPU and add blobs to fsck and backup: these rows
// predate them and stay comparable without (bench/previews.ts measures previews).
const NO_PREVIEWS = ["--preview-workers", "0"];
const say = (line: string) => console.error(`[ops] ${line}`);

async function upload(url: string, token: string, name: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${url}/api/v1/images?filename=${encodeURIComponent(name)}`, {
    method: "PUT",
    body: bytes,
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { created: { id: string }[] }).created[0]!.id;
}

async function download(url: string, token: string, id: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/images/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`download ${id}: ${res.status}`);
  return (await res.arrayBuffer()).byteLength;
}

/** Bulk up then down at c8 through `servers` (round-robin); MiB/s each way. */
async function bulk(servers: RunningServer[], files: Uint8Array[]): Promise<{ up: number; down: number }> {
  const { token } = await signedInUser(servers[0]!.url);
  const ids: string[] = new Array(files.length);
  let t = performance.now();
  await pool(files.length, 8, async (i) => {
    ids[i] = await upload(servers[i % servers.length]!.url, token, `b${i}.png`, files[i]!);
  });
  const up = files.reduce((n, f) => n + f.length, 0) / MIB / ((performance.now() - t) / 1000);
  t = performance.now();
  let bytes = 0;
  await pool(files.length, 8, async (i) => {
    // Not `bytes += await …`: that reads `bytes` before the await and loses concurrent additions.
    const got = await download(servers[(i + 1) % servers.length]!.url, token, ids[i]!);
    bytes += got;
  });
  return { up, down: bytes / MIB / ((performance.now() - t) / 1000) };
}

async function fsckAndBackup(): Promise<void> {
  const dir = tempDir("pixvault-bench-ops-");
  const data = join(dir.path, "data");
  try {
    const server = await startServer(["--data-dir", data, "--max-image-bytes", "1GiB", ...NO_PREVIEWS]);
    const { token } = await signedInUser(server.url);
    for (let i = 0; i < 5; i += 1) await upload(server.url, token, `large-${i}.png`, pngOfSize(LARGE, 900 + i));
    await server.stop();
    say("1 GiB stored");

    let t = performance.now();
    const fsck = await runCli(["fsck", "--data-dir", data]);
    const fsckSeconds = (performance.now() - t) / 1000;
    if (fsck.code !== 0) throw new Error(`fsck: ${fsck.stdout}${fsck.stderr}`);
    const summary = /fsck: .*\)/.exec(fsck.stdout)?.[0] ?? fsck.stdout.trim();
    rows.push(["`pixvault fsck` of 1 GiB (5 × 200 MiB)", `${fmt(fsckSeconds, 2)} s wall`, summary]);

    t = performance.now();
    const linked = await runCli(["backup", "--data-dir", data, "--out", join(dir.path, "backup-linked")]);
    if (linked.code !== 0) throw new Error(`backup: ${linked.stderr}`);
    rows.push([
      "`pixvault backup` of 1 GiB, same filesystem (hard links)",
      `${fmt((performance.now() - t) / 1000, 2)} s wall`,
      linked.stdout.split("\n")[0]!,
    ]);

    const shm = "/dev/shm";
    if (existsSync(shm)) {
      const out = join(shm, `pixvault-bench-backup-${process.pid}`);
      t = performance.now();
      const copied = await runCli(["backup", "--data-dir", data, "--out", out]);
      const seconds = (performance.now() - t) / 1000;
      rmSync(out, { recursive: true, force: true });
      if (copied.code !== 0) throw new Error(`backup to ${shm}: ${copied.stderr}`);
      rows.push([
        `\`pixvault backup\` of 1 GiB into ${shm} (another filesystem: copies)`,
        `${fmt(seconds, 2)} s wall, ${fmt(1024 / seconds, 0)} MiB/s`,
        copied.stdout.split("\n")[0]!,
      ]);
    }
  } finally {
    dir.remove();
  }
}

async function scaleOut(): Promise<void> {
  const files = Array.from({ length: BULK }, (_, i) => pngOfSize(500_000, 5000 + i));
  const local = tempDir("pixvault-bench-ops-local-");
  const single = await startServer(["--data-dir", join(local.path, "data"), ...NO_PREVIEWS]);
  try {
    const r = await bulk([single], files);
    rows.push([`one instance, SQLite + disk: ${BULK} × 500 KB at c8`, `up ${fmt(r.up)} MiB/s, down ${fmt(r.down)} MiB/s`, ""]);
  } finally {
    await single.stop();
    local.remove();
  }
  if (!existsSync(SQLD_BIN)) {
    rows.push(["sqld + S3 rows", "skipped", `${SQLD_BIN} is not installed`]);
    return;
  }
  const sqld = await startSqld();
  const s3 = await startS3();
  const shared = tempDir("pixvault-bench-ops-shared-");
  mkdirSync(join(shared.path, "keys"), { recursive: true });
  const args = [
    "--data-dir",
    join(shared.path, "data"),
    "--database-url",
    sqld.url,
    "--blob-store",
    `s3://${s3.bucket}/blobs?endpoint=${encodeURIComponent(s3.endpoint)}`,
    "--master-key-file",
    join(shared.path, "keys", "master.key"),
    ...NO_PREVIEWS,
  ];
  const a = await startServer(args, { env: s3.env });
  const b = await startServer(args, { env: s3.env });
  try {
    const one = await bulk([a], files);
    rows.push([`one instance, sqld + S3 (s3rver): same workload`, `up ${fmt(one.up)} MiB/s, down ${fmt(one.down)} MiB/s`, ""]);
    const two = await bulk([a, b], files);
    rows.push([
      `two instances sharing that sqld + bucket, requests alternating`,
      `up ${fmt(two.up)} MiB/s, down ${fmt(two.down)} MiB/s`,
      "one client on the same 2 cores",
    ]);
  } finally {
    await a.stop();
    await b.stop();
    await s3.stop();
    await sqld.stop();
    shared.remove();
  }
}

// BENCH_OPS_ONLY=fsck|scale runs one half.
const only = process.env.BENCH_OPS_ONLY;
if (only !== "scale") await fsckAndBackup();
if (only !== "fsck") await scaleOut();
console.log(
  `Operations (issue #8), ${new Date().toISOString().slice(0, 16)} UTC, server: ${process.env.PIXVAULT_BIN ?? "bun src/main.ts"}\n`,
);
console.log("| what | measured | detail |\n|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
