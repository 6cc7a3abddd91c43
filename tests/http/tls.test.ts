// --tls-cert/--tls-key: the server speaks HTTPS itself, with a certificate made here.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startServer, tempDir } from "../support/pixvault.ts";

describe("built-in TLS", () => {
  test("serves HTTPS with a self-signed certificate and sends HSTS", async () => {
    const dir = tempDir();
    const cert = join(dir.path, "cert.pem");
    const key = join(dir.path, "key.pem");
    const made = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      { stderr: "pipe" },
    );
    expect(made.exitCode).toBe(0);
    const server = await startServer(["--data-dir", join(dir.path, "data"), "--tls-cert", cert, "--tls-key", key]);
    try {
      expect(server.url).toStartWith("https://");
      const res = await fetch(`${server.url}/healthz`, { tls: { ca: await Bun.file(cert).text() } });
      expect(res.status).toBe(200);
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      await expect(fetch(server.url.replace("https:", "http:") + "/healthz")).rejects.toThrow();
    } finally {
      await server.stop();
      dir.remove();
    }
  });
});
