// The job table's leases (both stages: previews, then analysis), on a real SQLite file shared by several "instances" (each its own connection and pool): a crashed instance's job is retried once its lease runs out, two pools never take one job, a job that keeps killing its worker is failed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEFAULT_PREVIEW_CONFIG, composeMediaJobs, type MediaJobs } from "../../src/compose/previews.ts";
import { openStorage, type Storage } from "../../src/compose/storage.ts";
import type { AnalysisJobRepository, MediaJobRepository, MediaStatus } from "../../src/domain/previews/ports.ts";
import type { PreviewJobs } from "../../src/domain/previews/jobs.ts";
import { type LeasePool, MAX_ATTEMPTS } from "../../src/domain/previews/lease-pool.ts";
import { createLogger } from "../../src/logger.ts";
import { analysisJobRepository } from "../../src/store/analysis-job-repository.ts";
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
  readonly analysisRepo: AnalysisJobRepository;
  readonly clock: TestClock;
  /** Runs every preview job it can claim now; the ids it finished, with their status. */
  drain(): Promise<Map<string, MediaStatus>>;
  /** The same for the analysis stage. */
  drainAnalysis(): Promise<Map<string, MediaStatus>>;
}

/** Runs a stage's drain; the ids it finished, with their status (each once). */
async function drained(drain: LeasePool["drain"]): Promise<Map<string, MediaStatus>> {
  const done = new Map<string, MediaStatus>();
  await drain((id, status) => {
    if (done.has(id)) throw new Error(`${id} finished twice`);
    done.set(id, status);
  });
  return done;
}

/**
 * Another process on the server's data directory: its own database connection, keyring and
 * pool (two workers), on a clock of its own. The server under test makes nothing by itself
 * (--preview-workers 0), so every job runs where the test says.
 */
function useInstances(server: InProcessServer): () => Promise<Instance> {
  const opened: { storage: Storage; media: MediaJobs }[] = [];
  afterAll(async () => {
    for (const { storage, media } of opened) {
      await media.stop();
      storage.close();
    }
  });
  return async () => {
    const logger = createLogger(() => {});
    const storage = await openStorage(server.app.config, logger);
    const clock = testClock();
    const media = composeMediaJobs(storage, server.dataDir, { ...DEFAULT_PREVIEW_CONFIG, workers: 2 }, { clock, logger });
    opened.push({ storage, media });
    const jobs = media.previews;
    return {
      jobs,
      repo: mediaJobRepository(storage.db.orm),
      analysisRepo: analysisJobRepository(storage.db.orm),
      clock,
      drain: () => drained(jobs.drain),
      drainAnalysis: () => drained(media.analysis.drain),
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
    const media = composeMediaJobs(full, server.dataDir, { ...DEFAULT_PREVIEW_CONFIG, workers: 1 }, { clock, logger });
    const broken = media.previews;
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
      await media.stop();
      storage.close();
    }
    const healthy = await instance();
    healthy.clock.advance(31_000 * (MAX_ATTEMPTS + 2));
    expect(await healthy.drain()).toEqual(new Map([[id!, "ready"]]));
    expect((await imageOf(server.url, token, id!)).previews).toEqual({ status: "ready" });
  });
});

describe("the analysis stage", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  const instance = useInstances(server);
  let token: string;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
  });

  test("is not run by the preview job: it waits for previews, then its own worker analyses the stored previews", async () => {
    const [id] = await uploadPhotos(server, token, 1);
    const worker = await instance();
    // Nothing to analyse before the previews exist.
    expect(await worker.drainAnalysis()).toEqual(new Map());
    expect(await worker.drain()).toEqual(new Map([[id!, "ready"]]));
    expect((await imageOf(server.url, token, id!)).analysis.status).toBe("pending");
    expect(await worker.drainAnalysis()).toEqual(new Map([[id!, "ready"]]));
    const analysis = (await imageOf(server.url, token, id!)).analysis;
    expect(analysis.status).toBe("ready");
    expect(analysis.colors?.length).toBeGreaterThan(0);
  });

  test("a crashed instance's analysis is retried once its lease runs out, and its late result is refused", async () => {
    const [id] = await uploadPhotos(server, token, 1);
    const crashed = await instance();
    const survivor = await instance();
    await survivor.drain();
    expect(await crashed.analysisRepo.claim(claimOf("crashed", crashed.clock.now(), id))).toEqual([{ imageId: id!, attempts: 1 }]);
    expect(await survivor.drainAnalysis()).toEqual(new Map());
    survivor.clock.advance(LEASE_MS + 1000);
    expect(await survivor.drainAnalysis()).toEqual(new Map([[id!, "ready"]]));
    const late = { status: "failed" as const, reason: "late", analysisEnc: null, terms: {} };
    expect(await crashed.analysisRepo.record(id!, "crashed", late)).toBe(false);
    expect((await imageOf(server.url, token, id!)).analysis.status).toBe("ready");
  });

  test(`an image that kills the analysis worker ${MAX_ATTEMPTS} times fails its analysis, not its previews`, async () => {
    const [id] = await uploadPhotos(server, token, 1);
    const worker = await instance();
    await worker.drain();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      expect(await worker.analysisRepo.claim(claimOf(`w-${attempt}`, worker.clock.now(), id))).toEqual([
        { imageId: id!, attempts: attempt },
      ]);
      worker.clock.advance(LEASE_MS + 1000);
    }
    expect(await worker.drainAnalysis()).toEqual(new Map());
    const image = await imageOf(server.url, token, id!);
    expect(image.analysis.status).toBe("failed");
    expect(image.previews).toEqual({ status: "ready" });
    // --rebuild gives it its attempts back.
    expect(await worker.analysisRepo.requeue()).toBeGreaterThan(0);
    expect((await worker.drainAnalysis()).get(id!)).toBe("ready");
  });
});
