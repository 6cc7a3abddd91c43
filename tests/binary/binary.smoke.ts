// CI: dist/pixvault copied alone into an empty directory starts, migrates, answers, stops.
// Run by .ci/run after `npm run build` (bun test ./tests/binary/binary.smoke.ts).
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { cleanEnv, tempDir } from "../support/pixvault.ts";

const built = join(import.meta.dir, "../../dist/pixvault");
const dir = tempDir("pixvault-binary-");
const bin = join(dir.path, "pixvault");
afterAll(() => dir.remove());

function run(args: string[]) {
  return Bun.spawn([bin, ...args], { cwd: dir.path, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
}

describe("the single executable", () => {
  test("was built and is copied alone into an empty directory", () => {
    expect(existsSync(built)).toBe(true);
    copyFileSync(built, bin);
    Bun.spawnSync(["chmod", "755", bin]);
    expect(readdirSync(dir.path)).toEqual(["pixvault"]);
  });

  test("--version and --help work", async () => {
    const v = run(["--version"]);
    expect(await new Response(v.stdout).text()).toBe(`pixvault ${pkg.version}\n`);
    expect(await v.exited).toBe(0);
    const h = run(["--help"]);
    const help = await new Response(h.stdout).text();
    for (const cmd of ["serve", "user", "migrate", "fsck", "backup", "rotate-master-key"]) expect(help).toContain(cmd);
    expect(await h.exited).toBe(0);
  });

  test("serve starts with the embedded default ./data, answers health, and stops cleanly", async () => {
    const proc = run(["serve", "--port", "0"]);
    let out = "";
    const reader = (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    const deadline = Date.now() + 10_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      await Bun.sleep(10);
      url = /"msg":"listening","url":"([^"]+)"/.exec(out)?.[1];
    }
    expect(url).toBeDefined();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(out).toContain('"msg":"database migrated"');
    expect(statSync(join(dir.path, "data", "master.key")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir.path, "data", "pixvault.db"))).toBe(true);
    expect((await fetch(`${url}/nope`)).headers.get("content-type")).toBe("application/problem+json");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    await reader;
    expect(out).toContain('"msg":"stopped"');
  });

  test("the whole suite's server tests pass against the binary too", async () => {
    // The same real-process tests as `npm test`, with the binary in place of `bun src/main.ts`.
    const root = join(import.meta.dir, "../..");
    const proc = Bun.spawn(
      [
        process.execPath,
        "test",
        "--timeout",
        "60000",
        "tests/http/serve.test.ts",
        "tests/cli",
        "tests/accounts",
        "tests/images",
        "tests/archives",
        "tests/shares",
      ],
      { cwd: root, env: cleanEnv({ PIXVAULT_BIN: bin }), stdout: "pipe", stderr: "pipe" },
    );
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).toContain(" 0 fail");
    expect(code).toBe(0);
    // ~4.4 min on a VM where page faults cost ~11 µs (bench/RESULTS.md), ~2 min on a quick one.
  }, 600_000);
});
