// 64 clients as 8 users against one real server for HARDENING_LOAD_SECONDS (default 30):
// uploads (multipart and raw), listings, full and ranged reads, archives, share-link downloads
// and deletes at once. No answer may be a 5xx or a dropped connection, every image left must
// come back byte-exact, and the server must not keep the memory the run cost it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { call, SecretJar, signedInUser } from "../support/accounts.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex } from "../support/images-api.ts";
import { startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { Holdings, newTally, runClient, type LoadTally } from "./load-workload.ts";
import { Rng } from "./rng.ts";
import { blobIds, errorLines, expectAlive, expectNoSecretsLogged, rememberMasterKey, rssBytes, tempBlobFiles } from "./server-probes.ts";

const LOAD_SECONDS = Number(process.env.HARDENING_LOAD_SECONDS ?? 30);
const WARMUP_SECONDS = 3;
const CLIENTS = 64;
const USERS = 8;
const MAX_OPS_PER_CLIENT = 20_000;
const RSS_SLACK_BYTES = 50 * 1024 * 1024;

const MiB = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

describe(`${CLIENTS} clients as ${USERS} users for ${LOAD_SECONDS} s`, () => {
  const dir = tempDir("pixvault-load-");
  const dataDir = join(dir.path, "data");
  const jar = new SecretJar();
  let server: RunningServer;
  let holdings: Holdings[] = [];
  let tally: LoadTally;
  let rssBefore = 0;
  let rssAfter = 0;

  /** Every client runs until `seconds` have passed; returns when all have stopped. */
  const runLoad = async (seconds: number, seed: number): Promise<LoadTally> => {
    const run = newTally();
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) =>
        runClient({ url: server.url, holdings: holdings[i % USERS]!, tally: run, jar, rng: new Rng(seed + i), name: `c${seed}-${i}` }, deadline, MAX_OPS_PER_CLIENT),
      ),
    );
    return run;
  };

  beforeAll(async () => {
    server = await startServer(["--data-dir", dataDir]);
    rememberMasterKey(jar, dataDir);
    holdings = await Promise.all(Array.from({ length: USERS }, async () => new Holdings(await signedInUser(server.url, jar))));
    // Warm-up: the same mix for a few seconds, so "before" includes what any server holds once it has run.
    const warm = await runLoad(WARMUP_SECONDS, 1_000);
    expect(warm.failures.slice(0, 10)).toEqual([]);
    await Bun.sleep(1_000);
    rssBefore = rssBytes(server.proc.pid);
    tally = await runLoad(LOAD_SECONDS, 2_000);
    await Bun.sleep(1_000);
    rssAfter = rssBytes(server.proc.pid);
    const total = [...tally.counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `load: ${total} operations in ${LOAD_SECONDS} s (${Math.round(total / LOAD_SECONDS)}/s): ` +
        [...tally.counts].map(([op, n]) => `${op} ${n}`).join(", ") +
        `; ${tally.archivesCutByDelete} archive(s) cut by a concurrent delete; RSS ${MiB(rssBefore)} → ${MiB(rssAfter)} MiB`,
    );
  }, (WARMUP_SECONDS + LOAD_SECONDS) * 1000 + 60_000);

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  test("no 5xx, no connection error, and every answer matched what was stored", () => {
    const total = [...tally.counts.values()].reduce((a, b) => a + b, 0);
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
      const me = await jsonOf(await call(server.url, "GET", "/api/v1/me", { token: held.member.token }));
      const bytes = [...held.images.values()].reduce((sum, i) => sum + i.bytes.length, 0);
      expect(me.user.usage).toMatchObject({ images: held.images.size, bytes });
      images += held.images.size;
      stillStored += listed.length;
    }
    expect(stillStored).toBe(images);
    expect(images).toBeGreaterThan(0);
    // Deletes removed their blobs; failed or finished uploads left no temp file.
    expect(blobIds(dataDir).length).toBe(images);
    expect(tempBlobFiles(dataDir)).toEqual([]);
  });

  test("the server's RSS after the run is within 50 MB of before (after warm-up)", async () => {
    expect(rssBefore).toBeGreaterThan(0);
    expect(rssAfter - rssBefore).toBeLessThan(RSS_SLACK_BYTES);
    await expectAlive(server);
  });

  test("the server logged no error and no secret", () => {
    expect(errorLines(server)).toEqual([]);
    expectNoSecretsLogged([server.output()], jar);
  });
});
