// One server per data directory: a second `serve` on it exits 1 naming the first one's pid and
// leaves its uploads in flight alone; kill -9 frees the data directory for a restart; the
// commands meant to run beside a server (user, backup, fsck) still do.
import { describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { join } from "node:path";
import { signedInUser } from "../support/accounts.ts";
import type { ImagePage } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng, pngOfSize } from "../support/images.ts";
import { bytesOf, contentOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { cleanEnv, pixvaultCommand, runCli, startServer, tempDir, type CliResult } from "../support/pixvault.ts";
import { openUpload, requestHead } from "../hardening/raw-http.ts";
import { tempBlobFiles } from "../hardening/server-probes.ts";

/** Runs pixvault, killing it if it has not exited within `ms` (a second server that starts never would). */
async function runWithin(args: string[], ms: number): Promise<CliResult & { timedOut: boolean }> {
  const proc = Bun.spawn([...pixvaultCommand(), ...args], { env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, ms);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
}

/** The status line of the response the server writes on `socket`. */
function statusOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.includes("\r\n\r\n")) resolve(received.split("\r\n")[0]!);
    });
    socket.on("close", () => resolve(received.split("\r\n")[0] ?? ""));
  });
}

describe("one server per data directory", () => {
  test("a second serve exits 1 naming the first one's pid; the first one's upload in flight still succeeds", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const server = await startServer(["--data-dir", data]);
    try {
      const user = await signedInUser(server.url);
      const bytes = pngOfSize(2 * 1024 * 1024, 71);
      const head = requestHead("POST", "/api/v1/images?filename=in-flight.png", {
        authorization: `Bearer ${user.token}`,
        "content-type": "application/octet-stream",
        "content-length": bytes.length,
      });
      const socket = await openUpload(server.port, head);
      const status = statusOf(socket);
      socket.write(bytes.subarray(0, 1024 * 1024));
      for (let waited = 0; tempBlobFiles(data).length === 0 && waited < 100; waited++) await Bun.sleep(50);
      expect(tempBlobFiles(data)).toHaveLength(1);

      const second = await runWithin(["serve", "--port", "0", "--data-dir", data], 15_000);
      expect(second.timedOut).toBe(false);
      expect(second.code).toBe(1);
      const lines = second.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`in use by pixvault serve (pid ${server.proc.pid})`);
      expect(lines[0]).toContain(data);
      // It never got as far as the start-up sweep: the first server's temp file is still there.
      expect(tempBlobFiles(data)).toHaveLength(1);

      socket.write(bytes.subarray(1024 * 1024));
      expect(await status).toBe("HTTP/1.1 201 Created");
      socket.destroy();
      const listed = await jsonOf<ImagePage>(
        await fetch(`${server.url}/api/v1/images`, { headers: { authorization: `Bearer ${user.token}` } }),
      );
      const stored = listed.items.find((i: { filename: string }) => i.filename === "in-flight.png");
      expect(sha256Hex(await bytesOf(await contentOf(server.url, user.token, stored!.id)))).toBe(sha256Hex(bytes));
    } finally {
      await server.stop();
      dir.remove();
    }
  }, 60_000);

  test("kill -9 leaves no lock behind: a new serve on the data directory starts at once", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    try {
      const first = await startServer(["--data-dir", data]);
      const user = await signedInUser(first.url);
      const bytes = noisePng({ width: 40, height: 30, seed: 72 });
      const image = await uploadOne(first.url, user.token, { name: "kept.png", bytes });
      expect(await first.stop("SIGKILL")).not.toBe(0);

      const restarted = await startServer(["--data-dir", data]);
      try {
        expect(sha256Hex(await bytesOf(await contentOf(restarted.url, user.token, image.id)))).toBe(sha256Hex(bytes));
      } finally {
        await restarted.stop();
      }
    } finally {
      dir.remove();
    }
  }, 60_000);

  test("user, backup and fsck still work while the server runs", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const server = await startServer(["--data-dir", data]);
    try {
      const created = await runCli(
        [
          "user",
          "create",
          "--username",
          "beside",
          "--email",
          "beside@example.org",
          "--name",
          "Beside",
          "--password-stdin",
          "--data-dir",
          data,
        ],
        {
          stdin: "a long passphrase nobody guesses 71\n",
        },
      );
      expect(created.code, created.stderr).toBe(0);
      const listed = await runCli(["user", "list", "--data-dir", data]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain("beside");
      const backup = await runCli(["backup", "--data-dir", data, "--out", join(dir.path, "backup")]);
      expect(backup.code, backup.stderr).toBe(0);
      const fsck = await runCli(["fsck", "--data-dir", data]);
      expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      dir.remove();
    }
  }, 60_000);
});
