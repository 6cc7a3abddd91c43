// A server process under test: spawned with its output in a log file, ready once its health URL
// answers 200, stopped by signal. The time from spawn to that first 200 is its cold start.
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { processTree } from "./proc.ts";

export interface Server {
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first 200 from the health URL. */
  readonly coldStartMs: number;
  /** The server's processes (nginx: master and workers), for /proc readings. */
  pids(): number[];
  /** The last lines of the server's own log, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (the kernel's pick; a race with other programs is possible but unlikely). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface SpawnOptions {
  command: string[];
  env?: Record<string, string>;
  /** stdout and stderr go here (a pipe nobody drained would stall a chatty server). */
  logFile: string;
  healthUrl: string;
  url: string;
  timeoutMs?: number;
}

export async function spawnServer(opts: SpawnOptions): Promise<Server> {
  const log = openSync(opts.logFile, "a"); // one shared offset, so stdout and stderr do not overwrite each other
  const started = performance.now();
  const proc = Bun.spawn(opts.command, { env: opts.env, stdin: "ignore", stdout: log, stderr: log });
  closeSync(log);
  const logTail = () => {
    try {
      return readFileSync(opts.logFile, "utf8").split("\n").slice(-15).join("\n");
    } catch {
      return "";
    }
  };
  const deadline = started + (opts.timeoutMs ?? 30_000);
  let coldStartMs = NaN;
  for (;;) {
    try {
      const res = await fetch(opts.healthUrl);
      await res.arrayBuffer();
      if (res.status === 200) {
        coldStartMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet: poll again at once, the wait is what is measured
    }
    if (proc.exitCode !== null || performance.now() > deadline) {
      proc.kill("SIGKILL");
      await proc.exited;
      throw new Error(`${opts.command[0]} did not answer ${opts.healthUrl} (exit ${proc.exitCode}):\n${logTail()}`);
    }
    await Bun.sleep(1);
  }
  let tree: number[] | undefined;
  return {
    url: opts.url,
    pid: proc.pid,
    coldStartMs,
    // Computed once: the tree is fixed after start-up, and scanning /proc while sampling would cost the client.
    pids: () => (tree ??= processTree(proc.pid)),
    logTail,
    stop: async () => {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

/** Environment for children without the caller's variables of these prefixes leaking in. */
export function envWithout(prefixes: string[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !prefixes.some((p) => k.startsWith(p))) env[k] = v;
  return { ...env, ...extra };
}
