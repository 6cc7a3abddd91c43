// Rows of comments behind the CommentRepository port: insert (in posting order), find, one page
// of an image's comments with their authors' names, delete. Comments go with their image and
// their author by the foreign keys' ON DELETE CASCADE.
import type { Client } from "@libsql/client";
import { and, asc, eq, getTableColumns, gt, or } from "drizzle-orm";
import type { AuthoredComment, CommentCursor, CommentRepository, StoredComment } from "../domain/comments/ports.ts";
import type { Orm } from "./db.ts";
import { comments, users } from "./schema.ts";
import { isForeignKeyViolation } from "./storage-errors.ts";

export function commentRepository(orm: Orm): CommentRepository {
  return {
    insert: (comment) => insertComment(orm.$client, comment),
    async find(id) {
      const [row] = await orm.select().from(comments).where(eq(comments.id, id)).limit(1);
      return row;
    },
    list: (imageId, after, limit) => listComments(orm, imageId, after, limit),
    async remove(imageId, id) {
      const removed = await orm
        .delete(comments)
        .where(and(eq(comments.id, id), eq(comments.imageId, imageId)))
        .returning({ id: comments.id });
      return removed.length > 0;
    },
  };
}

/**
 * One statement, so the image and the author are checked where the row is written: a comment
 * never lands on an image deleted a moment ago. Its time is at least one millisecond after the
 * image's newest comment, so two comments posted within the same millisecond (or under a clock
 * that stepped back) still list in the order they were posted.
 */
async function insertComment(client: Client, comment: StoredComment): Promise<{ createdAt: Date } | "gone"> {
  try {
    const result = await client.execute({
      sql: `INSERT INTO comments (id, image_id, author_id, body_enc, created_at)
            SELECT ?, images.id, users.id, ?,
                   max(?, coalesce((SELECT max(created_at) + 1 FROM comments WHERE image_id = images.id), 0))
            FROM images, users WHERE images.id = ? AND users.id = ?
            RETURNING created_at`,
      args: [comment.id, comment.bodyEnc, comment.createdAt.getTime(), comment.imageId, comment.authorId],
    });
    const row = result.rows[0];
    return row ? { createdAt: new Date(Number(row.created_at)) } : "gone";
  } catch (e) {
    // Deleted by another instance between the check and the write.
    if (isForeignKeyViolation(e)) return "gone";
    throw e;
  }
}

/** Keyset pages over the (image_id, created_at, id) index: nothing is skipped or repeated when comments come and go between pages. */
async function listComments(orm: Orm, imageId: string, after: CommentCursor | undefined, limit: number): Promise<AuthoredComment[]> {
  const afterCursor = after
    ? or(gt(comments.createdAt, new Date(after.value)), and(eq(comments.createdAt, new Date(after.value)), gt(comments.id, after.id)))
    : undefined;
  return orm
    .select({ ...getTableColumns(comments), authorUsername: users.username, authorName: users.name })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(eq(comments.imageId, imageId), afterCursor))
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .limit(limit);
}
