// Password confirmations (change password, delete account, create an API token) are
// throttled like logins, so a stolen session or API token is no unlimited password oracle.
import { describe, expect, test } from "bun:test";
import type { ApiTokenBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { call, createApiToken, expectProblem, loginToken, registerUser, SecretJar } from "../support/accounts.ts";

describe("password confirmation throttling", () => {
  const suite = useInProcessServer(["--login-max-failures", "3", "--login-window", "1m"]);
  const jar = new SecretJar();

  test("wrong current passwords on PUT /me/password reach the limit; then even the right one is 429", async () => {
    const user = await registerUser(suite.url, jar, { username: "erin" });
    const { token } = await createApiToken(
      suite.url,
      await loginToken(suite.url, "erin", user.password, jar),
      user.password,
      "script",
      jar,
    );
    const change = (currentPassword: string) =>
      call(suite.url, "PUT", "/api/v1/me/password", { token, json: { currentPassword, newPassword: "a completely new passphrase" } });
    for (let i = 0; i < 3; i++) await expectProblem(await change(`wrong guess ${i}`), 401, "invalid_credentials");
    const blocked = await change(user.password);
    await expectProblem(blocked, 429, "rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/me", { token, json: { password: user.password } }), 429, "rate_limited");
    // Nothing changed: the account and its password are intact.
    expect((await call(suite.url, "GET", "/api/v1/me", { token })).status).toBe(200);
  });

  test("wrong passwords on POST /tokens count in the same budget: then the right one is 429 there and on PUT /me/password", async () => {
    const user = await registerUser(suite.url, jar, { username: "fay" });
    const session = await loginToken(suite.url, "fay", user.password, jar);
    const mint = (password: string) => call(suite.url, "POST", "/api/v1/tokens", { token: session, json: { name: "stolen", password } });
    for (let i = 0; i < 3; i++) await expectProblem(await mint(`wrong guess ${i}`), 401, "invalid_credentials");
    const blocked = await mint(user.password);
    await expectProblem(blocked, 429, "rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const change = { currentPassword: user.password, newPassword: "a completely new passphrase" };
    await expectProblem(await call(suite.url, "PUT", "/api/v1/me/password", { token: session, json: change }), 429, "rate_limited");
    // No token was made, and the session that guessed still works.
    const tokens = await call(suite.url, "GET", "/api/v1/tokens", { token: session });
    expect(tokens.status).toBe(200);
    expect((await jsonOf<{ items: ApiTokenBody[] }>(tokens)).items).toEqual([]);
  });
});
