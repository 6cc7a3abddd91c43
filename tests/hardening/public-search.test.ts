// Filename search on the public listing goes through the search index (keyed trigrams): only
// candidates are decrypted. With thousands of public images, anonymous clients searching for a
// name nobody has must not stall everyone else: /healthz stays fast while they search, and
// following nextCursor finds every match exactly once, in no more pages than the matches need.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { composeServices } from "../../src/compose/services.ts";
import { openStorage } from "../../src/compose/storage.ts";
import { parseStorageConfig } from "../../src/config.ts";
import { uploadOptionsSchema } from "../../src/domain/images/input.ts";
import { createLogger } from "../../src/logger.ts";
import { userRepository } from "../../src/store/user-repository.ts";
import { freshUsername, strongPassword } from "../support/accounts.ts";
import type { ImageBody, ImagePage } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng } from "../support/images.ts";
import { DEFAULT_PREVIEW_CONFIG } from "../../src/compose/previews.ts";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";

const PUBLIC_IMAGES = Number(process.env.HARDENING_SEARCH_IMAGES ?? 4000);
const SEARCHERS = 4;
const SECONDS = 6;

/** Stores `count` public images straight through the upload rules, many at a time (the HTTP path would take minutes). */
async function seedPublicImages(dataDir: string, count: number): Promise<void> {
  const logger = createLogger(() => {});
  const storage = await openStorage(parseStorageConfig(["--data-dir", dataDir]).config, logger);
  try {
    // No preview workers: the seeded images' previews are beside the point of this suite.
    const previews = { ...DEFAULT_PREVIEW_CONFIG, workers: 0 };
    const { accounts, images } = composeServices(storage, { maxImageBytes: 1024 * 1024, dataDir, previews }, logger);
    const username = freshUsername("seed");
    const registered = await accounts.accounts.register({
      username,
      name: "Seed",
      email: `${username}@example.test`,
      password: strongPassword(),
    });
    if (!registered.ok) throw new Error(JSON.stringify(registered.error));
    const owner = (await userRepository(storage.db.orm).findByUsername(username))!;
    const session = await images.uploads.begin(owner);
    const bytes = noisePng({ width: 8, height: 8, seed: 3 });
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const body = (async function* () {
          yield bytes;
        })();
        const stored = await images.uploads.upload(
          session,
          { filename: `holiday-${String(i).padStart(5, "0")}.png`, body },
          uploadOptionsSchema.parse({ visibility: "public" }),
        );
        if (!stored.ok) throw new Error(JSON.stringify(stored.error));
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
  } finally {
    storage.close();
  }
}

async function listPublic(query: Record<string, string>): Promise<ImagePage> {
  const res = await fetch(`${server.url}/api/v1/images?${new URLSearchParams({ scope: "public", ...query })}`);
  const body = await jsonOf<ImagePage>(res);
  expect({ status: res.status, body: res.status === 200 ? "ok" : body }).toEqual({ status: 200, body: "ok" });
  return body;
}

async function listAllPublic(query: Record<string, string>): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listPublic({ ...query, ...(cursor ? { cursor } : {}) });
    names.push(...page.items.map((i) => i.filename));
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

let server: RunningServer;

describe(`${SEARCHERS} anonymous clients searching ${PUBLIC_IMAGES} public images for a name nobody has`, () => {
  const dir = tempDir("pixvault-search-");
  const dataDir = join(dir.path, "data");

  beforeAll(async () => {
    const t0 = performance.now();
    await seedPublicImages(dataDir, PUBLIC_IMAGES);
    console.log(`seeded ${PUBLIC_IMAGES} in ${Math.round(performance.now() - t0)} ms`);
    // Nor in the server under test: 4000 preview and analysis jobs would compete with the searches it measures.
    server = await startServer(["--data-dir", dataDir, "--preview-workers", "0"]);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  /** /healthz latencies (ms, sorted) measured every 20 ms until `deadline`. */
  const probeHealth = async (deadline: number): Promise<number[]> => {
    const latencies: number[] = [];
    while (Date.now() < deadline) {
      const t = performance.now();
      const res = await fetch(`${server.url}/healthz`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      await Bun.sleep(20);
    }
    return latencies.sort((a, b) => a - b);
  };
  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  const describeLatency = (sorted: number[]) =>
    `n=${sorted.length} p50=${percentile(sorted, 0.5).toFixed(1)} p95=${percentile(sorted, 0.95).toFixed(1)} max=${sorted.at(-1)!.toFixed(1)} ms`;

  test("/healthz p95 stays under 200 ms", async () => {
    const idle = await probeHealth(Date.now() + 2_000);
    const deadline = Date.now() + SECONDS * 1000;
    let requests = 0;
    let scans = 0;
    // Each searcher follows nextCursor to the end of the listing, as the web UI does, and starts over.
    const searcher = async () => {
      let cursor: string | null = null;
      while (Date.now() < deadline) {
        const page = await listPublic({ q: "zzz", limit: "50", ...(cursor ? { cursor } : {}) });
        expect(page.items).toEqual([]);
        requests += 1;
        cursor = page.nextCursor;
        if (cursor === null) scans += 1;
      }
    };
    const [latencies] = await Promise.all([probeHealth(deadline), ...Array.from({ length: SEARCHERS }, searcher)]);
    console.log(
      `/healthz idle: ${describeLatency(idle)}; under ${requests} searches (${scans} whole scans): ${describeLatency(latencies)}`,
    );
    expect(percentile(latencies, 0.95)).toBeLessThan(200);
    // The searches ran too: each reached the end of the (empty) listing at least once.
    expect(scans).toBeGreaterThanOrEqual(SEARCHERS);
  }, 60_000);

  test("following nextCursor finds every match exactly once, in order, whoever searches", async () => {
    const expected = Array.from({ length: 10 }, (_, i) => `holiday-0123${i}.png`);
    const found: ImageBody[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const page = await listPublic({ q: "-0123", limit: "4", ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(4);
      found.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(found.map((i) => i.filename).sort()).toEqual(expected);
    const times = found.map((i) => Date.parse(i.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // 4,000 rows, but only the index's candidates are read: the pages the ten matches need.
    expect(pages).toBe(3);
    // Upper case and a limit above the match count: the same ten, in the same order.
    const all = await listAllPublic({ q: "HOLIDAY-0123", limit: "200" });
    expect(all).toEqual(found.map((i) => i.filename));
  }, 60_000);
});
