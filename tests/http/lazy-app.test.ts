// The server's lazily built app: /healthz is answered before the API's routers exist, and a request
// for anything else waits for them and gets exactly what the whole app answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { listen, type Listener } from "../../src/http/listen.ts";
import { lazyApp } from "../../src/lazy-app.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestApp, type TestApp } from "../../src/test-app.ts";

describe("lazyApp", () => {
  let whole: TestApp;
  let server: Listener;

  beforeAll(async () => {
    whole = await createTestApp();
    const logger = createLogger(() => {});
    server = await listen(lazyApp({ logger, version: "test", readiness: {}, accounts: whole.accounts, images: whole.images }), {
      host: "127.0.0.1",
      port: 0,
    });
  });

  afterAll(async () => {
    await server.stop();
    await whole.close();
  });

  test("/healthz answers through the same middleware as every other route", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", version: "test" });
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(res.headers.get("content-security-policy")).toBeTruthy();
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("the first API requests, arriving together, wait for the routers: none is a 404", async () => {
    const [me, doc, missing] = await Promise.all([
      fetch(`${server.url}/api/v1/me`),
      fetch(`${server.url}/api/v1/openapi.json`),
      fetch(`${server.url}/api/v1/nothing-here`),
    ]);
    expect(me.status).toBe(401);
    expect(doc.status).toBe(200);
    expect(missing.status).toBe(404);
    const expected = createApp({
      logger: createLogger(() => {}),
      version: "test",
      readiness: {},
      accounts: whole.accounts,
      images: whole.images,
    });
    expect(await doc.json()).toEqual(await (await expected.request("/api/v1/openapi.json")).json());
  });
});
