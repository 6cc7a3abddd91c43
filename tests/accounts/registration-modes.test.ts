// Who may sign up (README, Accounts with curl: Registration): --registration
// open|invite|closed, invites made with the CLI while the server runs, and the limit of
// sign-ups per client address.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { call, expectProblem, freshUsername, loginToken, SecretJar, strongPassword } from "../support/accounts.ts";
import { callFrom } from "../support/from-address.ts";
import type { OpenApiDoc } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { cliUserCreate, runCli, useSuiteServer, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";

const jar = new SecretJar();

function signUpBody(extra: Record<string, unknown> = {}) {
  const username = freshUsername("su");
  const password = strongPassword();
  jar.add(password);
  return { name: "New Person", username, email: `${username}@example.com`, password, ...extra };
}

const signUp = (url: string, body: Record<string, unknown>) => call(url, "POST", "/api/v1/users", { json: body });
const modeOf = async (url: string) => (await jsonOf<{ mode: string }>(await call(url, "GET", "/api/v1/registration"))).mode;

describe("--registration open (the default), with the default limit of 10 sign-ups per address an hour", () => {
  const dir = tempDir();
  let server: RunningServer;
  // The test helpers raise the limit through the environment; an empty value means the default.
  beforeAll(async () => {
    server = await startServer(["--data-dir", join(dir.path, "data")], { env: { PIXVAULT_REGISTRATION_MAX_PER_IP: "" } });
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  test("GET /api/v1/registration says open, and the OpenAPI document describes it and the refusals", async () => {
    expect(await modeOf(server.url)).toBe("open");
    const doc = await jsonOf<OpenApiDoc>(await call(server.url, "GET", "/api/v1/openapi.json"));
    expect(doc.paths["/api/v1/registration"]!.get!.responses["200"]).toBeDefined();
    const post = doc.paths["/api/v1/users"]!.post!;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(["201", "403", "429"]));
    expect(JSON.stringify(post.requestBody)).toContain("invite");
  });

  test("ten accounts from one address, then 429 with Retry-After; refused sign-ups do not count; another address still signs up", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await signUp(server.url, signUpBody())).status).toBe(201);
      if (i === 4) await expectProblem(await signUp(server.url, signUpBody({ password: "password123" })), 422, "weak_password");
    }
    const refused = await signUp(server.url, signUpBody());
    const retryAfter = Number(refused.headers.get("retry-after"));
    await expectProblem(refused, 429, "rate_limited");
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect((await callFrom("127.0.0.2", server.url, "POST", "/api/v1/users", { json: signUpBody() })).status).toBe(201);
  });
});

describe("--registration closed", () => {
  const suite = useSuiteServer(["--registration", "closed"]);

  test("sign-up is 403 registration_closed; `pixvault user create` still makes accounts while the server runs", async () => {
    expect(await modeOf(suite.url)).toBe("closed");
    const body = await expectProblem(await signUp(suite.url, signUpBody()), 403, "registration_closed");
    expect(body.detail).toContain("operator");
    const { username, password } = signUpBody();
    const created = await cliUserCreate(username, password, ["--data-dir", suite.dataDir], "Op");
    expect(created.code).toBe(0);
    await loginToken(suite.url, username, password, jar);
  });
});

describe("--registration invite", () => {
  const suite = useSuiteServer(["--registration", "invite"]);
  const invite = (...args: string[]) => runCli(["invite", ...args, "--data-dir", suite.dataDir]);
  const newCode = async (...args: string[]) => {
    const r = await invite("create", ...args);
    expect(r.code).toBe(0);
    const code = /pxi_[A-Za-z0-9_-]{43}/.exec(r.stdout)?.[0];
    expect(code).toBeDefined();
    jar.add(code);
    return { code: code!, id: /invite (\S+) /.exec(r.stdout)![1]! };
  };
  const listed = async () =>
    JSON.parse((await invite("list", "--json")).stdout) as { id: string; uses: number; maxUses: number; state: string }[];

  test("without an invite, or with a made-up one, sign-up is 403 invite_invalid", async () => {
    expect(await modeOf(suite.url)).toBe("invite");
    await expectProblem(await signUp(suite.url, signUpBody()), 403, "invite_invalid");
    await expectProblem(await signUp(suite.url, signUpBody({ invite: `pxi_${"A".repeat(43)}` })), 403, "invite_invalid");
  });

  test("an invite for 2 uses makes two accounts; refused sign-ups do not use it up; the third is refused as used up", async () => {
    const { code, id } = await newCode("--uses", "2", "--expires", "1h");
    const first = signUpBody({ invite: code });
    expect((await signUp(suite.url, first)).status).toBe(201);
    await loginToken(suite.url, first.username, first.password, jar);
    await expectProblem(await signUp(suite.url, signUpBody({ invite: code, password: "password123" })), 422, "weak_password");
    await expectProblem(await signUp(suite.url, signUpBody({ invite: code, username: first.username })), 409, "username_taken");
    expect((await listed()).find((i) => i.id === id)).toMatchObject({ uses: 1, maxUses: 2, state: "active" });
    expect((await signUp(suite.url, signUpBody({ invite: code }))).status).toBe(201);
    const third = await expectProblem(await signUp(suite.url, signUpBody({ invite: code })), 403, "invite_invalid");
    expect(third.detail).toContain("used up");

    const table = await invite("list");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+2/2\\s+\\S+\\s+used-up`));
    for (const out of [table.stdout, (await invite("list", "--json")).stdout]) expect(out).not.toContain(code);
  });

  test("invites used at once by several sign-ups: exactly one gets the last use", async () => {
    const { code, id } = await newCode();
    const results = await Promise.all(Array.from({ length: 6 }, () => signUp(suite.url, signUpBody({ invite: code }))));
    const statuses = results.map((r) => r.status).sort();
    await Promise.all(results.map((r) => r.arrayBuffer()));
    expect(statuses).toEqual([201, 403, 403, 403, 403, 403]);
    expect((await listed()).find((i) => i.id === id)).toMatchObject({ uses: 1, maxUses: 1, state: "used-up" });
  });

  test("a revoked invite and an expired one are refused; revoking an unknown id is exit 1", async () => {
    const revoked = await newCode();
    const r = await invite("revoke", revoked.id);
    expect(r.code).toBe(0);
    await expectProblem(await signUp(suite.url, signUpBody({ invite: revoked.code })), 403, "invite_invalid");
    expect((await listed()).find((i) => i.id === revoked.id)?.state).toBe("revoked");
    const unknown = await invite("revoke", "no-such-invite");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("not_found");

    const short = await newCode("--expires", "1s");
    await Bun.sleep(1200);
    const expired = await expectProblem(await signUp(suite.url, signUpBody({ invite: short.code })), 403, "invite_invalid");
    expect(expired.detail).toContain("expired");
  });

  test("the database keeps no invite code in clear, and no code reaches the log", async () => {
    const { code } = await newCode();
    const db = new Database(join(suite.dataDir, "pixvault.db"), { readonly: true });
    try {
      const rows = db.query("SELECT * FROM invites").values() as unknown[][];
      expect(rows.length).toBeGreaterThan(0);
      const text = rows
        .flat()
        .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : String(v)))
        .join("\n");
      expect(text).not.toContain(code);
      expect(text).not.toContain(code.slice(4));
    } finally {
      db.close();
    }
    expect(jar.foundIn(suite.server.output())).toEqual([]);
  });
});

describe("registration and invite flags", () => {
  test("a bad --registration or --uses is exit 2 with one line naming the flag; invite --help shows the commands", async () => {
    const mode = await runCli(["serve", "--port", "0", "--registration", "maybe"]);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain("--registration:");
    const dir = tempDir();
    try {
      const uses = await runCli(["invite", "create", "--uses", "0", "--data-dir", dir.path]);
      expect(uses.code).toBe(2);
      expect(uses.stderr).toContain("--uses:");
    } finally {
      dir.remove();
    }
    const help = await runCli(["invite", "--help"]);
    expect(help.code).toBe(0);
    for (const line of ["invite create", "invite list", "invite revoke"]) expect(help.stdout).toContain(line);
    expect((await runCli(["user", "--help"])).stdout).toContain("user unlock --username U");
  });
});
