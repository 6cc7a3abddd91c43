// The sharp loader: sharp from source, and a one-line "unavailable" instead of a crash on hosts prebuilt libvips cannot run on.
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostProblem, loadSharp, type Host } from "../../src/media/sharp-loader.ts";

const V2_FLAGS =
  "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm pni ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm avx avx2";
const GOOD: Host = { platform: "linux", arch: "x64", cpuFlags: V2_FLAGS, glibc: "2.36" };

describe("hostProblem", () => {
  test("a glibc 2.28+ x86-64-v2 Linux host has none", () => {
    expect(hostProblem(GOOD)).toBeNull();
    expect(hostProblem({ ...GOOD, glibc: "2.28" })).toBeNull();
    expect(hostProblem({ ...GOOD, glibc: "3.0" })).toBeNull();
  });

  test("a CPU without SSE4.2 and POPCNT (plain x86-64, some VPS models) is named with what it lacks", () => {
    const reason = hostProblem({ ...GOOD, cpuFlags: V2_FLAGS.replace(" sse4_2", "").replace(" popcnt", "") });
    expect(reason).toBe("this CPU is not x86-64-v2 (lacks popcnt, sse4_2), which libvips needs");
  });

  test("glibc older than 2.28, or no glibc at all (musl), is refused in one line", () => {
    expect(hostProblem({ ...GOOD, glibc: "2.17" })).toBe("libvips needs glibc 2.28 or newer, this system has 2.17");
    expect(hostProblem({ ...GOOD, glibc: "2.27" })).toContain("2.27");
    expect(hostProblem({ ...GOOD, glibc: undefined })).toContain("not glibc");
  });

  test("other platforms are refused: only linux-x64 libvips is built in", () => {
    expect(hostProblem({ ...GOOD, arch: "arm64" })).toContain("linux-arm64");
    expect(hostProblem({ ...GOOD, platform: "darwin" })).toContain("darwin-x64");
  });
});

/**
 * loadSharp in a fresh process (its first answer holds for the process, and other test files
 * share this one): `host` replaces the real one when given.
 */
function loadInFreshProcess(options: { libDir: string; libvipsOverride?: string }, host?: Host): Record<string, unknown> {
  const loader = join(import.meta.dir, "../../src/media/sharp-loader.ts");
  const script = `
    import { loadSharp } from ${JSON.stringify(loader)};
    import { readFileSync } from "node:fs";
    const load = loadSharp(${JSON.stringify(options)}${host ? `, ${JSON.stringify(host)}` : ""});
    const out = load.ok
      ? { ok: true, libvips: load.libvips, vipsVersion: load.vipsVersion,
          mapped: readFileSync("/proc/self/maps", "utf8").split("\\n").filter((l) => l.includes("libvips")).map((l) => l.split(/\\s+/).pop()),
          jpeg: (await load.sharp({ create: { width: 8, height: 6, channels: 3, background: "#804020" } }).jpeg().toBuffer()).subarray(0, 2).toString("hex") }
      : load;
    console.log(JSON.stringify(out));`;
  const proc = Bun.spawnSync([process.execPath, "-e", script], { cwd: join(import.meta.dir, "../.."), stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`loader process failed: ${proc.stderr.toString()}`);
  return JSON.parse(proc.stdout.toString());
}

describe("loadSharp", () => {
  const libDir = mkdtempSync(join(tmpdir(), "pxv-lib-"));
  const installed = join(import.meta.dir, "../../node_modules/@img/sharp-libvips-linux-x64/lib");

  test("from source, sharp loads with the installed libvips and works", () => {
    const load = loadInFreshProcess({ libDir });
    expect(load).toMatchObject({ ok: true, vipsVersion: expect.stringMatching(/^8\.\d+\.\d+$/), jpeg: "ffd8" });
    expect(String(load.libvips)).toMatch(/node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so\.8\./);
  });

  test("a libvips override (LGPL: the user may replace it) is the one mapped and used", () => {
    const replacement = join(libDir, "my-libvips.so");
    const original = readdirSync(installed).find((f) => f.startsWith("libvips-cpp.so"))!;
    copyFileSync(join(installed, original), replacement);
    const load = loadInFreshProcess({ libDir, libvipsOverride: replacement });
    expect(load).toMatchObject({ ok: true, libvips: replacement, jpeg: "ffd8" });
    // The addon's dependency is satisfied by the override's soname: no second libvips is mapped.
    expect(new Set(load.mapped as string[])).toEqual(new Set([replacement]));
  });

  test("an unsupported host is a typed refusal, not a crash", () => {
    expect(loadInFreshProcess({ libDir }, { ...GOOD, cpuFlags: "fpu sse sse2" })).toEqual({
      ok: false,
      reason: expect.stringContaining("not x86-64-v2"),
    });
  });

  test("an override must be an absolute path to a file", () => {
    expect(loadInFreshProcess({ libDir, libvipsOverride: "libvips.so" })).toEqual({
      ok: false,
      reason: expect.stringContaining("libvips.so"),
    });
    expect(loadInFreshProcess({ libDir, libvipsOverride: "/nonexistent/libvips.so" }).ok).toBe(false);
  });

  test("an override that is not a shared library is refused with the dynamic loader's reason, in one line", () => {
    const bogus = join(libDir, "not-a-library.so");
    writeFileSync(bogus, "not an ELF file");
    const load = loadInFreshProcess({ libDir, libvipsOverride: bogus });
    expect(load).toEqual({ ok: false, reason: expect.stringMatching(/^libvips could not be loaded: [^\n]+$/) });
  });

  test("in this process the first answer holds: later calls get the same sharp", () => {
    const first = loadSharp({ libDir });
    expect(first.ok).toBe(true);
    expect(loadSharp({ libDir: "/elsewhere" })).toBe(first);
  });
});
