// 64 clients as 8 users against one real server for HARDENING_LOAD_SECONDS (default 30):
// uploads (multipart and raw), listings, full and ranged reads, archives, share-link downloads
// and deletes at once. No answer may be a 5xx or a dropped connection, every image left must
// come back byte-exact, and the server must not keep memory in proportion to what it served.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { call, SecretJar, signedInUser } from "../support/accounts.ts";
import type { MeBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex } from "../support/images-api.ts";
import { imageIdOfBlob } from "../../src/domain/previews/ports.ts";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { Holdings, newTally, runClient, type LoadTally } from "./load-workload.ts";
import { Rng } from "./rng.ts";
import {
  blobIds,
  errorLines,
  expectAlive,
  expectNoSecretsLogged,
  memoryProbeEnv,
  probeMemory,
  rememberMasterKey,
  tempBlobFiles,
  type MemoryProbe,
} from "./server-probes.ts";

const LOAD_SECONDS = Number(process.env.HARDENING_LOAD_SECONDS ?? 30);
const WARMUP_SECONDS = 3;
const CLIENTS = 64;
const USERS = 8;
const MAX_OPS_PER_CLIENT = 20_000;
/** The load runs in equal rounds with the server's memory probed after each. */
const ROUNDS = 3;
const RETAINED_SLACK_BYTES = 4 * 1024 * 1024;
const RSS_SLACK_BYTES = 32 * 1024 * 1024;

const MiB = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const operations = (tally: LoadTally) => [...tally.counts.values()].reduce((a, b) => a + b, 0);

describe(`${CLIENTS} clients as ${USERS} users for ${LOAD_SECONDS} s`, () => {
  const dir = tempDir("pixvault-load-");
  const dataDir = join(dir.path, "data");
  const jar = new SecretJar();
  let server: RunningServer;
  let holdings: Holdings[] = [];
  let tally: LoadTally;
  /** After the warm-up, then after each round. */
  const probes: MemoryProbe[] = [];
  /** Operations of the rounds after the first: what the memory check weighs a leak against. */
  let laterOps = 0;

  /** Every client runs until `seconds` have passed, counting into `run`; returns when all have stopped. */
  const runLoad = async (seconds: number, seed: number, run: LoadTally): Promise<LoadTally> => {
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) =>
        runClient(
          { url: server.url, holdings: holdings[i % USERS]!, tally: run, jar, rng: new Rng(seed + i), name: `c${seed}-${i}` },
          deadline,
          MAX_OPS_PER_CLIENT,
        ),
      ),
    );
    return run;
  };

  /**
   * Previews are made in the background after uploads: a job in flight at a probe holds its
   * image's bytes, which is work under way, not memory kept. Each probe waits for the queue to
   * empty first (bounded: a backlog still there after a minute is probed as it is).
   */
  const settledProbe = async (): Promise<MemoryProbe> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      if (/^pixvault_previews_pending 0$/m.test(metrics)) break;
      await Bun.sleep(200);
    }
    return probeMemory(server);
  };

  beforeAll(
    async () => {
      server = await startServer(["--data-dir", dataDir], { env: memoryProbeEnv() });
      rememberMasterKey(jar, dataDir);
      holdings = await Promise.all(Array.from({ length: USERS }, async () => new Holdings(await signedInUser(server.url, jar))));
      // Warm-up: the same mix for a few seconds, so every user holds images before the rounds.
      const warm = await runLoad(WARMUP_SECONDS, 1_000, newTally());
      expect(warm.failures.slice(0, 10)).toEqual([]);
      probes.push(await settledProbe());
      tally = newTally();
      for (let round = 0; round < ROUNDS; round++) {
        const before = operations(tally);
        await runLoad(LOAD_SECONDS / ROUNDS, 2_000 + 100 * round, tally);
        probes.push(await settledProbe());
        if (round > 0) laterOps += operations(tally) - before;
      }
      const total = operations(tally);
      console.log(
        `load: ${total} operations in ${LOAD_SECONDS} s (${Math.round(total / LOAD_SECONDS)}/s): ` +
          [...tally.counts].map(([op, n]) => `${op} ${n}`).join(", ") +
          `; ${tally.archivesCutByDelete} archive(s) cut by a concurrent delete; after warm-up and each round, ` +
          `retained ${probes.map((p) => MiB(p.retainedBytes)).join(" → ")} MiB, RSS ${probes.map((p) => MiB(p.rssBytes)).join(" → ")} MiB; ` +
          `a leak of ${Math.ceil(RETAINED_SLACK_BYTES / laterOps)} bytes per operation would have failed the memory check`,
      );
    },
    (WARMUP_SECONDS + LOAD_SECONDS) * 1000 + (ROUNDS + 1) * 90_000 + 60_000,
  );

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  test("no 5xx, no connection error, and every answer matched what was stored", () => {
    const total = operations(tally);
    // Each operation actually ran, many times over: a run that did nothing proves nothing.
    for (const op of ["multipart", "raw", "list", "read", "range", "archive", "share", "delete"]) {
      expect({ op, ran: (tally.counts.get(op) ?? 0) >= 20 }).toEqual({ op, ran: true });
    }
    expect(total).toBeGreaterThan(LOAD_SECONDS * 20);
    expect(tally.failures.slice(0, 20)).toEqual([]);
    expect(tally.serverErrors).toBe(0);
    expect(tally.connectionErrors).toBe(0);
    // Cut archives are the rare race of a delete with a download in progress, never the rule.
    expect(tally.archivesCutByDelete).toBeLessThan((tally.counts.get("archive") ?? 0) / 20);
  });

  test("every image still present is listed and byte-exact; usage, blobs and temp files agree", async () => {
    let images = 0;
    let stillStored = 0;
    for (const held of holdings) {
      const listed = await listAll(server.url, held.member.token);
      expect(listed.map((i) => i.id).sort()).toEqual([...held.images.keys()].sort());
      for (const item of listed) {
        const known = held.images.get(item.id)!;
        expect({ id: item.id, sha256: item.sha256 }).toEqual({ id: item.id, sha256: known.sha256 });
        const res = await contentOf(server.url, held.member.token, item.id);
        expect(res.status).toBe(200);
        expect(sha256Hex(await bytesOf(res))).toBe(known.sha256);
      }
      const me = await jsonOf<{ user: MeBody }>(await call(server.url, "GET", "/api/v1/me", { token: held.member.token }));
      const bytes = [...held.images.values()].reduce((sum, i) => sum + i.bytes.length, 0);
      expect(me.user.usage).toMatchObject({ images: held.images.size, bytes });
      images += held.images.size;
      stillStored += listed.length;
    }
    expect(stillStored).toBe(images);
    expect(images).toBeGreaterThan(0);
    // Deletes removed their blobs; failed or finished uploads left no temp file. Previews are
    // made in the background meanwhile: one original per image, and no preview outlives its image.
    const stored = new Set(holdings.flatMap((held) => [...held.images.keys()]));
    expect(blobIds(dataDir).filter((id) => imageIdOfBlob(id) === undefined).length).toBe(images);
    // (A preview being written is a temp file for a moment: look until one instant shows none.)
    const leftovers = () => ({
      orphans: blobIds(dataDir).filter((id) => !stored.has(imageIdOfBlob(id) ?? id)),
      temps: tempBlobFiles(dataDir),
    });
    for (let i = 0; i < 100 && (leftovers().orphans.length > 0 || leftovers().temps.length > 0); i++) await Bun.sleep(100);
    expect(leftovers()).toEqual({ orphans: [], temps: [] });
  });

  // What is measured. A bare RSS reading after a run says mostly when the collector last ran
  // and how many large buffers were in flight at once: readings of one server a second apart
  // after load differed by up to 80 MB on this VM, and a 3 s warm-up compared against a 30 s
  // run set peaks of unequal runs side by side (the old check once failed at +64 MB against
  // 50 MB, with no leak). So each probe first collects all garbage and lets freed pages go back
  // (memory-probe.preload.ts), and the baseline is the end of the first round, not the warm-up:
  // what fills once and then stays bounded (JIT code, SQLite's page cache, pools) is full by
  // then. Probed so, later rounds here differed by under 1.5 MiB retained and 6 MiB of RSS.
  // Why a leak still fails it. A server that keeps L bytes per operation does not level off:
  // the last probe exceeds the first by L × the later rounds' operations (the first test asks
  // for 20 a second, so about 400 at least; 2,000–4,500 on this VM), and the log line in
  // beforeAll says which L would fail. Checked by hand: a middleware keeping one 4 KiB string per request failed
  // with +17.6 MiB retained, while RSS grew only 13 MiB (the old RSS check would have passed).
  // RSS is still bounded, for native leaks: a 64 KiB buffer kept per request crosses 32 MiB
  // within ~500 requests.
  test("after a full collection the server holds no more after the last round than after the first", async () => {
    expect(probes).toHaveLength(ROUNDS + 1);
    expect(laterOps).toBeGreaterThan(0);
    const [first, last] = [probes[1]!, probes.at(-1)!];
    const retained = MiB(last.retainedBytes - first.retainedBytes);
    const rss = MiB(last.rssBytes - first.rssBytes);
    expect({ retained, within: last.retainedBytes - first.retainedBytes < RETAINED_SLACK_BYTES }).toEqual({ retained, within: true });
    expect({ rss, within: last.rssBytes - first.rssBytes < RSS_SLACK_BYTES }).toEqual({ rss, within: true });
    await expectAlive(server);
  });

  test("the server logged no error and no secret", () => {
    expect(errorLines(server)).toEqual([]);
    expectNoSecretsLogged([server.output()], jar);
  });
});
