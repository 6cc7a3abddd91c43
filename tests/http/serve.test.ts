// The running server: health, readiness, request ids, problem+json, logs, limits, shutdown.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import type { OpenApiDoc, Problem } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";

describe("pixvault serve", () => {
  const dir = tempDir();
  const data = join(dir.path, "data");
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(["--data-dir", data]);
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  test("creates its data directory, database and 0600 master key, and says where the key is", () => {
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(existsSync(join(data, "pixvault.db"))).toBe(true);
    expect(statSync(join(data, "master.key")).mode & 0o777).toBe(0o600);
    const warning = server.logs().find((l) => l.msg === "master key created");
    expect(warning?.path).toBe(join(data, "master.key"));
    expect(String(warning?.advice)).toContain("move it out of the data directory");
  });

  test("GET /healthz and /readyz answer 200 with JSON", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await jsonOf(health)).toMatchObject({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await jsonOf(ready)).toEqual({ status: "ready", checks: { database: "ok", blobStore: "ok" } });
  });

  test("every response carries X-Request-Id; a safe incoming id is kept", async () => {
    const fresh = await fetch(`${server.url}/healthz`);
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await fetch(`${server.url}/nowhere`);
    expect(missing.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "trace-42" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-42");
    const unsafe = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "a b<script>" } });
    expect(unsafe.headers.get("x-request-id")).not.toContain("<");
  });

  test("an unknown route is a 404 problem+json with code not_found", async () => {
    const res = await fetch(`${server.url}/api/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await jsonOf<Problem>(res);
    expect(body).toMatchObject({ status: 404, code: "not_found", title: "Not found" });
    expect(typeof body.type).toBe("string");
    expect(typeof body.detail).toBe("string");
  });

  test("security headers are on every response", async () => {
    for (const path of ["/healthz", "/nowhere"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
  });

  test("oversized bodies are refused with 413 payload_too_large before they are read", async () => {
    const res = await fetch(`${server.url}/api/v1/anything`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect((await jsonOf<Problem>(res)).code).toBe("payload_too_large");
  });

  test("the OpenAPI document describes the routes", async () => {
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await jsonOf<OpenApiDoc>(res);
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/healthz",
        "/readyz",
        "/api/v1/images",
        "/api/v1/images/{id}",
        "/api/v1/images/{id}/content",
        "/api/v1/images/delete",
        "/api/v1/images/{id}/shares",
        "/s/{token}",
      ]),
    );
    expect(Object.keys(doc.paths["/api/v1/images"]!)).toEqual(expect.arrayContaining(["get", "post"]));
    expect(Object.keys(doc.paths["/api/v1/images"]!.post!.requestBody!.content)).toContain("multipart/form-data");
    expect(Object.keys(doc.paths["/api/v1/images/{id}/shares"]!).sort()).toEqual(["delete", "get", "post"]);
    expect(Object.keys(doc.paths["/s/{token}"]!).sort()).toEqual(["get", "post"]);
    // The password goes in the body, as a form field or JSON, never in the url.
    expect(Object.keys(doc.paths["/s/{token}"]!.post!.requestBody!.content).sort()).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
    ]);
  });

  test("one structured log line per request, with route pattern and no query or body", async () => {
    await fetch(`${server.url}/healthz?token=sekrit-query-value`, { headers: { "x-request-id": "log-check-1" } });
    expect(await server.logged((l) => l.requestId === "log-check-1")).toBe(true);
    const lines = server.logs().filter((l) => l.requestId === "log-check-1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "request", method: "GET", route: "/healthz", status: 200, bytesOut: 33 });
    expect(typeof lines[0]?.durationMs).toBe("number");
    expect(server.output()).not.toContain("sekrit-query-value");
  });

  test("a second server on the same port exits 1 with a clear message", async () => {
    // Its own data dir: on this one the data-directory lock would refuse it before the port does.
    const r = await runCli(["serve", "--port", String(server.port), "--data-dir", join(dir.path, "other")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("already in use");
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("graceful shutdown", () => {
  test("SIGTERM lets an in-flight request finish, then exits 0", async () => {
    const dir = tempDir();
    const server = await startServer(["--data-dir", dir.path]);
    try {
      // A request whose body is still arriving when the signal comes.
      const socket = connect(server.port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      let response = "";
      socket.on("data", (d) => (response += d.toString()));
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.write("POST /api/v1/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      socket.write('5\r\n{"a":\r\n');
      await Bun.sleep(100);
      server.proc.kill("SIGTERM");
      await Bun.sleep(300);
      expect(server.proc.exitCode).toBeNull();
      socket.write("2\r\n1}\r\n0\r\n\r\n");
      await closed;
      expect(response).toStartWith("HTTP/1.1 404");
      expect(response).toContain("not_found");
      expect(await server.proc.exited).toBe(0);
      expect(server.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down: finishing in-flight requests", "stopped"]));
      // New connections are refused once stopping.
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      server.proc.kill("SIGKILL");
      dir.remove();
    }
  });

  test("SIGINT on an idle server exits 0 promptly", async () => {
    const dir = tempDir();
    const server = await startServer(["--data-dir", dir.path]);
    try {
      const started = performance.now();
      expect(await server.stop("SIGINT")).toBe(0);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      dir.remove();
    }
  });
});
