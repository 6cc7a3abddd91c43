// Signals an operator or a terminal may send: SIGHUP stops the server gracefully like SIGTERM,
// SIGUSR1 and SIGUSR2 (fatal to a process by default) are logged and change nothing, and a
// SIGTERM sent the moment the server says it listens is handled too.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanEnv, pixvaultCommand, startServer, tempDir } from "../support/pixvault.ts";

describe("signals", () => {
  test("SIGUSR1 and SIGUSR2 leave the server serving", async () => {
    const dir = tempDir();
    const server = await startServer(["--data-dir", join(dir.path, "data")]);
    try {
      for (const signal of ["SIGUSR1", "SIGUSR2"] as const) {
        server.proc.kill(signal);
        await Bun.sleep(300);
        expect({ signal, exitCode: server.proc.exitCode }).toEqual({ signal, exitCode: null });
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      }
      const ignored = server.logs().filter((l) => l.msg.startsWith("signal ignored"));
      expect(ignored.map((l) => l.signal)).toEqual(["SIGUSR1", "SIGUSR2"]);
      expect(await server.stop()).toBe(0);
    } finally {
      server.proc.kill("SIGKILL");
      dir.remove();
    }
  });

  test("SIGHUP stops it gracefully: exit 0, the data directory free again", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const server = await startServer(["--data-dir", data]);
    try {
      expect(await server.stop("SIGHUP")).toBe(0);
      expect(server.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down: finishing in-flight requests", "stopped"]));
      expect(server.logs().find((l) => l.msg.startsWith("shutting down"))?.signal).toBe("SIGHUP");
      const next = await startServer(["--data-dir", data]);
      expect(await next.stop()).toBe(0);
    } finally {
      server.proc.kill("SIGKILL");
      dir.remove();
    }
  });

  test("SIGTERM the instant the server logs that it listens still stops it gracefully", async () => {
    const dir = tempDir();
    try {
      for (let attempt = 0; attempt < 10; attempt++) {
        const proc = Bun.spawn([...pixvaultCommand(), "serve", "--port", "0", "--data-dir", join(dir.path, "data")], {
          env: cleanEnv(),
          stdin: "ignore",
          stdout: "pipe",
          stderr: "ignore",
        });
        const reader = proc.stdout.getReader();
        let out = "";
        while (!out.includes('"msg":"listening"')) {
          const { value, done } = await reader.read();
          if (done) break;
          out += new TextDecoder().decode(value);
        }
        proc.kill("SIGTERM");
        expect({ attempt, code: await proc.exited }).toEqual({ attempt, code: 0 });
      }
    } finally {
      dir.remove();
    }
  }, 60_000);
});
