// /metrics in Prometheus text format: what an operator would graph and alert on moves when
// the things it names happen; --metrics-token keeps it private.
import { describe, expect, test } from "bun:test";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { call, signedInUser } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { contentOf, uploadOne } from "../support/images-api.ts";
import { useSuiteServer, startServer, tempDir } from "../support/pixvault.ts";

const TOKEN = "metrics-secret-0123456789";
// No preview workers: a preview is made only when asked for, so no background job reads the
// blob the test tampers with (an extra integrity error) and the preview gauges move on cue.
const suite = useSuiteServer(["--metrics-token", TOKEN, "--preview-workers", "0"]);

async function scrape(): Promise<string> {
  const res = await call(suite.url, "GET", "/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return res.text();
}

/** The value of one sample line, e.g. value(text, 'pixvault_login_failures_total'). */
function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  test("needs the metrics token when one is set", async () => {
    expect((await call(suite.url, "GET", "/metrics")).status).toBe(401);
    expect((await call(suite.url, "GET", "/metrics", { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
  });

  test("counts requests by route and status, latency, bytes, images stored, failed logins and integrity errors", async () => {
    const before = await scrape();
    const user = await signedInUser(suite.url);
    const bytes = noisePng({ width: 80, height: 60, seed: 3 });
    const image = await uploadOne(suite.url, user.token, { name: "m.png", bytes });
    await (await contentOf(suite.url, user.token, image.id)).arrayBuffer();
    await call(suite.url, "POST", "/api/v1/sessions", { json: { username: user.user.username, password: "not the password" } });
    const blob = join(suite.dataDir, "blobs", image.id.slice(0, 2), image.id.slice(2, 4), image.id);
    const raw = await fs.readFile(blob);
    raw[raw.length - 5]! ^= 1;
    await fs.writeFile(blob, raw);
    expect((await contentOf(suite.url, user.token, image.id)).status).toBe(500);

    const after = await scrape();
    expect(value(after, 'pixvault_http_requests_total{method="POST",route="/api/v1/images",status="201"}')).toBe(1);
    expect(value(after, 'pixvault_http_requests_total{method="GET",route="/api/v1/images/:id/content",status="200"}')).toBe(1);
    expect(value(after, 'pixvault_http_requests_total{method="GET",route="/api/v1/images/:id/content",status="500"}')).toBe(1);
    expect(value(after, "pixvault_login_failures_total") - value(before, "pixvault_login_failures_total")).toBe(1);
    expect(value(after, "pixvault_integrity_errors_total") - value(before, "pixvault_integrity_errors_total")).toBe(1);
    expect(value(after, "pixvault_images_stored")).toBe(1);
    expect(value(after, "pixvault_image_bytes_stored")).toBe(bytes.length);
    expect(value(after, "pixvault_http_request_bytes_total") - value(before, "pixvault_http_request_bytes_total")).toBeGreaterThan(
      bytes.length,
    );
    expect(value(after, "pixvault_http_response_bytes_total") - value(before, "pixvault_http_response_bytes_total")).toBeGreaterThanOrEqual(
      bytes.length,
    );
    expect(value(after, 'pixvault_http_request_duration_seconds_count{route="/api/v1/images"}')).toBe(1);
    expect(value(after, 'pixvault_http_request_duration_seconds_bucket{route="/api/v1/images",le="+Inf"}')).toBe(1);
    // Raw paths never become labels: ids would make the series unbounded.
    expect(after).not.toContain(image.id);
  });

  test("counts images by the state of their previews: pending until made, then ready or failed", async () => {
    const user = await signedInUser(suite.url);
    const before = await scrape();
    const good = await uploadOne(suite.url, user.token, { name: "g.png", bytes: noisePng({ width: 90, height: 60, seed: 5 }) });
    const cut = noisePng({ width: 90, height: 60, seed: 6 }).subarray(0, 200);
    const bad = await uploadOne(suite.url, user.token, { name: "b.png", bytes: cut });
    const delta = (text: string, state: string) => value(text, `pixvault_previews_${state}`) - value(before, `pixvault_previews_${state}`);
    const queued = await scrape();
    expect([delta(queued, "pending"), delta(queued, "ready"), delta(queued, "failed")]).toEqual([2, 0, 0]);

    const preview = (id: string) => call(suite.url, "GET", `/api/v1/images/${id}/preview`, { token: user.token });
    expect((await preview(good.id)).status).toBe(200);
    expect((await preview(bad.id)).status).toBe(422);
    const made = await scrape();
    expect([delta(made, "pending"), delta(made, "ready"), delta(made, "failed")]).toEqual([0, 1, 1]);
    expect(made).toContain("# TYPE pixvault_previews_failed gauge");
  });

  test("without --metrics-token it is open", async () => {
    const dir = tempDir();
    const server = await startServer(["--data-dir", dir.path]);
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("# TYPE pixvault_http_requests_total counter");
    } finally {
      await server.stop();
      dir.remove();
    }
  });
});
