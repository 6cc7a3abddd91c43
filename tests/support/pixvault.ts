// Runs pixvault as a real process (the source through Bun, or the built binary when
// PIXVAULT_BIN is set) and talks to it over 127.0.0.1.
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** The command that starts pixvault: `bun src/main.ts` or a compiled binary. */
export function pixvaultCommand(): string[] {
  const bin = process.env.PIXVAULT_BIN;
  return bin ? [bin] : [process.execPath, join(ROOT, "src/main.ts")];
}

/** Environment for child processes with no PIXVAULT_* leaking in from the caller. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PIXVAULT_") && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

export function tempDir(prefix = "pixvault-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<CliResult> {
  const proc = Bun.spawn([...pixvaultCommand(), ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** `pixvault user create` of `username` (email `<username>@example.org`), the password (as typed) on stdin. */
export function cliUserCreate(username: string, stdin: string, args: string[], name = "Name"): Promise<CliResult> {
  const flags = ["--username", username, "--email", `${username}@example.org`, "--name", name, "--password-stdin"];
  return runCli(["user", "create", ...flags, ...args], { stdin });
}

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface RunningServer {
  url: string;
  port: number;
  proc: ReturnType<typeof Bun.spawn>;
  /** Every JSON log line so far, parsed. */
  logs(): LogLine[];
  /**
   * Whether a line matching `match` is logged (at index `after` or later) within `timeoutMs`:
   * the log arrives through a pipe, which may lag behind the response (or the client process)
   * that caused it.
   */
  logged(match: (line: LogLine) => boolean, opts?: { after?: number; timeoutMs?: number }): Promise<boolean>;
  /** Raw stdout+stderr so far. */
  output(): string;
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `pixvault serve --port 0` and resolves once it logs where it listens. */
export async function startServer(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const proc = Bun.spawn([...pixvaultCommand(), "serve", "--port", "0", ...args], {
    cwd: opts.cwd,
    // Suites register dozens of users from 127.0.0.1; the sign-up limit per address (10 an
    // hour) has its own tests, which set it with the flag (flags win over the environment).
    env: cleanEnv({ PIXVAULT_REGISTRATION_MAX_PER_IP: "1000000", ...opts.env }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  };
  const pumping = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  // Parsed once each, as whole lines arrive: tests poll logs() while the server writes.
  const parsed: LogLine[] = [];
  let parsedUpTo = 0;
  const logs = () => {
    const end = out.lastIndexOf("\n") + 1;
    if (end > parsedUpTo) {
      for (const line of out.slice(parsedUpTo, end).split("\n")) if (line.startsWith("{")) parsed.push(JSON.parse(line) as LogLine);
      parsedUpTo = end;
    }
    return parsed.slice();
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const listening = logs().find((l) => l.msg === "listening");
    if (listening) {
      const url = String(listening.url);
      return {
        url,
        port: Number(new URL(url).port),
        proc,
        logs,
        logged: async (match, { after = 0, timeoutMs = 2_000 } = {}) => {
          for (const until = Date.now() + timeoutMs; !logs().slice(after).some(match); await Bun.sleep(20)) {
            if (Date.now() > until) return false;
          }
          return true;
        },
        output: () => out,
        stop: async (signal = "SIGTERM") => {
          proc.kill(signal);
          const code = await proc.exited;
          await pumping;
          return code;
        },
      };
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      await proc.exited;
      throw new Error(`pixvault did not start (exit ${proc.exitCode}):\n${out}`);
    }
    await Bun.sleep(20);
  }
}

export interface SuiteServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
}

/**
 * Registers bun:test hooks: a beforeAll that starts one server (with its own data dir) for the
 * enclosing describe block, before the block's own beforeAll hooks, and an afterAll that stops it
 * and removes its data. Call it at describe (or file) level, like beforeAll itself; the returned
 * handle is only usable once the hook has run.
 */
export function useSuiteServer(args: string[] = []): SuiteServer {
  const dir = tempDir();
  const dataDir = join(dir.path, "data");
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await startServer(["--data-dir", dataDir, ...args]);
  });
  afterAll(async () => {
    await running?.stop();
    dir.remove();
  });
  const server = () => {
    if (!running) throw new Error("the suite's server is used before beforeAll started it");
    return running;
  };
  return {
    get server() {
      return server();
    },
    get url() {
      return server().url;
    },
    dataDir,
  };
}
