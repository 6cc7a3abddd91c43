// The keyset-paged listing query: scope, filters, sort order and the cursor condition.
import { and, asc, desc, eq, exists, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { ImageCursor, ImageFilter, ImageSort, OwnedImage, TermMatch } from "../domain/images/ports.ts";
import type { Orm } from "./db.ts";
import { albumImages, imageMedia, images, imageTags, imageTerms, users } from "./schema.ts";
import { ownedImageColumns } from "./image-repository.ts";

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
): Promise<OwnedImage[]> {
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
    filter.albumId !== undefined
      ? exists(
          orm
            .select({ one: sql`1` })
            .from(albumImages)
            .where(and(eq(albumImages.imageId, images.id), eq(albumImages.albumId, filter.albumId))),
        )
      : undefined,
    ...(filter.terms ?? []).map((match) => termCondition(orm, match)),
    after ? keysetAfter(column, after, descending) : undefined,
  ];
  const order = descending ? [desc(column), desc(images.id)] : [asc(column), asc(images.id)];
  return orm
    .select(ownedImageColumns)
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .leftJoin(imageMedia, eq(imageMedia.imageId, images.id))
    .where(and(...conditions))
    .orderBy(...order)
    .limit(limit);
}

/**
 * Every term of one set, for some set: one probe of image_terms' primary key per term and row,
 * so a page costs its rows times the query's terms, however common a trigram is.
 */
function termCondition(orm: Orm, match: TermMatch) {
  const holds = (indexes: readonly Buffer[]) =>
    exists(
      orm
        .select({ one: sql`1` })
        .from(imageTerms)
        .where(and(eq(imageTerms.imageId, images.id), inArray(imageTerms.term, [...indexes]))),
    );
  return or(...match.map((set) => and(...set.map(holds))));
}

function keysetAfter(column: typeof images.size | typeof images.createdAt, after: ImageCursor, descending: boolean) {
  const value = sql`${after.value}`;
  return descending
    ? or(lt(column, value), and(eq(column, value), lt(images.id, after.id)))
    : or(gt(column, value), and(eq(column, value), gt(images.id, after.id)));
}
