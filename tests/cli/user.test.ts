// `pixvault user …`: operators manage accounts on the same database a server uses.
import { afterAll, describe, expect, test } from "bun:test";
import { cliUserCreate, runCli, startServer, tempDir } from "../support/pixvault.ts";
import type { ApiTokenBody, SessionBody, UserBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";

const dir = tempDir();
const data = ["--data-dir", dir.path];
const PASSWORD = "correct horse battery staple";
afterAll(() => dir.remove());

const create = (username: string, password: string, extra: string[] = []) => cliUserCreate(username, `${password}\n`, [...data, ...extra]);

describe("pixvault user", () => {
  test("create makes an account that can log in over HTTP (trailing newline dropped)", async () => {
    const r = await create("Operator.Ann", PASSWORD);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("created user operator.ann");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const server = await startServer(data);
    try {
      const res = await fetch(`${server.url}/api/v1/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "operator.ann", password: PASSWORD }),
      });
      expect(res.status).toBe(201);
      expect((await jsonOf<{ user: UserBody }>(res)).user.username).toBe("operator.ann");
    } finally {
      await server.stop();
    }
  });

  test("create refuses a taken username, a weak password, bad fields, and a password not on stdin", async () => {
    const taken = await create("OPERATOR.ANN", PASSWORD);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("username_taken");
    const weak = await create("weakling", "password1234");
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("weak_password");
    // Too short is weak too: the same code, and the one line says what to do.
    const short = await create("shorty", "Qz7#kP2!m");
    expect(short.code).toBe(1);
    expect(short.stderr.trim().split("\n")).toHaveLength(1);
    expect(short.stderr).toContain("weak_password");
    expect(short.stderr).toContain("Use at least 10 characters.");
    expect(short.stderr).not.toContain("Qz7#kP2!m");
    const badName = await create("ä-user", PASSWORD);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain("--username:");
    const noStdin = await runCli(["user", "create", "--username", "x-user", "--email", "x@x.io", "--name", "X", ...data]);
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toContain("--password-stdin");
    const missing = await runCli(["user", "create", "--username", "y-user", "--password-stdin", ...data], { stdin: PASSWORD });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--email: required");
  });

  test("list shows accounts as a table or JSON, never a hash", async () => {
    const table = await runCli(["user", "list", ...data]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("USERNAME");
    expect(table.stdout).toContain("operator.ann");
    const json = await runCli(["user", "list", "--json", ...data]);
    const users = JSON.parse(json.stdout) as { username: string; usage: { images: number } }[];
    expect(users.map((u) => u.username)).toContain("operator.ann");
    expect(users[0]?.usage.images).toBe(0);
    expect(json.stdout).not.toContain("argon2");
  });

  test("reset-password changes the password and revokes the user's sessions and API tokens", async () => {
    const server = await startServer(data);
    try {
      const login = (password: string) =>
        fetch(`${server.url}/api/v1/sessions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "operator.ann", password }),
        });
      const meStatus = async (token: string) =>
        (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
      const { token } = await jsonOf<SessionBody>(await login(PASSWORD));
      const minted = await fetch(`${server.url}/api/v1/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: "cron job", password: PASSWORD }),
      });
      expect(minted.status).toBe(201);
      const api = (await jsonOf<ApiTokenBody>(minted)).token as string;
      expect(await meStatus(api)).toBe(200);

      // A short new password is refused like a weak one, and changes nothing.
      const short = await runCli(["user", "reset-password", "--username", "operator.ann", "--password-stdin", ...data], {
        stdin: "12345678",
      });
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("weak_password");
      expect(short.stderr).toContain("Use at least 10 characters.");
      expect(await meStatus(token)).toBe(200);
      expect(await meStatus(api)).toBe(200);

      const NEW = "a brand new operator passphrase";
      const r = await runCli(["user", "reset-password", "--username", "operator.ann", "--password-stdin", ...data], { stdin: NEW });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("sessions and API tokens were revoked");
      expect(await meStatus(token)).toBe(401);
      expect(await meStatus(api)).toBe(401);
      expect((await login(PASSWORD)).status).toBe(401);
      expect((await login(NEW)).status).toBe(201);
    } finally {
      await server.stop();
    }
  });

  test("delete removes the account; deleting again says there is no such user", async () => {
    expect((await create("doomed", PASSWORD)).code).toBe(0);
    const r = await runCli(["user", "delete", "--username", "doomed", ...data]);
    expect(r.code).toBe(0);
    const list = JSON.parse((await runCli(["user", "list", "--json", ...data])).stdout) as { username: string }[];
    expect(list.map((u) => u.username)).not.toContain("doomed");
    const again = await runCli(["user", "delete", "--username", "doomed", ...data]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no user");
  });

  test("an unknown action prints the usage and exits 2", async () => {
    const r = await runCli(["user", "promote", ...data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pixvault user create");
  });
});
