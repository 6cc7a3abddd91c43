// Serving the web UI from source (built in-process on first use): `/` under its own strict CSP,
// hashed assets cached for good and gzipped, nothing else reachable under /assets, and the
// API keeping its own CSP. The compiled executable is covered by tests/e2e/web-ui.e2e.ts.
import { describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import type { OpenApiDoc } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { useSuiteServer } from "../support/pixvault.ts";

describe("the web UI's routes", () => {
  const suite = useSuiteServer([]);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${suite.url}${path}`, { headers });

  test("`/` is the page: HTML, no-cache with an ETag (304 when unchanged), and a strict CSP of its own", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const csp = res.headers.get("content-security-policy")!;
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "require-trusted-types-for 'script'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-|\*|https?:|data:/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/assets/');
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/); // nothing inline for the CSP to allow

    const again = await get("/", { "if-none-match": res.headers.get("etag")! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  test("every asset the page and its script name is served, cached for a year, gzipped on request", async () => {
    const html = await (await get("/")).text();
    const assets = [...html.matchAll(/"(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.map((a) => a.split(".").pop()).sort()).toEqual(["css", "js", "svg"]);
    const script = await (await get(assets.find((a) => a.endsWith(".js"))!)).text();
    // The password-strength dictionaries are chunks loaded on demand, not part of the first script.
    const chunks = [...new Set([...script.matchAll(/chunk-[a-z0-9]+\.js/g)].map((m) => `/assets/${m[0]}`))];
    expect(chunks.length).toBeGreaterThan(0);
    expect(script.length).toBeLessThan(200_000);

    let largest = { path: "", size: 0 };
    for (const path of [...assets, ...chunks]) {
      const plain = await get(path, { "accept-encoding": "identity" });
      expect({ path, status: plain.status }).toEqual({ path, status: 200 });
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const bytes = new Uint8Array(await plain.arrayBuffer());
      expect(Number(plain.headers.get("content-length"))).toBe(bytes.byteLength);
      if (bytes.byteLength > largest.size) largest = { path, size: bytes.byteLength };
      if (bytes.byteLength < 2048) continue;
      const zipped = await get(path, { "accept-encoding": "gzip, deflate" });
      expect(zipped.headers.get("content-encoding")).toBe("gzip");
      expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
      expect(zipped.headers.get("etag")).not.toBe(plain.headers.get("etag"));
      // fetch decodes gzip itself; the decoded body must be the very same bytes.
      expect(new Uint8Array(await zipped.arrayBuffer())).toEqual(bytes);
    }
    // On the wire, the biggest chunk (the dictionaries) travels well under its size.
    const raw = await fetch(`${suite.url}${largest.path}`, { headers: { "accept-encoding": "gzip" }, decompress: false } as RequestInit);
    const packed = new Uint8Array(await raw.arrayBuffer());
    expect(packed.byteLength).toBeLessThan(largest.size * 0.75);
    expect(gunzipSync(packed).byteLength).toBe(largest.size);
  });

  test("anything else under /assets is a 404 problem, the page included", async () => {
    for (const path of ["/assets/nope.js", "/assets/index.html", "/assets/..%2Fpackage.json", "/assets/"]) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await get("/index.html")).status).toBe(404);
  });

  test("API responses keep the API's own CSP, which allows nothing", async () => {
    for (const path of ["/healthz", "/api/v1/images?scope=public", "/api/v1/openapi.json"]) {
      const res = await get(path);
      expect(res.headers.get("content-security-policy")).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      await res.arrayBuffer();
    }
  });

  test("the OpenAPI document describes the cookie session and the current-session route", async () => {
    const doc = await jsonOf<OpenApiDoc>(await get("/api/v1/openapi.json"));
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "pxv_session" });
    expect(doc.paths["/api/v1/sessions/current"]!.get).toBeDefined();
    expect(JSON.stringify(doc.paths["/api/v1/sessions"]!.post)).toContain("cookie");
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/assets"))).toBe(false);
  });
});
