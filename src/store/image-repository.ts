// Rows of images and their tag indexes, behind the ImageRepository port: every query and the
// one write transaction live here; the naming, quota and replace rules run inside that
// transaction from the domain. Writes are drizzle; the lookup by id, the delete of one image and
// the upload's inserts are prepared queries because they are hot (bench/RESULTS.md: drizzle
// re-renders SQL per call).
import { and, asc, eq, getTableColumns, gt, inArray, sql } from "drizzle-orm";
import type { SQLiteInsertValue } from "drizzle-orm/sqlite-core";
import type { ImageRepository, ImageWriteScope, OwnedImage, StoredImage } from "../domain/images/ports.ts";
import type { Result } from "../domain/errors.ts";
import type { Orm, WriteTx } from "./db.ts";
import { imageMedia, images, imageTags, resumableUploads, users } from "./schema.ts";
import { insertTermSet, replaceTermSet } from "./image-terms.ts";
import { preparedInTransaction, preparedQuery } from "./prepared-queries.ts";
import { isUniqueViolation } from "./storage-errors.ts";
import { listImageRows } from "./image-list-query.ts";

export const ownedImageColumns = {
  ...getTableColumns(images),
  ownerUsername: users.username,
  ownerKeySalt: users.keySalt,
  mediaStatus: imageMedia.status,
  mediaReason: imageMedia.reason,
  mediaResultEnc: imageMedia.resultEnc,
  analysisStatus: imageMedia.analysisStatus,
  analysisEnc: imageMedia.analysisEnc,
};

/** Carries a failed Result out of drizzle's transaction, which rolls back on a throw. */
class RolledBack {
  constructor(readonly result: Result<never>) {}
}

export function imageRepository(orm: Orm): ImageRepository {
  return {
    find: (id) => findImage(orm, id),
    async findMany(ids) {
      if (ids.length === 0) return [];
      return ownedImages(orm).where(inArray(images.id, [...ids]));
    },
    findOwned: (ownerId, limit) =>
      ownedImages(orm).where(eq(images.ownerId, ownerId)).orderBy(asc(images.createdAt), asc(images.id)).limit(limit),
    list: (filter, sort, after, limit) => listImageRows(orm, filter, sort, after, limit),
    usedBytes: (ownerId) => usedBytes(orm, ownerId),
    removeOwned: (ownerId, id) => removeOwned(orm, ownerId, id),
    async write(work) {
      try {
        return await orm.transaction(async (tx) => {
          const result = await work(writeScope(orm, tx));
          if (!result.ok) throw new RolledBack(result);
          return result;
        });
      } catch (e) {
        if (e instanceof RolledBack) return e.result;
        throw e;
      }
    },
  };
}

/** Image rows with what an OwnedImage carries beside them: the owner's name and key salt, the media job's state. */
export function ownedImages(orm: Orm | WriteTx) {
  return orm
    .select(ownedImageColumns)
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .leftJoin(imageMedia, eq(imageMedia.imageId, images.id))
    .$dynamic();
}

const IMAGE_BY_ID = Symbol("image by id");

async function findImage(orm: Orm, id: string): Promise<OwnedImage | undefined> {
  const query = preparedQuery(orm, IMAGE_BY_ID, (db) =>
    ownedImages(db)
      .where(eq(images.id, sql.placeholder("id")))
      .limit(1)
      .prepare(),
  );
  return (await query.all({ id }))[0];
}

const REMOVE_OWNED = Symbol("remove owned image");

/** One statement, so atomic without a transaction of its own: the cascades go with the row. */
async function removeOwned(orm: Orm, ownerId: string, id: string): Promise<boolean> {
  const query = preparedQuery(orm, REMOVE_OWNED, (db) =>
    db
      .delete(images)
      .where(and(eq(images.id, sql.placeholder("id")), eq(images.ownerId, sql.placeholder("ownerId"))))
      .returning({ id: images.id })
      .prepare(),
  );
  return (await query.all({ id, ownerId })).length > 0;
}

/** The owner's stored images plus the declared lengths of their unfinished resumable uploads (SPEC §12). */
async function usedBytes(orm: Orm | WriteTx, ownerId: string): Promise<number> {
  const reserved = sql`(select coalesce(sum(${resumableUploads.length}), 0) from ${resumableUploads} where ${resumableUploads.ownerId} = ${ownerId})`;
  const [row] = await orm
    .select({ used: sql<number>`coalesce(sum(${images.size}), 0) + ${reserved}` })
    .from(images)
    .where(eq(images.ownerId, ownerId));
  return Number(row?.used ?? 0);
}

const INSERT_IMAGE = Symbol("insert image");
const QUEUE_MEDIA_JOB = Symbol("queue media job");
const IMAGE_COLUMNS = Object.keys(getTableColumns(images)) as (keyof typeof images.$inferInsert)[];

/** The upload's statements, prepared once (bench/RESULTS.md, fourth round): every column bound, so one shape fits every row. */
async function insertImageRow(orm: Orm, tx: WriteTx, image: StoredImage): Promise<void> {
  const insert = preparedInTransaction(orm, tx, INSERT_IMAGE, (db) =>
    db
      .insert(images)
      .values(Object.fromEntries(IMAGE_COLUMNS.map((column) => [column, sql.placeholder(column)])) as SQLiteInsertValue<typeof images>)
      .prepare(),
  );
  await insert.run(Object.fromEntries(IMAGE_COLUMNS.map((column) => [column, image[column] ?? null])));
}

async function queueMediaJob(orm: Orm, tx: WriteTx, imageId: string, queuedAt: Date): Promise<void> {
  const insert = preparedInTransaction(orm, tx, QUEUE_MEDIA_JOB, (db) =>
    db
      .insert(imageMedia)
      .values({ imageId: sql.placeholder("imageId"), status: "pending", queuedAt: sql.placeholder("queuedAt") })
      .prepare(),
  );
  await insert.run({ imageId, queuedAt });
}

function writeScope(orm: Orm, tx: WriteTx): ImageWriteScope {
  return {
    async takenNames(namespace, indexes) {
      if (indexes.length === 0) return [];
      const rows = await tx
        .select({ nameIndex: images.nameIndex })
        .from(images)
        .where(and(eq(images.nameNamespace, namespace), inArray(images.nameIndex, [...indexes])));
      return rows.map((r) => r.nameIndex);
    },
    async nameHolder(namespace, nameIndex) {
      const [row] = await tx
        .select({ id: images.id, ownerId: images.ownerId })
        .from(images)
        .where(and(eq(images.nameNamespace, namespace), eq(images.nameIndex, nameIndex)))
        .limit(1);
      return row;
    },
    usedBytes: (ownerId) => usedBytes(tx, ownerId),
    async insert(image, tagIndexes, terms) {
      const clash = await uniqueClash(() => insertImageRow(orm, tx, image));
      if (clash) return "name_taken";
      await insertTags(tx, image.id, tagIndexes);
      await insertTermSet(orm, tx, image.id, terms);
      // Its previews are queued in the same transaction: no committed image lacks a job.
      await queueMediaJob(orm, tx, image.id, image.createdAt);
      return "inserted";
    },
    async remove(ownerId, ids) {
      if (ids !== "all" && ids.length === 0) return [];
      const where = ids === "all" ? eq(images.ownerId, ownerId) : and(eq(images.ownerId, ownerId), inArray(images.id, [...ids]));
      return (await tx.delete(images).where(where).returning({ id: images.id })).map((r) => r.id);
    },
    async update(id, ownerId, change, guard) {
      const { tagIndexes, ...fields } = change;
      const unchanged = guard ? eq(images.updatedAt, guard.unchangedSince) : undefined;
      let changed = 0;
      const clash = await uniqueClash(async () => {
        const rows = await tx
          .update(images)
          .set(fields)
          .where(and(eq(images.id, id), eq(images.ownerId, ownerId), unchanged))
          .returning({ id: images.id });
        changed = rows.length;
      });
      if (clash) return "name_taken";
      if (changed === 0) return "missing";
      if (tagIndexes) {
        await tx.delete(imageTags).where(eq(imageTags.imageId, id));
        await insertTags(tx, id, tagIndexes);
      }
      return "updated";
    },
    replaceTerms: (imageId, set) => replaceTermSet(orm, tx, imageId, set),
  };
}

/** true when `write` hit the unique name index (someone holds the name); other failures throw. */
async function uniqueClash(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return false;
  } catch (e) {
    if (isUniqueViolation(e)) return true;
    throw e;
  }
}

async function insertTags(tx: WriteTx, imageId: string, tagIndexes: readonly Buffer[]): Promise<void> {
  if (tagIndexes.length === 0) return;
  await tx
    .insert(imageTags)
    .values(tagIndexes.map((tagIndex) => ({ imageId, tagIndex })))
    .onConflictDoNothing();
}

/** Every image row in id order, a page at a time (fsck walks the whole table this way). */
export async function* allImageRows(orm: Orm, pageSize = 500): AsyncGenerator<OwnedImage> {
  let after = "";
  for (;;) {
    const page = await ownedImages(orm).where(gt(images.id, after)).orderBy(asc(images.id)).limit(pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.id;
  }
}

/** How many images and bytes are stored in all. */
export async function imageTotals(orm: Orm): Promise<{ images: number; bytes: number }> {
  const [row] = await orm.select({ images: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${images.size}), 0)` }).from(images);
  return { images: Number(row?.images ?? 0), bytes: Number(row?.bytes ?? 0) };
}
