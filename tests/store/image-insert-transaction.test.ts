// The upload's insert runs as statements prepared once on the database and reused inside each
// write transaction (src/store/prepared-queries.ts): they must belong to that transaction, so
// a write that fails after inserting leaves nothing, and one that succeeds leaves everything.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fail, ok } from "../../src/domain/errors.ts";
import type { StoredImage } from "../../src/domain/images/ports.ts";
import { openDatabase } from "../../src/store/db.ts";
import { imageRepository } from "../../src/store/image-repository.ts";
import { migrate } from "../../src/store/migrate.ts";
import { users } from "../../src/store/schema.ts";
import { tempDir } from "../support/pixvault.ts";

async function freshRepository() {
  const dir = tempDir();
  const db = await openDatabase(pathToFileURL(join(dir.path, "pixvault.db")).href);
  await migrate(db.client);
  const now = new Date();
  await db.orm.insert(users).values({
    id: "u1",
    username: "alice",
    name: "Alice",
    email: "a@example.com",
    passwordHash: "x",
    keySalt: randomBytes(16),
    createdAt: now,
    updatedAt: now,
  });
  const done = () => {
    db.close();
    dir.remove();
  };
  return { db, repo: imageRepository(db.orm), done };
}

function row(id: string): StoredImage {
  const now = new Date();
  return {
    id,
    ownerId: "u1",
    visibility: "private",
    nameNamespace: "u:u1",
    nameIndex: randomBytes(32),
    filenameEnc: randomBytes(40),
    descriptionEnc: null,
    tagsEnc: null,
    photoEnc: null,
    digestEnc: randomBytes(48),
    contentType: "image/png",
    size: 1234,
    width: 10,
    height: 20,
    wrappedKey: randomBytes(60),
    blobCommitment: randomBytes(32),
    shareEpoch: 0,
    createdAt: now,
    updatedAt: now,
  };
}

const count = async (db: Awaited<ReturnType<typeof freshRepository>>["db"], table: string, id: string) =>
  Number((await db.client.execute({ sql: `select count(*) from ${table} where image_id = ?`, args: [id] })).rows[0]?.[0]);

describe("the upload's insert transaction", () => {
  test("a write that fails after inserting leaves no row, term or media job; the next one commits all three", async () => {
    const { db, repo, done } = await freshRepository();
    try {
      const terms = { trigram: [randomBytes(32), randomBytes(32), randomBytes(32)], word: [randomBytes(32)] };
      const failed = await repo.write(async (tx) => {
        expect(await tx.insert(row("img-a"), [], terms)).toBe("inserted");
        return fail("quota_exceeded", "refused after the insert");
      });
      expect(failed.ok).toBe(false);
      expect(await repo.find("img-a")).toBeUndefined();
      expect(await count(db, "image_terms", "img-a")).toBe(0);
      expect(await count(db, "image_media", "img-a")).toBe(0);

      const stored = await repo.write(async (tx) => ok(await tx.insert(row("img-b"), [], terms)));
      expect(stored).toEqual({ ok: true, value: "inserted" });
      const found = await repo.find("img-b");
      expect(found?.size).toBe(1234);
      expect(found?.mediaStatus).toBe("pending");
      expect(await count(db, "image_terms", "img-b")).toBe(4);
    } finally {
      done();
    }
  });

  test("a second image under a taken name is refused as name_taken, and the first stays whole", async () => {
    const { db, repo, done } = await freshRepository();
    try {
      const first = row("img-a");
      await repo.write(async (tx) => ok(await tx.insert(first, [], { trigram: [randomBytes(32)] })));
      const clash = await repo.write(async (tx) =>
        ok(await tx.insert({ ...row("img-b"), nameIndex: first.nameIndex }, [], { trigram: [randomBytes(32)] })),
      );
      expect(clash).toEqual({ ok: true, value: "name_taken" });
      expect(await repo.find("img-b")).toBeUndefined();
      expect((await repo.find("img-a"))?.id).toBe("img-a");
      expect(await count(db, "image_terms", "img-a")).toBe(1);
    } finally {
      done();
    }
  });
});
