// Cold start: time from exec of dist/pixvault to its first 200 on /healthz, fresh and existing data dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = process.argv[2] ?? join(import.meta.dir, "../dist/pixvault");
const runs = Number(process.argv[3] ?? 15);

async function once(dataDir: string, port: number): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn([bin, "serve", "--port", String(port), "--data-dir", dataDir, "--preview-workers", "0"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) break;
    } catch {
      await Bun.sleep(1);
    }
  }
  const elapsed = performance.now() - started;
  proc.kill("SIGTERM");
  await proc.exited;
  return elapsed;
}

function summary(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${at(0.5).toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms`;
}

const fresh: number[] = [];
const existing: number[] = [];
const base = mkdtempSync(join(tmpdir(), "pixvault-coldstart-"));
try {
  for (let i = 0; i < runs; i++) {
    const dir = join(base, `d${i}`);
    fresh.push(await once(dir, 18600 + i));
    existing.push(await once(dir, 18700 + i));
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
console.log(`binary: ${bin} (${(Bun.file(bin).size / 2 ** 20).toFixed(1)} MiB)`);
console.log(`cold start to first /healthz 200, new data dir:      ${summary(fresh)}`);
console.log(`cold start to first /healthz 200, existing data dir: ${summary(existing)}`);
