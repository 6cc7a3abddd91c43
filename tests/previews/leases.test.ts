// The job table's leases, on a real SQLite file shared by several "instances" (each its own connection and pool): a crashed instance's job is retried once its lease runs out, two pools never take one job, a job that keeps killing its worker is failed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEFAULT_PREVIEW_CONFIG, composePreviewJobs } from "../../src/compose/previews.ts";
import { openStorage, type Storage } from "../../src/compose/storage.ts";
import type { MediaJobRepository, MediaStatus } from "../../src/domain/previews/ports.ts";
import { MAX_ATTEMPTS, type PreviewJobs } from "../../src/domain/previews/jobs.ts";
import { createLogger } from "../../src/logger.ts";
import { mediaJobRepository } from "../../src/store/media-job-repository.ts";
import { type TestClock, testClock } from "../../src/test-app.ts";
import { photo } from "../media/photo-samples.ts";
import { expectProblem, signedInUser } from "../support/accounts.ts";
import { uploadOne } from "../support/images-api.ts";
import { type InProcessServer, useInProcessServer } from "../support/in-process.ts";
import { imageOf, previewOf, testSharp } from "../support/previews-api.ts";

const LEASE_MS = 5 * 60_000;

interface Instance {
  readonly jobs: PreviewJobs;
  readonly repo: MediaJobRepository;
  readonly clock: TestClock;
  /** Runs every job it can claim now; the ids it finished, with their status. */
  drain(): Promise<Map<string, MediaStatus>>;
}

/**
 * Another process on the server's data directory: its own database connection, keyring and
 * pool (two workers), on a clock of its own. The server under test makes nothing by itself
 * (--preview-workers 0), so every job runs where the test says.
 */
function useInstances(server: InProcessServer): () => Promise<Instance> {
  const opened: { storage: Storage; jobs: PreviewJobs }[] = [];
  afterAll(async () => {
    for (const { storage, jobs } of opened) {
      await jobs.stop();
      storage.close();
    }
  });
  return async () => {
    const logger = createLogger(() => {});
    const storage = await openStorage(server.app.config, logger);
    const clock = testClock();
    const jobs = composePreviewJobs(storage, server.dataDir, { ...DEFAULT_PREVIEW_CONFIG, workers: 2 }, { clock, logger });
    opened.push({ storage, jobs });
    return {
      jobs,
      repo: mediaJobRepository(storage.db.orm),
      clock,
      async drain() {
        const done = new Map<string, MediaStatus>();
        await jobs.drain((id, status) => {
          if (done.has(id)) throw new Error(`${id} finished twice`);
          done.set(id, status);
        });
        return done;
      },
    };
  };
}

async function uploadPhotos(server: InProcessServer, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = await photo(testSharp(), { width: 300 + i, height: 200, exif: false });
    ids.push((await uploadOne(server.url, token, { name: `p${crypto.randomUUID()}.jpg`, bytes })).id);
  }
  return ids;
}

const claimOf = (owner: string, now: Date, imageId?: string) => ({
  owner,
  now,
  leaseUntil: new Date(now.getTime() + LEASE_MS),
  limit: 1,
  maxAttempts: MAX_ATTEMPTS,
  ...(imageId === undefined ? {} : { imageId }),
});

describe("a crashed instance's job", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  const instance = useInstances(server);
  let token: string;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
  });

  test("is left alone while its lease holds, then retried by another instance, whose result stands", async () => {
    const [id] = await uploadPhotos(server, token, 1);
    const crashed = await instance();
    const survivor = await instance();
    // The crashed one claimed it and died: no finish, no release.
    expect(await crashed.repo.claim(claimOf("crashed", crashed.clock.now(), id))).toEqual([{ imageId: id!, attempts: 1 }]);

    expect(await survivor.drain()).toEqual(new Map());
    expect(await survivor.repo.claim(claimOf("survivor-probe", survivor.clock.now(), id))).toEqual([]);
    expect((await survivor.repo.status(id!))?.status).toBe("pending");

    survivor.clock.advance(LEASE_MS + 1000);
    expect(await survivor.drain()).toEqual(new Map([[id!, "ready"]]));
    // The crashed instance coming back cannot overwrite what the lease holder wrote.
    const late = { status: "failed" as const, reason: "late", resultEnc: null, photoEnc: null, width: null, height: null };
    expect(await crashed.repo.finish(id!, "crashed", late)).toBe(false);
    expect(await survivor.repo.status(id!)).toEqual({ status: "ready", reason: null, leaseUntil: null });
    expect((await imageOf(server.url, token, id!)).previews).toEqual({ status: "ready" });
    expect((await previewOf(server.url, token, id!, "display")).status).toBe(200);
  });
});

describe("two instances on one database", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  const instance = useInstances(server);
  let token: string;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
  });

  test("racing claims for one job: exactly one instance gets it", async () => {
    const ids = await uploadPhotos(server, token, 8);
    const a = await instance();
    const b = await instance();
    for (const id of ids) {
      const now = a.clock.now();
      const [byA, byB] = await Promise.all([a.repo.claim(claimOf("a", now, id)), b.repo.claim(claimOf("b", now, id))]);
      expect({ id, claims: byA.length + byB.length }).toEqual({ id, claims: 1 });
    }
    // Leave the table as found: give every lease back.
    for (const id of ids) for (const owner of ["a", "b"]) await a.repo.release(id, owner);
    expect((await a.repo.counts()).pending).toBe(8);
  });

  test("two pools draining the same queue at once: every job made by exactly one of them, each claimed once", async () => {
    const queued = (await (await instance()).repo.counts()).pending;
    const ids = await uploadPhotos(server, token, 10);
    const a = await instance();
    const b = await instance();
    const [byA, byB] = await Promise.all([a.drain(), b.drain()]);
    // Both took part (each claims two at a time from the start), and never the same job.
    expect([byA.size > 0, byB.size > 0]).toEqual([true, true]);
    for (const id of byA.keys()) expect(byB.has(id)).toBe(false);
    expect(byA.size + byB.size).toBe(queued + ids.length);
    for (const id of ids) expect(byA.get(id) ?? byB.get(id)).toBe("ready");
    expect(await a.repo.counts()).toEqual({ pending: 0, ready: queued + ids.length, failed: 0 });
    // A second run of any job would have claimed it again: the claims are the runs.
    expect(await a.repo.claim({ ...claimOf("probe", a.clock.now()), limit: 100 })).toEqual([]);
  });
});

describe("a job that keeps killing its worker", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  const instance = useInstances(server);

  test(`is failed with a reason after ${MAX_ATTEMPTS} attempts, and the API says so`, async () => {
    const { token } = await signedInUser(server.url);
    const [id] = await uploadPhotos(server, token, 1);
    const worker = await instance();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      expect(await worker.repo.claim(claimOf(`worker-${attempt}`, worker.clock.now(), id))).toEqual([{ imageId: id!, attempts: attempt }]);
      worker.clock.advance(LEASE_MS + 1000); // …and the worker died holding it
    }
    expect(await worker.drain()).toEqual(new Map());
    expect(await worker.repo.status(id!)).toEqual({ status: "failed", reason: "worker_crashed", leaseUntil: null });
    expect((await imageOf(server.url, token, id!)).previews).toEqual({ status: "failed", reason: "worker_crashed" });
    const problem = await expectProblem(await previewOf(server.url, token, id!, "thumb"), 422, "preview_unavailable");
    expect(problem.reason).toBe("worker_crashed");
  });

  test("while a job with attempts left and a free lease is still claimed", async () => {
    const { token } = await signedInUser(server.url);
    const [id] = await uploadPhotos(server, token, 1);
    const worker = await instance();
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      await worker.repo.claim(claimOf(`worker-${attempt}`, worker.clock.now(), id));
      worker.clock.advance(LEASE_MS + 1000);
    }
    expect(await worker.drain()).toEqual(new Map([[id!, "ready"]]));
  });
});

describe("a job that breaks on storage (a full disk, a bucket outage)", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  const instance = useInstances(server);

  test("is never failed for it: the attempt is given back and the job waits, then a healthy instance makes it", async () => {
    const { token } = await signedInUser(server.url);
    const [id] = await uploadPhotos(server, token, 1);
    const logger = createLogger(() => {});
    const storage = await openStorage(server.app.config, logger);
    const clock = testClock();
    // Writes fail as on a full disk; reads work.
    const full = {
      ...storage,
      blobs: Object.assign(Object.create(storage.blobs) as Storage["blobs"], {
        create: async () => {
          throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        },
      }),
    };
    const broken = composePreviewJobs(full, server.dataDir, { ...DEFAULT_PREVIEW_CONFIG, workers: 1 }, { clock, logger });
    try {
      const troubles: string[] = [];
      const drain = () =>
        broken.drain(
          () => {},
          undefined,
          (imageId) => troubles.push(imageId),
        );
      for (let round = 0; round < MAX_ATTEMPTS + 2; round++) {
        await drain();
        const state = await mediaJobRepository(storage.db.orm).status(id!);
        expect({ round, status: state?.status }).toEqual({ round, status: "pending" });
        // Not claimed again at once: its next try waits.
        await drain();
        expect({ round, troubles: troubles.length }).toEqual({ round, troubles: round + 1 });
        clock.advance(31_000);
      }
    } finally {
      await broken.stop();
      storage.close();
    }
    const healthy = await instance();
    healthy.clock.advance(31_000 * (MAX_ATTEMPTS + 2));
    expect(await healthy.drain()).toEqual(new Map([[id!, "ready"]]));
    expect((await imageOf(server.url, token, id!)).previews).toEqual({ status: "ready" });
  });
});
