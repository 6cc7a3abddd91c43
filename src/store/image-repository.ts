// Rows of images and their tag indexes: plain reads and writes; uniqueness and quota are
// enforced inside one write transaction, so concurrent uploads cannot race past them.
import type { Client, InValue, Transaction } from "@libsql/client";
import { and, asc, desc, eq, exists, getTableColumns, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { images, imageTags, users } from "./schema.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { isUniqueViolation } from "./user-repository.ts";
import { asBuffer } from "./sql-values.ts";

export type ImageRow = typeof images.$inferSelect;
export type NewImageRow = typeof images.$inferInsert;

/** An image row with what reading it needs from its owner (the salt of the user key). */
export interface OwnedImageRow extends ImageRow {
  ownerUsername: string;
  ownerKeySalt: Buffer;
}

export const ownedImageColumns = {
  ...getTableColumns(images),
  ownerUsername: users.username,
  ownerKeySalt: users.keySalt,
};

const IMAGE_BY_ID = Symbol("image by id");

export async function findImage(orm: Orm, id: string): Promise<OwnedImageRow | undefined> {
  const query = preparedQuery(orm, IMAGE_BY_ID, (db) =>
    db
      .select(ownedImageColumns)
      .from(images)
      .innerJoin(users, eq(users.id, images.ownerId))
      .where(eq(images.id, sql.placeholder("id")))
      .limit(1)
      .prepare(),
  );
  return (await query.all({ id }))[0];
}

export async function findImages(orm: Orm, ids: readonly string[]): Promise<OwnedImageRow[]> {
  if (ids.length === 0) return [];
  const rows = await orm
    .select(ownedImageColumns)
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(inArray(images.id, [...ids]));
  return rows;
}

/** Up to `limit` of the owner's images, oldest first (a fixed order: archives must be reproducible). */
export async function findOwnedImages(orm: Orm, ownerId: string, limit: number): Promise<OwnedImageRow[]> {
  return orm
    .select(ownedImageColumns)
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(eq(images.ownerId, ownerId))
    .orderBy(asc(images.createdAt), asc(images.id))
    .limit(limit);
}

/** Every image row in id order, a page at a time (fsck walks the whole table this way). */
export async function* allImageRows(orm: Orm, pageSize = 500): AsyncGenerator<OwnedImageRow> {
  let after = "";
  for (;;) {
    const page = await orm
      .select(ownedImageColumns)
      .from(images)
      .innerJoin(users, eq(users.id, images.ownerId))
      .where(gt(images.id, after))
      .orderBy(asc(images.id))
      .limit(pageSize);
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

/** Name lookups made inside the write transaction that inserts, so they see every earlier write. */
export interface NameLookup {
  /** Which of these blind indexes are taken in the namespace (one query for many rename candidates). */
  taken(namespace: string, indexes: readonly Buffer[]): Promise<Buffer[]>;
  holder(namespace: string, nameIndex: Buffer): Promise<{ id: string; ownerId: string } | undefined>;
}

/** What to insert, decided from the lookups; `replaceId` (the same owner's image holding the name) goes in the same transaction. */
export type InsertPlan = { row: NewImageRow; replaceId?: string } | { refused: true };

export type InsertOutcome =
  | { kind: "ok"; row: NewImageRow; replaced?: string }
  | { kind: "refused" }
  | { kind: "name_taken" }
  | { kind: "quota_exceeded"; usedBytes: number };

/** Inserts the planned row and its tag indexes. `quotaBytes` null means unlimited. */
export async function insertImage(
  client: Client,
  plan: (names: NameLookup) => Promise<InsertPlan>,
  tagIndexes: readonly Buffer[],
  quotaBytes: number | null,
): Promise<InsertOutcome> {
  return inWriteTransaction(client, async (tx) => {
    const planned = await plan(nameLookup(tx));
    if ("refused" in planned) return { kind: "refused" } as const;
    const { row, replaceId } = planned;
    if (replaceId) await tx.execute({ sql: "DELETE FROM images WHERE id = ? AND owner_id = ?", args: [replaceId, row.ownerId] });
    if (quotaBytes !== null) {
      const used = await usedBytes(tx, row.ownerId);
      if (used + row.size > quotaBytes) return { kind: "quota_exceeded", usedBytes: used } as const;
    }
    try {
      await tx.execute(insertStatement(row));
    } catch (e) {
      if (isUniqueViolation(e)) return { kind: "name_taken" } as const;
      throw e;
    }
    await insertTags(tx, row.id!, tagIndexes);
    return replaceId ? { kind: "ok", row, replaced: replaceId } : ({ kind: "ok", row } as const);
  });
}

function nameLookup(tx: Transaction): NameLookup {
  return {
    async taken(namespace, indexes) {
      if (indexes.length === 0) return [];
      const result = await tx.execute({
        sql: `SELECT name_index FROM images WHERE name_namespace = ? AND name_index IN (${indexes.map(() => "?").join(", ")})`,
        args: [namespace, ...indexes],
      });
      return result.rows.map((r) => asBuffer(r.name_index));
    },
    async holder(namespace, nameIndex) {
      const result = await tx.execute({
        sql: "SELECT id, owner_id FROM images WHERE name_namespace = ? AND name_index = ? LIMIT 1",
        args: [namespace, nameIndex],
      });
      const row = result.rows[0];
      return row ? { id: String(row.id), ownerId: String(row.owner_id) } : undefined;
    },
  };
}

export interface ImageChange {
  visibility?: "private" | "public";
  nameNamespace?: string;
  nameIndex?: Buffer;
  filenameEnc?: Buffer;
  descriptionEnc?: Buffer | null;
  tagsEnc?: Buffer | null;
  /** Replaces every tag index when present. */
  tagIndexes?: readonly Buffer[];
  updatedAt: Date;
}

export async function updateImage(client: Client, id: string, ownerId: string, change: ImageChange): Promise<"ok" | "missing" | "name_taken"> {
  const { tagIndexes, ...fields } = change;
  const columns: Record<string, InValue | undefined> = {
    visibility: fields.visibility,
    name_namespace: fields.nameNamespace,
    name_index: fields.nameIndex,
    filename_enc: fields.filenameEnc,
    description_enc: fields.descriptionEnc,
    tags_enc: fields.tagsEnc,
    updated_at: fields.updatedAt.getTime(),
  };
  const set = Object.entries(columns).filter(([, v]) => v !== undefined);
  return inWriteTransaction(client, async (tx) => {
    try {
      const result = await tx.execute({
        sql: `UPDATE images SET ${set.map(([k]) => `${k} = ?`).join(", ")} WHERE id = ? AND owner_id = ?`,
        args: [...set.map(([, v]) => v as InValue), id, ownerId],
      });
      if (result.rowsAffected === 0) return "missing" as const;
    } catch (e) {
      if (isUniqueViolation(e)) return "name_taken" as const;
      throw e;
    }
    if (tagIndexes) {
      await tx.execute({ sql: "DELETE FROM image_tags WHERE image_id = ?", args: [id] });
      await insertTags(tx, id, tagIndexes);
    }
    return "ok" as const;
  });
}

/** Deletes the owner's rows; returns the ids that were deleted (their blobs go next). */
export async function deleteImageRows(orm: Orm, ownerId: string, ids: readonly string[] | "all"): Promise<string[]> {
  const where = ids === "all" ? eq(images.ownerId, ownerId) : and(eq(images.ownerId, ownerId), inArray(images.id, [...ids]));
  if (ids !== "all" && ids.length === 0) return [];
  return (await orm.delete(images).where(where).returning({ id: images.id })).map((r) => r.id);
}

async function usedBytes(tx: Transaction, ownerId: string): Promise<number> {
  const result = await tx.execute({ sql: "SELECT coalesce(sum(size), 0) AS used FROM images WHERE owner_id = ?", args: [ownerId] });
  return Number(result.rows[0]?.used ?? 0);
}

async function insertTags(tx: Transaction, imageId: string, tagIndexes: readonly Buffer[]): Promise<void> {
  for (const index of tagIndexes) {
    await tx.execute({ sql: "INSERT OR IGNORE INTO image_tags (image_id, tag_index) VALUES (?, ?)", args: [imageId, index] });
  }
}

function insertStatement(row: NewImageRow) {
  const values: Record<string, InValue> = {
    id: row.id,
    owner_id: row.ownerId,
    visibility: row.visibility,
    name_namespace: row.nameNamespace,
    name_index: row.nameIndex,
    filename_enc: row.filenameEnc,
    description_enc: row.descriptionEnc ?? null,
    tags_enc: row.tagsEnc ?? null,
    digest_enc: row.digestEnc,
    content_type: row.contentType,
    size: row.size,
    width: row.width ?? null,
    height: row.height ?? null,
    wrapped_key: row.wrappedKey,
    blob_commitment: row.blobCommitment,
    share_epoch: row.shareEpoch ?? 0,
    created_at: (row.createdAt as Date).getTime(),
    updated_at: (row.updatedAt as Date).getTime(),
  };
  const keys = Object.keys(values);
  return {
    sql: `INSERT INTO images (${keys.join(", ")}) VALUES (${keys.map(() => "?").join(", ")})`,
    args: Object.values(values),
  };
}

/** Commits what `work` returns when it is "ok"-like; rolls back every other outcome and on throw. */
async function inWriteTransaction<T>(client: Client, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const tx = await client.transaction("write");
  try {
    const outcome = await work(tx);
    const okay = outcome === "ok" || (outcome as { kind?: string }).kind === "ok";
    if (okay) await tx.commit();
    else await tx.rollback();
    return outcome;
  } finally {
    tx.close();
  }
}

export type ImageSort = "newest" | "oldest" | "size";

export interface ImageFilter {
  readonly ownerId?: string;
  readonly visibility?: "private" | "public";
  /** Rows of any of these content types. */
  readonly contentTypes?: readonly string[];
  /** Rows having any of these tag indexes. */
  readonly tagIndexes?: readonly Buffer[];
}

/** Position after the last row of a page: the sort value and the id that breaks ties. */
export interface ImageCursor {
  readonly value: number;
  readonly id: string;
}

/**
 * One keyset page: rows strictly after `after` in the sort order. Keyset (not OFFSET)
 * pagination never skips or repeats a row when others are inserted between pages.
 */
export async function listImageRows(
  orm: Orm,
  filter: ImageFilter,
  sort: ImageSort,
  after: ImageCursor | undefined,
  limit: number,
): Promise<OwnedImageRow[]> {
  const column = sort === "size" ? images.size : images.createdAt;
  const descending = sort !== "oldest";
  const conditions = [
    filter.ownerId !== undefined ? eq(images.ownerId, filter.ownerId) : undefined,
    filter.visibility !== undefined ? eq(images.visibility, filter.visibility) : undefined,
    filter.contentTypes !== undefined ? inArray(images.contentType, [...filter.contentTypes]) : undefined,
    filter.tagIndexes !== undefined
      ? exists(
          orm
            .select({ one: sql`1` })
            .from(imageTags)
            .where(and(eq(imageTags.imageId, images.id), inArray(imageTags.tagIndex, [...filter.tagIndexes]))),
        )
      : undefined,
    after ? keysetAfter(column, after, descending) : undefined,
  ];
  const order = descending ? [desc(column), desc(images.id)] : [asc(column), asc(images.id)];
  return orm
    .select(ownedImageColumns)
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(and(...conditions))
    .orderBy(...order)
    .limit(limit);
}

function keysetAfter(column: typeof images.size | typeof images.createdAt, after: ImageCursor, descending: boolean) {
  const value = sql`${after.value}`;
  return descending
    ? or(lt(column, value), and(eq(column, value), lt(images.id, after.id)))
    : or(gt(column, value), and(eq(column, value), gt(images.id, after.id)));
}
