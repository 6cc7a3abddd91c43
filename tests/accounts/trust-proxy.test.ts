// Behind a reverse proxy (--trust-proxy): clients are told apart by X-Forwarded-For, taken
// only from the trusted hop; the per-address and per-username limits hold across them.
import { describe, expect, test } from "bun:test";
import { call, expectProblem, registerUser, SecretJar } from "../support/accounts.ts";
import { callFrom } from "../support/from-address.ts";
import type { SessionBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { runCli } from "../support/pixvault.ts";

const PER_PAIR = 2;
const PER_IP = 4;
const PER_USER = 5;

describe("login throttling through a trusted proxy", () => {
  // The tests' own connections (127.0.0.1) play the proxy; 127.0.0.9 is a client reaching the server directly.
  const suite = useInProcessServer([
    "--trust-proxy",
    "127.0.0.1/32,10.9.0.0/16",
    "--login-max-failures",
    String(PER_PAIR),
    "--login-max-failures-per-ip",
    String(PER_IP),
    "--login-max-failures-per-user",
    String(PER_USER),
    "--login-window",
    "60s",
  ]);
  const jar = new SecretJar();
  const loginVia = (forwardedFor: string, username: string, password: string) =>
    call(suite.url, "POST", "/api/v1/sessions", { json: { username, password }, headers: { "x-forwarded-for": forwardedFor } });

  test("each forwarded address has its own (username, address) budget: the owner logs in from theirs", async () => {
    const victim = await registerUser(suite.url, jar);
    for (let i = 0; i < PER_PAIR; i++)
      await expectProblem(await loginVia("198.51.100.1", victim.username, `guess ${i}`), 401, "invalid_credentials");
    await expectProblem(await loginVia("198.51.100.1", victim.username, victim.password), 429, "rate_limited");
    const own = await loginVia("198.51.100.2", victim.username, victim.password);
    expect(own.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(own)).token);
  });

  test(`past ${PER_USER} failures from all addresses together the username is locked, even for a new address with the right password`, async () => {
    const victim = await registerUser(suite.url, jar);
    // Three addresses, none past its own pair limit, five failures in all.
    const attackers = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];
    let failures = 0;
    for (const address of attackers) {
      for (let i = 0; i < PER_PAIR && failures < PER_USER; i++, failures++) {
        await expectProblem(await loginVia(address, victim.username, `spread ${failures}`), 401, "invalid_credentials");
      }
    }
    expect(failures).toBe(PER_USER);
    const blocked = await loginVia("192.0.2.200", victim.username, victim.password);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(blocked, 429, "rate_limited");
    // The operator lifts it.
    expect((await runCli(["user", "unlock", "--username", victim.username, "--data-dir", suite.dataDir])).code).toBe(0);
    const after = await loginVia("192.0.2.200", victim.username, victim.password);
    expect(after.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(after)).token);
  });

  test(`one forwarded address guessing at ${PER_IP} usernames is throttled; another address is not`, async () => {
    const user = await registerUser(suite.url, jar);
    for (let i = 0; i < PER_IP; i++)
      await expectProblem(await loginVia("203.0.113.50", `nobody-${i}`, "wrong"), 401, "invalid_credentials");
    await expectProblem(await loginVia("203.0.113.50", user.username, user.password), 429, "rate_limited");
    const other = await loginVia("203.0.113.51", user.username, user.password);
    expect(other.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(other)).token);
  });

  test("the client is the right-most untrusted hop: addresses a client writes to the left of it change nothing", async () => {
    const user = await registerUser(suite.url, jar);
    // The client (198.51.100.77) prepends made-up hops; a second trusted proxy (10.9.0.5) sits between.
    const guess = (i: number, password = `guess ${i}`) => loginVia(`1.1.1.${i}, 198.51.100.77, 10.9.0.5`, user.username, password);
    for (let i = 0; i < PER_PAIR; i++) await expectProblem(await guess(i), 401, "invalid_credentials");
    await expectProblem(await guess(99, user.password), 429, "rate_limited");
    // Whatever the client writes to the left, garbage included, it stays the same client.
    await expectProblem(await loginVia("not-an-address, 198.51.100.77", user.username, user.password), 429, "rate_limited");
  });

  test("X-Forwarded-For from an untrusted connection is ignored", async () => {
    const user = await registerUser(suite.url, jar);
    const direct = (forwardedFor: string, password: string) =>
      callFrom("127.0.0.9", suite.url, "POST", "/api/v1/sessions", {
        json: { username: user.username, password },
        headers: { "x-forwarded-for": forwardedFor },
      });
    for (let i = 0; i < PER_PAIR; i++) await expectProblem(await direct(`198.18.0.${i}`, `guess ${i}`), 401, "invalid_credentials");
    await expectProblem(await direct("198.18.0.99", user.password), 429, "rate_limited");
    // The address it pretended to be is untouched.
    const pretended = await loginVia("198.18.0.99", user.username, user.password);
    expect(pretended.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(pretended)).token);
  });

  test("no password or token used here appears in the server log", () => {
    expect(jar.foundIn(suite.server.output())).toEqual([]);
  });
});

describe("--trust-proxy is checked at start", () => {
  test("a value that is not an address or range is exit 2 with one line naming the flag", async () => {
    for (const bad of ["proxy.example.org", "10.0.0.0/33", "10.0.0.1/8/1", ","]) {
      const r = await runCli(["serve", "--port", "0", "--trust-proxy", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("--trust-proxy:");
    }
    const fromEnv = await runCli(["serve", "--port", "0"], { env: { PIXVAULT_TRUST_PROXY: "nope" } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("PIXVAULT_TRUST_PROXY");
  });
});
