// --tls-cert/--tls-key: the server speaks HTTPS itself, with a certificate made here, and
// refuses a private key file other users can read.
import { describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";

/** A self-signed certificate for 127.0.0.1 and its key, made with openssl. */
function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const made = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stderr: "pipe" },
  );
  expect(made.exitCode).toBe(0);
  return { cert, key };
}

describe("built-in TLS", () => {
  test("serves HTTPS with a self-signed certificate and sends HSTS", async () => {
    const dir = tempDir();
    const { cert, key } = selfSigned(dir.path);
    const server = await startServer(["--data-dir", join(dir.path, "data"), "--tls-cert", cert, "--tls-key", key]);
    try {
      expect(server.url).toStartWith("https://");
      const res = await fetch(`${server.url}/healthz`, { tls: { ca: await Bun.file(cert).text() } });
      expect(res.status).toBe(200);
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      await expect(fetch(`${server.url.replace("https:", "http:")}/healthz`)).rejects.toThrow();
    } finally {
      await server.stop();
      dir.remove();
    }
  });

  test("refuses a private key file others can read, in one line and exit 1; a key its group may read is served", async () => {
    const dir = tempDir();
    const { cert, key } = selfSigned(dir.path);
    try {
      for (const mode of [0o644, 0o604, 0o660]) {
        chmodSync(key, mode);
        const r = await runCli(["serve", "--port", "0", "--data-dir", join(dir.path, "data"), "--tls-cert", cert, "--tls-key", key]);
        const shown = mode.toString(8).padStart(4, "0");
        expect({ mode: shown, code: r.code }).toEqual({ mode: shown, code: 1 });
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toContain(`TLS key file ${key} is`);
        expect(r.stderr).toContain(`(mode ${shown}); run chmod 600 ${key}`);
        expect(r.stderr).not.toContain("PRIVATE KEY");
      }
      chmodSync(key, 0o640);
      const server = await startServer(["--data-dir", join(dir.path, "data"), "--tls-cert", cert, "--tls-key", key]);
      expect((await fetch(`${server.url}/healthz`, { tls: { ca: await Bun.file(cert).text() } })).status).toBe(200);
      expect(await server.stop()).toBe(0);
    } finally {
      dir.remove();
    }
  });
});
