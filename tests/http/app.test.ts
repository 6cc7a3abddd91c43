// The app's error mapping, driven in-process through app.request().
import { describe, expect, test } from "bun:test";
import { createRoute, z } from "@hono/zod-openapi";
import { createApp } from "../../src/app.ts";
import { createLogger } from "../../src/logger.ts";
import type { Problem } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";

function appWithLog(readiness = {}) {
  const lines: string[] = [];
  const app = createApp({ logger: createLogger((l) => lines.push(l)), version: "test", readiness });
  return { app, lines };
}

describe("errors", () => {
  test("an unexpected exception is a 500 problem that reveals no internals; the log has them", async () => {
    const { app, lines } = appWithLog();
    app.get("/boom", () => {
      throw new Error("db password is hunter2 at /srv/secret/path");
    });
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.code).toBe("internal_error");
    expect(body.detail).toContain(res.headers.get("x-request-id")!);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("/srv/secret");
    expect(lines.join("")).toContain("hunter2");
  });

  test("a failed readiness check is 503 service_unavailable naming the check, not its error", async () => {
    const { app } = appWithLog({
      database: async () => {},
      blobStore: async () => {
        throw new Error("EACCES: /var/lib/private/blobs");
      },
    });
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: "service_unavailable", failing: ["blobStore"] });
    expect(text).not.toContain("/var/lib/private");
  });

  test("schema validation lists every bad field in one 422 validation_failed", async () => {
    const { app } = appWithLog();
    const route = createRoute({
      method: "post",
      path: "/echo",
      request: {
        body: {
          content: {
            "application/json": { schema: z.object({ name: z.string().min(1), age: z.number().int() }) },
          },
        },
      },
      responses: { 200: { description: "ok" } },
    });
    app.openapi(route, (c) => c.json(c.req.valid("json"), 200));
    const res = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "", age: "x" }),
    });
    expect(res.status).toBe(422);
    const body = await jsonOf<Problem>(res);
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["age", "name"]);
    const malformed = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect((await jsonOf<Problem>(malformed)).code).toBe("bad_request");
  });
});
