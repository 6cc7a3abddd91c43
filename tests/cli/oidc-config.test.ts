// Single-sign-on flags (SPEC §13): a complete set or none; a bad or partial one is exit 2 with one
// line naming the flag; http:// issuers only on loopback; the secret comes from a file; env twins work.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseServeConfig } from "../../src/config.ts";
import { serveRefusal } from "../support/config-refusal.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";

const dir = tempDir("pixvault-oidc-config-");
afterAll(() => dir.remove());
const secretFile = join(dir.path, "client-secret");
writeFileSync(secretFile, "s3cret-from-the-provider\n");
chmodSync(secretFile, 0o600);
const complete = ["--oidc-issuer", "https://id.example.org", "--oidc-client-id", "pixvault", "--oidc-client-secret-file", secretFile];

describe("--oidc-* flags", () => {
  test("none given: single sign-on is off", () => {
    expect(parseServeConfig([], {}).oidc).toBeUndefined();
  });

  test("a complete set: the secret read from its file (trimmed), the label defaulting to the issuer's host", () => {
    expect(parseServeConfig(complete, {}).oidc).toEqual({
      issuer: "https://id.example.org",
      clientId: "pixvault",
      clientSecret: "s3cret-from-the-provider",
      name: "id.example.org",
      autoRegister: false,
    });
    const named = parseServeConfig([...complete, "--oidc-name", "Authelia", "--oidc-auto-register"], {}).oidc;
    expect(named).toMatchObject({ name: "Authelia", autoRegister: true });
  });

  test("each missing flag of the three is named", () => {
    expect(serveRefusal(complete.slice(2))).toStartWith("--oidc-issuer: required");
    expect(serveRefusal([...complete.slice(0, 2), ...complete.slice(4)])).toStartWith("--oidc-client-id: required");
    expect(serveRefusal(complete.slice(0, 4))).toStartWith("--oidc-client-secret-file: required");
    expect(serveRefusal(["--oidc-auto-register"])).toStartWith("--oidc-issuer: required");
  });

  test("http:// only for loopback issuers; no secret file, an empty one, or a junk URL is refused", () => {
    const withIssuer = (issuer: string) => ["--oidc-issuer", issuer, ...complete.slice(2)];
    expect(serveRefusal(withIssuer("http://id.example.org"))).toContain("loopback addresses only");
    expect(serveRefusal(withIssuer("http://10.0.0.5:9000"))).toContain("loopback addresses only");
    for (const loopback of ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"]) {
      expect(parseServeConfig(withIssuer(loopback), {}).oidc?.issuer).toBe(loopback);
    }
    expect(serveRefusal(withIssuer("not a url"))).toStartWith("--oidc-issuer:");
    expect(serveRefusal(withIssuer("ftp://id.example.org"))).toStartWith("--oidc-issuer:");
    expect(serveRefusal([...complete.slice(0, 5), join(dir.path, "missing")])).toStartWith("--oidc-client-secret-file: cannot read");
    const empty = join(dir.path, "empty");
    writeFileSync(empty, "\n");
    expect(serveRefusal([...complete.slice(0, 5), empty])).toStartWith("--oidc-client-secret-file:");
  });

  test("env twins, a flag winning over its twin, and a bad PIXVAULT_OIDC_AUTO_REGISTER named", () => {
    const env = {
      PIXVAULT_OIDC_ISSUER: "https://sso.example.org",
      PIXVAULT_OIDC_CLIENT_ID: "from-env",
      PIXVAULT_OIDC_CLIENT_SECRET_FILE: secretFile,
      PIXVAULT_OIDC_AUTO_REGISTER: "true",
    };
    expect(parseServeConfig([], env).oidc).toMatchObject({ issuer: "https://sso.example.org", clientId: "from-env", autoRegister: true });
    expect(parseServeConfig(["--oidc-client-id", "flag"], env).oidc?.clientId).toBe("flag");
    expect(serveRefusal([], { ...env, PIXVAULT_OIDC_AUTO_REGISTER: "maybe" })).toContain("PIXVAULT_OIDC_AUTO_REGISTER");
  });
});

describe("pixvault serve with single sign-on", () => {
  test("a partial set exits 2 with one line naming the flag; the secret is never printed", async () => {
    const r = await runCli(["serve", "--data-dir", join(dir.path, "a"), ...complete.slice(0, 4)]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--oidc-client-secret-file");
    const http = await runCli(["serve", "--data-dir", join(dir.path, "b"), "--oidc-issuer", "http://id.example.org", ...complete.slice(2)]);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain("--oidc-issuer");
    expect(http.stderr).not.toContain("s3cret");
  });

  test("a provider that cannot be read: one line and exit 1 before listening", async () => {
    // Nothing listens on port 9 (discard) here: the discovery document cannot be fetched.
    const args = ["--data-dir", join(dir.path, "c"), "--oidc-issuer", "http://127.0.0.1:9", ...complete.slice(2)];
    const r = await runCli(["serve", "--port", "0", ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("single sign-on: cannot read http://127.0.0.1:9/.well-known/openid-configuration");
    expect(`${r.stdout}${r.stderr}`).not.toContain("s3cret");
    await expect(startServer(args, { timeoutMs: 5_000 })).rejects.toThrow("did not start");
  });
});
