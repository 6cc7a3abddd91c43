// pixvault login / logout against a real server: what is stored (a token, never the password; 0600
// in 0700), the prompts on a terminal, PIXVAULT_SERVER/PIXVAULT_TOKEN, revocation, exit codes 2 and
// 3, and TLS with a self-signed certificate (--insecure-skip-verify).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { call, loginToken, registerUser, strongPassword } from "../support/accounts.ts";
import { clientHome, loggedInClient, runOnTerminal } from "../support/client.ts";
import { noisePng } from "../support/images.ts";
import { startServer, tempDir, useSuiteServer } from "../support/pixvault.ts";

const tokensOf = async (url: string, token: string) =>
  ((await (await call(url, "GET", "/api/v1/tokens", { token })).json()) as { items: { id: string; name: string }[] }).items;

describe("pixvault login and logout", () => {
  const suite = useSuiteServer();

  test("login keeps the server and an API token named after this machine, never the password, in a 0600 file in a 0700 directory", async () => {
    const user = await registerUser(suite.url);
    const home = clientHome();
    try {
      const r = await home.run(["login", "--server", `${suite.url}/`, "--username", user.username, "--password-stdin"], {
        stdin: `${user.password}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`logged in to ${suite.url} as ${user.username}`);
      const text = readFileSync(home.credentialsFile, "utf8");
      expect(text).not.toContain(user.password);
      const stored = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(stored).sort()).toEqual(["server", "token", "username"]);
      expect(stored.server).toBe(suite.url);
      expect(String(stored.token)).toStartWith("pxv_");
      expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(home.credentialsFile)).mode & 0o777).toBe(0o700);
      expect(r.stdout + r.stderr).not.toContain(user.password);
      const tokens = await tokensOf(suite.url, String(stored.token));
      expect(tokens.map((t) => t.name)).toEqual([expect.stringMatching(/^pixvault CLI on \S+$/)]);
      expect((await home.run(["ls"])).code).toBe(0);

      // A second login replaces the token; the first one stops working.
      const again = await home.run(["login", "--server", suite.url, "--username", user.username, "--password-stdin"], {
        stdin: user.password,
      });
      expect(again.code, again.stderr).toBe(0);
      const second = (JSON.parse(readFileSync(home.credentialsFile, "utf8")) as { token: string }).token;
      expect(second).not.toBe(stored.token);
      expect((await call(suite.url, "GET", "/api/v1/me", { token: String(stored.token) })).status).toBe(401);
      expect((await tokensOf(suite.url, second)).length).toBe(1);
    } finally {
      home.remove();
    }
  });

  test("on a terminal it asks for the username and the password, and does not echo the password", async () => {
    const user = await registerUser(suite.url);
    const home = clientHome();
    try {
      const r = await runOnTerminal(
        ["login", "--server", suite.url],
        [
          { prompt: /username: $/, answer: user.username },
          { prompt: /password for .* at .*: $/, answer: user.password },
        ],
        home.env,
        home.dir,
      );
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain(`logged in to ${suite.url} as ${user.username}`);
      expect(r.stdout).not.toContain(user.password);
      expect(existsSync(home.credentialsFile)).toBe(true);
    } finally {
      home.remove();
    }
  });

  test("a wrong password exits 3 and stores nothing; bad usage exits 2 in one line", async () => {
    const user = await registerUser(suite.url);
    const home = clientHome();
    try {
      const wrong = await home.run(["login", "--server", suite.url, "--username", user.username, "--password-stdin"], {
        stdin: "not-the-password",
      });
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/^pixvault login: authentication failed: .+\n$/);
      expect(existsSync(home.credentialsFile)).toBe(false);

      const cases: [string[], RegExp][] = [
        [["login", "--username", user.username, "--password-stdin"], /--server: required/],
        [["login", "--server", "ftp://example.org", "--password-stdin"], /--server: expected an http/],
        [["login", "--server", suite.url, "--username", user.username], /--password-stdin: required/],
        [["login", "--server", suite.url, "--bogus"], /--bogus: unknown flag/],
        [["ls"], /not logged in: run pixvault login/],
        [["logout"], /not logged in/],
      ];
      for (const [args, message] of cases) {
        const r = await home.run(args, { stdin: "" });
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
      }
    } finally {
      home.remove();
    }
  });

  test("logout revokes the token and removes the file; a revoked token is exit 3 for every command", async () => {
    const { home, user, token } = await loggedInClient(suite.url);
    try {
      const out = await home.run(["logout"]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("the token is revoked");
      expect(existsSync(home.credentialsFile)).toBe(false);
      expect((await call(suite.url, "GET", "/api/v1/me", { token })).status).toBe(401);

      // The same revoked token, given back by hand: every command says authentication failed.
      writeFileSync(home.credentialsFile, JSON.stringify({ server: suite.url, token }), { mode: 0o600 });
      for (const args of [["ls"], ["push", home.dir, "--dry-run"], ["pull", "--all"], ["rm", "x", "--yes"], ["share", "x"]]) {
        const r = await home.run(args);
        expect({ args, code: r.code }).toEqual({ args, code: 3 });
        expect(r.stderr).toContain("authentication failed");
      }
      // logout of a token that no longer works still cleans up.
      const again = await home.run(["logout"]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("no longer valid");
      expect(existsSync(home.credentialsFile)).toBe(false);

      // A password change revokes API tokens (SPEC §13): exit 3 too.
      const relogin = await home.run(["login", "--server", suite.url, "--username", user.username, "--password-stdin"], {
        stdin: user.password,
      });
      expect(relogin.code).toBe(0);
      const session = await loginToken(suite.url, user.username, user.password);
      const changed = await call(suite.url, "PUT", "/api/v1/me/password", {
        token: session,
        json: { currentPassword: user.password, newPassword: `${user.password}-new` },
      });
      expect(changed.status).toBe(204);
      expect((await home.run(["ls"])).code).toBe(3);
    } finally {
      home.remove();
    }
  });

  test("PIXVAULT_SERVER and PIXVAULT_TOKEN win over client.json; the stored token never goes to another server", async () => {
    const a = await loggedInClient(suite.url);
    const b = await loggedInClient(suite.url);
    try {
      writeFileSync(join(a.home.dir, "a.png"), noisePng({ width: 8, height: 8, seed: 3 }));
      expect((await a.home.run(["push", "a.png"])).code).toBe(0);
      // No file at all: the environment alone is enough.
      const bare = clientHome();
      const viaEnv = await bare.run(["ls", "--json"], { env: { PIXVAULT_SERVER: suite.url, PIXVAULT_TOKEN: b.token } });
      bare.remove();
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      expect(JSON.parse(viaEnv.stdout)).toEqual({ items: [] });
      // A's file, B's token from the environment: the server sees B, who has no images.
      expect((await a.home.run(["ls"])).stdout).toContain("a.png");
      expect((await a.home.run(["ls"], { env: { PIXVAULT_TOKEN: b.token } })).stdout).toBe("");
      expect((await a.home.run(["ls"], { env: { PIXVAULT_TOKEN: "pxv_bogus" } })).code).toBe(3);
      // Another server named by PIXVAULT_SERVER and no PIXVAULT_TOKEN: A's token is not sent there.
      const elsewhere = await a.home.run(["ls"], { env: { PIXVAULT_SERVER: "http://127.0.0.1:9" } });
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toContain("no token for http://127.0.0.1:9");
      const unreachable = await a.home.run(["ls"], { env: { PIXVAULT_SERVER: "http://127.0.0.1:9", PIXVAULT_TOKEN: a.token } });
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/^pixvault ls: cannot reach http:\/\/127\.0\.0\.1:9: .+\n$/);
      const badUrl = await a.home.run(["ls"], { env: { PIXVAULT_SERVER: "nope" } });
      expect(badUrl.code).toBe(2);
      expect(badUrl.stderr).toContain("PIXVAULT_SERVER: expected an http");
    } finally {
      a.home.remove();
      b.home.remove();
    }
  });
});

describe("pixvault login over TLS with a self-signed certificate", () => {
  test("refused without --insecure-skip-verify (exit 1), accepted and remembered with it", async () => {
    const dir = tempDir();
    const cert = join(dir.path, "cert.pem");
    const key = join(dir.path, "key.pem");
    const made = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert].concat([
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ]),
      { stderr: "pipe" },
    );
    expect(made.exitCode).toBe(0);
    const server = await startServer(["--data-dir", join(dir.path, "data"), "--tls-cert", cert, "--tls-key", key]);
    const home = clientHome();
    try {
      const user = { username: "tlsuser", password: strongPassword() };
      const res = await fetch(`${server.url}/api/v1/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Tls", email: "tls@example.org", ...user }),
        tls: { rejectUnauthorized: false },
      });
      expect(res.status).toBe(201);
      const args = ["login", "--server", server.url, "--username", user.username, "--password-stdin"];
      const refused = await home.run(args, { stdin: user.password });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^pixvault login: cannot reach https:\/\/127\.0\.0\.1:\d+: .+\n$/);
      expect(existsSync(home.credentialsFile)).toBe(false);

      const accepted = await home.run([...args, "--insecure-skip-verify"], { stdin: user.password });
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stderr).toContain("not checked");
      expect(JSON.parse(readFileSync(home.credentialsFile, "utf8")).insecureSkipVerify).toBe(true);
      expect((await home.run(["ls"])).code).toBe(0);
    } finally {
      home.remove();
      await server.stop();
      dir.remove();
    }
  });
});
