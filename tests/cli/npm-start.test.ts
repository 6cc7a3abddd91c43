// `npm start` as an operator uses it: stopping npm (SIGTERM, what `kill` and process managers
// send) stops the server too, instead of leaving it running as an orphan that holds the port.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, startServer, tempDir } from "../support/pixvault.ts";

const ROOT = join(import.meta.dir, "../..");

/** Everything written to `stream` so far, and a promise that settles when every writer has closed it. */
function collect(stream: ReadableStream<Uint8Array>): { text(): string; closed: Promise<void> } {
  const decoder = new TextDecoder();
  let out = "";
  const closed = (async () => {
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  })();
  return { text: () => out, closed };
}

function logLine(out: string, msg: string): Record<string, unknown> | undefined {
  const line = out.split("\n").find((l) => l.startsWith("{") && l.includes(`"msg":"${msg}"`));
  return line === undefined ? undefined : JSON.parse(line);
}

describe("npm start", () => {
  test("SIGTERM to npm stops the server: the port and the data directory are free within seconds", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const npm = Bun.spawn(["npm", "start"], {
      cwd: ROOT,
      env: cleanEnv({ PIXVAULT_DATA_DIR: data, PIXVAULT_PORT: "0" }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stdout = collect(npm.stdout);
    try {
      for (let waited = 0; !logLine(stdout.text(), "listening") && waited < 600; waited++) await Bun.sleep(50);
      const url = String(logLine(stdout.text(), "listening")?.url);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      npm.kill("SIGTERM");
      await npm.exited;
      // The server shares npm's stdout: the pipe closes only once the server process is gone too.
      const gone = await Promise.race([stdout.closed.then(() => true), Bun.sleep(10_000).then(() => false)]);
      expect(gone).toBe(true);
      expect(logLine(stdout.text(), "stopped")).toBeDefined();
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      const next = await startServer(["--data-dir", data]);
      expect(await next.stop()).toBe(0);
    } finally {
      npm.kill("SIGKILL");
      // A server orphaned by a failure here would hold its port until the machine reboots.
      const closed = await Promise.race([stdout.closed.then(() => true), Bun.sleep(100).then(() => false)]);
      if (!closed && existsSync(join(data, "pixvault.lock"))) {
        const holder = Number(JSON.parse(readFileSync(join(data, "pixvault.lock"), "utf8") || "{}").pid);
        if (holder > 0) process.kill(holder, "SIGKILL");
      }
      dir.remove();
    }
  }, 60_000);
});
