// Images stored before the search index existed have no terms, and terms need the keys, so the
// migration cannot write them: the backfill at start does, in batches that resume where a crash
// left them, once. Driven in process over a real data directory (SQLite file, disk blobs).
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { backfillSearchTerms } from "../../src/compose/maintenance.ts";
import { DEFAULT_PREVIEW_CONFIG } from "../../src/compose/previews.ts";
import { composeServices } from "../../src/compose/services.ts";
import { openStorage, type Storage } from "../../src/compose/storage.ts";
import { parseStorageConfig } from "../../src/config.ts";
import { listQuerySchema, uploadOptionsSchema } from "../../src/domain/images/input.ts";
import { createLogger } from "../../src/logger.ts";
import { userRepository } from "../../src/store/user-repository.ts";
import { freshUsername, strongPassword } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { tempDir } from "../support/pixvault.ts";

const dir = tempDir("pixvault-backfill-");
const dataDir = join(dir.path, "data");
afterAll(() => dir.remove());

const logs: string[] = [];
const logger = createLogger((line) => logs.push(line));
const open = () => openStorage(parseStorageConfig(["--data-dir", dataDir]).config, logger);
const services = (storage: Storage) =>
  composeServices(storage, { maxImageBytes: 1024 * 1024, dataDir, previews: { ...DEFAULT_PREVIEW_CONFIG, workers: 0 } }, logger);
const username = freshUsername("backfill");

async function owner(storage: Storage) {
  const user = (await userRepository(storage.db.orm).findByUsername(username))!;
  return { id: user.id, keySalt: user.keySalt };
}

/** The ids `q` finds for the owner (scope=mine) and for anyone (scope=public). */
async function search(storage: Storage, q: string): Promise<{ mine: number; public: number }> {
  const { images } = services(storage);
  const viewer = await owner(storage);
  const mine = await images.images.list(viewer, listQuerySchema.parse({ q, limit: "200" }));
  const anyone = await images.images.list(undefined, listQuerySchema.parse({ q, scope: "public", limit: "200" }));
  if (!mine.ok || !anyone.ok) throw new Error("listing failed");
  return { mine: mine.value.items.length, public: anyone.value.items.length };
}

const termRows = async (storage: Storage) => Number((await storage.db.client.execute("SELECT count(*) AS n FROM image_terms")).rows[0]!.n);

/** As a database migrated from before the index: the table empty, no backfill ever run. */
async function forgetTerms(storage: Storage, resumeAfter?: string) {
  await storage.db.client.execute("DELETE FROM image_terms");
  await storage.db.client.execute("DELETE FROM term_backfill");
  if (resumeAfter !== undefined)
    await storage.db.client.execute({ sql: "INSERT INTO term_backfill (version, after_id) VALUES (2, ?)", args: [resumeAfter] });
}

describe("the search-term backfill", () => {
  const ids: string[] = [];

  test("a new database is indexed as it is written, and its backfill is a no-op", async () => {
    const storage = await open();
    try {
      expect(await backfillSearchTerms(storage, logger)).toBe(0);
      const { accounts, images } = services(storage);
      const registered = await accounts.accounts.register({
        username,
        name: "B",
        email: `${username}@example.test`,
        password: strongPassword(),
      });
      expect(registered.ok).toBe(true);
      const session = await images.uploads.begin((await userRepository(storage.db.orm).findByUsername(username))!);
      for (let i = 0; i < 5; i += 1) {
        const body = (async function* () {
          yield noisePng({ width: 8, height: 8, seed: i + 1 });
        })();
        const options = uploadOptionsSchema.parse({ visibility: i % 2 === 0 ? "public" : "private", description: `harbour view ${i}` });
        const stored = await images.uploads.upload(session, { filename: `old-photo-${i}.png`, body }, options);
        if (!stored.ok) throw new Error(JSON.stringify(stored.error));
        ids.push(stored.value.id);
      }
      expect(await search(storage, "OLD-PHOTO")).toEqual({ mine: 5, public: 3 });
      expect(await search(storage, "harbour")).toEqual({ mine: 5, public: 3 });
      expect(await termRows(storage)).toBeGreaterThan(0);
    } finally {
      storage.close();
    }
  });

  test("rows without terms are found again after the next start, and only once backfilled", async () => {
    let storage = await open();
    try {
      await forgetTerms(storage);
      expect(await search(storage, "old-photo")).toEqual({ mine: 0, public: 0 });
    } finally {
      storage.close();
    }
    storage = await open();
    try {
      expect(await backfillSearchTerms(storage, logger)).toBe(5);
      expect(await search(storage, "old-photo")).toEqual({ mine: 5, public: 3 });
      expect(await search(storage, "VIEW harbour")).toEqual({ mine: 5, public: 3 });
      expect(logs.some((l) => l.includes("search terms written for stored images"))).toBe(true);
      // Done is done: the next start looks once and writes nothing.
      expect(await backfillSearchTerms(storage, logger)).toBe(0);
    } finally {
      storage.close();
    }
  });

  test("a backfill that stopped part way resumes after the last image it committed", async () => {
    const storage = await open();
    try {
      const sorted = [...ids].sort();
      await forgetTerms(storage, sorted[1]);
      expect(await backfillSearchTerms(storage, logger)).toBe(3);
      expect(await search(storage, "old-photo")).toEqual({ mine: 3, public: expect.any(Number) });
    } finally {
      storage.close();
    }
  });
});
