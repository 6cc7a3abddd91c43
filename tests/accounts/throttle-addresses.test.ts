// Login throttling tells clients apart (README, Accounts with curl): one address's failures
// lock that address out of that account, not the owner; `user unlock` clears it; rows hold no
// typed text and go when their window ends. Clients are played by loopback addresses 127.0.0.x.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { call, expectProblem, registerUser, SecretJar, signedInUser } from "../support/accounts.ts";
import { callFrom } from "../support/from-address.ts";
import type { SessionBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { createShare, postPassword } from "../support/shares-api.ts";
import { runCli, useSuiteServer } from "../support/pixvault.ts";

const PER_PAIR = 3;
const ATTACKER = "127.0.0.2";

/** Every row of every table of the server's database, read-only while it runs. */
function allRows(dataDir: string, only?: string): { table: string; values: unknown[] }[] {
  const db = new Database(join(dataDir, "pixvault.db"), { readonly: true });
  try {
    const tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables
      .filter((t) => only === undefined || t.name === only)
      .flatMap((t) => (db.query(`SELECT * FROM "${t.name}"`).values() as unknown[][]).map((values) => ({ table: t.name, values })));
  } finally {
    db.close();
  }
}

/** The tables whose rows hold `needle` (as text or inside a blob). */
function tablesHolding(rows: { table: string; values: unknown[] }[], needle: string): string[] {
  const bytes = Buffer.from(needle);
  const found = rows.filter(({ values }) =>
    values.some((v) => (typeof v === "string" ? v.includes(needle) : v instanceof Uint8Array ? Buffer.from(v).includes(bytes) : false)),
  );
  return [...new Set(found.map((r) => r.table))];
}

describe("login throttling per (username, address)", () => {
  const suite = useSuiteServer(["--login-max-failures", String(PER_PAIR), "--login-window", "60s"]);
  const jar = new SecretJar();
  const login = (from: string, username: string, password: string) =>
    callFrom(from, suite.url, "POST", "/api/v1/sessions", { json: { username, password } });

  test(`an attacker's ${PER_PAIR + 2} failures lock only the attacker's address: the victim logs in and changes the password from theirs`, async () => {
    const victim = await registerUser(suite.url, jar);
    for (let i = 0; i < PER_PAIR; i++)
      await expectProblem(await login(ATTACKER, victim.username, `guess ${i}`), 401, "invalid_credentials");
    for (let i = 0; i < 2; i++) await expectProblem(await login(ATTACKER, victim.username, `guess more ${i}`), 429, "rate_limited");
    // From the attacker's address even the right password waits: a guess there gets no answer.
    await expectProblem(await login(ATTACKER, victim.username, victim.password), 429, "rate_limited");

    const own = await login("127.0.0.1", victim.username, victim.password);
    expect(own.status).toBe(201);
    const { token } = await jsonOf<SessionBody>(own);
    jar.add(token);
    const newPassword = `${victim.password}-changed`;
    jar.add(newPassword);
    const change = await callFrom("127.0.0.1", suite.url, "PUT", "/api/v1/me/password", {
      token,
      json: { currentPassword: victim.password, newPassword },
    });
    expect(change.status).toBe(204);
  });

  test("X-Forwarded-For is ignored without --trust-proxy: a new header per guess does not make a new client", async () => {
    const victim = await registerUser(suite.url, jar);
    const guess = (password: string, forwardedFor: string) =>
      callFrom("127.0.0.3", suite.url, "POST", "/api/v1/sessions", {
        json: { username: victim.username, password },
        headers: { "x-forwarded-for": forwardedFor },
      });
    for (let i = 0; i < PER_PAIR; i++) await expectProblem(await guess(`guess ${i}`, `198.51.100.${i + 1}`), 401, "invalid_credentials");
    await expectProblem(await guess(victim.password, "203.0.113.77"), 429, "rate_limited");
  });

  test("`pixvault user unlock` clears the username's counters while the server runs", async () => {
    const victim = await registerUser(suite.url, jar);
    for (let i = 0; i < PER_PAIR; i++)
      await expectProblem(await login(ATTACKER, victim.username, `guess ${i}`), 401, "invalid_credentials");
    await expectProblem(await login(ATTACKER, victim.username, victim.password), 429, "rate_limited");

    const unlock = await runCli(["user", "unlock", "--username", victim.username.toUpperCase(), "--data-dir", suite.dataDir]);
    expect(unlock.stderr).toBe("");
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toContain(`of ${victim.username}`);
    const after = await login(ATTACKER, victim.username, victim.password);
    expect(after.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(after)).token);
  });

  test("a share link's password likewise: one address's wrong guesses do not lock the link for the people it was sent to", async () => {
    const owner = await signedInUser(suite.url, jar);
    const image = await uploadOne(suite.url, owner.token, { name: "shared.png", bytes: noisePng({ width: 8, height: 8, seed: 7 }) });
    const password = `link-${crypto.randomUUID()}`;
    jar.add(password);
    const link = await createShare(suite.url, owner.token, image.id, { password }, jar);
    const guess = (value: string) => callFrom(ATTACKER, suite.url, "POST", `/s/${link.token}`, { json: { password: value } });
    for (let i = 0; i < PER_PAIR; i++) await expectProblem(await guess(`guess ${i}`), 401, "invalid_credentials");
    await expectProblem(await guess(password), 429, "rate_limited");
    expect((await postPassword(suite.url, link.token, password, { json: true })).status).toBe(303);
  });

  test("rate_limits rows hold neither the typed username nor a password typed into the username field, nor the address", async () => {
    // People type their password into the username field; the old table kept it as a key.
    const typedAsUsername = `Typed-Secret-${crypto.randomUUID().slice(0, 8)}`;
    const typedPassword = `typed-password-${crypto.randomUUID().slice(0, 8)}`;
    jar.add(typedAsUsername, typedPassword);
    for (let i = 0; i < 2; i++) await expectProblem(await login("127.0.0.5", typedAsUsername, typedPassword), 401, "invalid_credentials");

    const throttleRows = allRows(suite.dataDir, "rate_limits");
    expect(throttleRows.length).toBeGreaterThan(0);
    const everything = allRows(suite.dataDir);
    for (const needle of [typedAsUsername, typedAsUsername.toLowerCase(), typedPassword])
      expect(tablesHolding(everything, needle)).toEqual([]);
    expect(tablesHolding(throttleRows, "127.0.0.5")).toEqual([]);
  });

  test("no password or token used here appears in the server log", () => {
    expect(jar.foundIn(suite.server.output())).toEqual([]);
  });
});

describe("throttling rows end with their window", () => {
  const suite = useSuiteServer(["--login-max-failures", "2", "--login-window", "2s"]);

  test("rows are deleted once the window has ended, with no request needed", async () => {
    const user = await registerUser(suite.url);
    // The sign-up's own counter lives an hour; only the login rows' windows end here.
    const before = allRows(suite.dataDir, "rate_limits").length;
    for (let i = 0; i < 3; i++)
      await (await call(suite.url, "POST", "/api/v1/sessions", { json: { username: user.username, password: `no ${i}` } })).arrayBuffer();
    expect(allRows(suite.dataDir, "rate_limits").length).toBeGreaterThan(before);
    // The window is 2 s and the server purges every 2 s: 8 s is ample, and nothing else writes.
    const deadline = Date.now() + 8_000;
    while (allRows(suite.dataDir, "rate_limits").length > before && Date.now() < deadline) await Bun.sleep(200);
    const left = allRows(suite.dataDir, "rate_limits");
    expect(left.length).toBe(before);
    // values: key, subject, window_start, count, expires_at
    for (const { values } of left) expect(Number(values[4])).toBeGreaterThan(Date.now());
  });
});
