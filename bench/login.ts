// Login latency (p50, p95) and sustained logins/s with the chosen Argon2id parameters,
// against a real server process (dist/pixvault if built, else bun src/main.ts).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureLogins } from "./lib/logins.ts";
import { fmt } from "./lib/stats.ts";

const root = join(import.meta.dir, "..");
const binary = join(root, "dist/pixvault");
const command = existsSync(binary) ? [binary] : [process.execPath, join(root, "src/main.ts")];
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrencies = [1, 4, 16];

const dataDir = mkdtempSync(join(tmpdir(), "pixvault-bench-login-"));
const port = 18900 + Math.floor(Math.random() * 90);
const server = Bun.spawn([...command, "serve", "--port", String(port), "--data-dir", dataDir, "--preview-workers", "0"], {
  stdout: "ignore",
  stderr: "inherit",
});
const base = `http://127.0.0.1:${port}/api/v1`;
const password = "correct horse battery staple";

async function waitReady() {
  for (let i = 0; i < 500; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await Bun.sleep(10);
  }
  throw new Error("server did not start");
}

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

try {
  await waitReady();
  // One user per client: concurrent logins of one user trip the per-username throttle.
  const users = Array.from({ length: Math.max(...concurrencies) }, (_, i) => ({ username: `bench${i}`, password }));
  for (const { username } of users) {
    const reg = await post("/users", { name: "Bench", username, email: `${username}@example.org`, password });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  }
  console.log(`| concurrency | logins/s | p50 ms | p95 ms | p99 ms | errors |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const c of concurrencies) {
    const r = await measureLogins(`http://127.0.0.1:${port}`, users, seconds, c);
    console.log(`| ${c} | ${r.perSecond.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${r.errors} |`);
  }
  console.log(`\nserver: ${command.join(" ")}; Argon2id m=19 MiB, t=2, p=1; ${seconds} s per row; cores: ${navigator.hardwareConcurrency}`);
} finally {
  server.kill("SIGTERM");
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
}
