// --user-quota-bytes: GET /api/v1/me tells each user the server-wide quota.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { jsonOf } from "../support/http.ts";
import { call, loginToken, registerUser } from "../support/accounts.ts";

describe("usage quota: --user-quota-bytes", () => {
  const dir = tempDir();
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(["--data-dir", join(dir.path, "data"), "--user-quota-bytes", "1GiB"]);
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  test("GET /me reports the quota in bytes (1GiB = 1073741824) next to zero usage", async () => {
    const user = await registerUser(server.url);
    const token = await loginToken(server.url, user.username, user.password);
    const res = await call(server.url, "GET", "/api/v1/me", { token });
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).user.usage).toEqual({ images: 0, bytes: 0, quotaBytes: 1073741824 });
  });
});
