// --user-quota-bytes: GET /api/v1/me tells each user the server-wide quota.
import { describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import type { MeBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { call, loginToken, registerUser } from "../support/accounts.ts";

describe("usage quota: --user-quota-bytes", () => {
  const suite = useInProcessServer(["--user-quota-bytes", "1GiB"]);

  test("GET /me reports the quota in bytes (1GiB = 1073741824) next to zero usage", async () => {
    const user = await registerUser(suite.url);
    const token = await loginToken(suite.url, user.username, user.password);
    const res = await call(suite.url, "GET", "/api/v1/me", { token });
    expect(res.status).toBe(200);
    expect((await jsonOf<{ user: MeBody }>(res)).user.usage).toEqual({ images: 0, bytes: 0, quotaBytes: 1073741824 });
  });
});
