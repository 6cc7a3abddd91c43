// pixvault as the benchmark runs it: the single executable that `npm run build` makes from the
// working tree (or PIXVAULT_BIN), serving a fresh data dir on a free 127.0.0.1 port.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { cleanEnv } from "../tests/support/pixvault.ts";
import { freePort, spawnServer, type Server } from "./lib/server.ts";

const ROOT = join(import.meta.dir, "..");

export interface PixvaultBuild {
  command: string[];
  /** What was measured, for the report: a binary from which commit, or PIXVAULT_BIN. */
  description: string;
}

const git = (...args: string[]) => spawnSync("git", ["-C", ROOT, ...args], { encoding: "utf8" });

function sourceRevision(): string {
  const commit = git("rev-parse", "--short", "HEAD").stdout.trim() || "unknown commit";
  // What the binary is made of; bench/ and tests/ changes do not change it.
  const changed = git("status", "--porcelain", "--", "src", "scripts", "migrations", "package.json").stdout.trim();
  return changed ? `${commit} + uncommitted changes in src/, scripts/ or package.json` : commit;
}

/**
 * PIXVAULT_BIN when set; otherwise the working tree (tracked and untracked, not ignored files)
 * copied into `dir` with node_modules linked, and compiled there by the copy's own
 * scripts/build.ts. So the build is exactly `npm run build`, whatever it becomes, the
 * repository's dist/ (which others may be running) is left alone, and the source is one
 * snapshot even while someone edits it.
 */
export function pixvaultBuild(dir: string): PixvaultBuild {
  if (process.env.PIXVAULT_BIN) return { command: [process.env.PIXVAULT_BIN], description: `PIXVAULT_BIN=${process.env.PIXVAULT_BIN}` };
  const revision = sourceRevision();
  const files = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout.split("\0").filter(Boolean);
  for (const file of files) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const build = spawnSync(process.execPath, [join(dir, "scripts/build.ts")], { cwd: dir, encoding: "utf8" });
  const binary = join(dir, "dist/pixvault");
  if (build.status !== 0 || !existsSync(binary)) throw new Error(`could not compile pixvault in ${dir}:\n${build.stdout}${build.stderr}`);
  return { command: [binary], description: `single executable built by \`npm run build\` from ${revision}` };
}

/**
 * Starts `pixvault serve` on `dataDir`; the cold start is measured to the first 200 from /healthz.
 * Without the preview pool unless `previewWorkers` says otherwise: background previews would
 * compete for the CPU with the workloads that do not concern them (bench/previews.ts measures
 * them); "default" leaves the flag out.
 */
export async function startPixvault(
  build: PixvaultBuild,
  dataDir: string,
  logFile: string,
  previewWorkers: number | "default" = 0,
): Promise<Server> {
  mkdirSync(dirname(logFile), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return spawnServer({
    command: [
      ...build.command,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--max-image-bytes",
      "2GiB",
      // The bench signs up more users from 127.0.0.1 than the default 10 an hour.
      "--registration-max-per-ip",
      "1000000",
      ...(previewWorkers === "default" ? [] : ["--preview-workers", String(previewWorkers)]),
    ],
    env: cleanEnv(),
    logFile,
    url,
    healthUrl: `${url}/healthz`,
  });
}
