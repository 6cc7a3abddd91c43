// Rows of share_links: insert, find with the shared image, list, count a download, revoke.
import type { Client } from "@libsql/client";
import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Orm } from "./db.ts";
import { ownedImageColumns, type OwnedImageRow } from "./image-repository.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { images, shareLinks, users } from "./schema.ts";

export type ShareLinkRow = typeof shareLinks.$inferSelect;

export interface NewShareLink {
  id: string;
  imageId: string;
  createdAt: Date;
  expiresAt: Date;
  maxDownloads: number | null;
  passwordHash: string | null;
}

/**
 * Inserts the link with the image's *current* share epoch, read in the same statement, so a
 * revocation running at the same moment cannot be missed. Returns that epoch, or undefined
 * when the image is gone.
 */
export async function insertShareLink(client: Client, link: NewShareLink): Promise<number | undefined> {
  const result = await client.execute({
    sql: `INSERT INTO share_links (id, image_id, epoch, created_at, expires_at, max_downloads, downloads, password_hash)
          SELECT ?, id, share_epoch, ?, ?, ?, 0, ? FROM images WHERE id = ?
          RETURNING epoch`,
    args: [link.id, link.createdAt.getTime(), link.expiresAt.getTime(), link.maxDownloads, link.passwordHash, link.imageId],
  });
  const row = result.rows[0];
  return row ? Number(row.epoch) : undefined;
}

const LINK_BY_ID = Symbol("share link by id");

/** The link and the image it shares (with what reading the image needs), in one query. */
export async function findShareLink(orm: Orm, id: string): Promise<{ link: ShareLinkRow; image: OwnedImageRow } | undefined> {
  const query = preparedQuery(orm, LINK_BY_ID, (db) =>
    db
      .select({ link: shareLinks, image: ownedImageColumns })
      .from(shareLinks)
      .innerJoin(images, eq(images.id, shareLinks.imageId))
      .innerJoin(users, eq(users.id, images.ownerId))
      .where(eq(shareLinks.id, sql.placeholder("id")))
      .limit(1)
      .prepare(),
  );
  return (await query.all({ id }))[0];
}

/** Links of the image that still work: not revoked, of the current epoch, unexpired, not used up. Newest first. */
export async function listLiveShareLinks(orm: Orm, imageId: string, now: Date): Promise<ShareLinkRow[]> {
  return orm
    .select({ link: shareLinks })
    .from(shareLinks)
    .innerJoin(images, eq(images.id, shareLinks.imageId))
    .where(
      and(
        eq(shareLinks.imageId, imageId),
        isNull(shareLinks.revokedAt),
        eq(shareLinks.epoch, images.shareEpoch),
        gt(shareLinks.expiresAt, now),
        or(isNull(shareLinks.maxDownloads), sql`${shareLinks.downloads} < ${shareLinks.maxDownloads}`),
      ),
    )
    .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id))
    .then((rows) => rows.map((r) => r.link));
}

/**
 * Counts one download if the link still allows it. One conditional UPDATE: concurrent
 * downloads of a link with max_downloads = N cannot count more than N between them.
 */
export async function countShareDownload(client: Client, id: string, now: Date): Promise<boolean> {
  const result = await client.execute({
    sql: `UPDATE share_links SET downloads = downloads + 1
          WHERE id = ? AND revoked_at IS NULL AND expires_at > ?
            AND (max_downloads IS NULL OR downloads < max_downloads)
            AND epoch = (SELECT share_epoch FROM images WHERE images.id = share_links.image_id)`,
    args: [id, now.getTime()],
  });
  return result.rowsAffected === 1;
}

/** Bumps the image's share epoch (every token of an older epoch stops working) and marks its links revoked. */
export async function revokeShareLinks(client: Client, imageId: string, now: Date): Promise<void> {
  const tx = await client.transaction("write");
  try {
    await tx.execute({ sql: "UPDATE images SET share_epoch = share_epoch + 1 WHERE id = ?", args: [imageId] });
    await tx.execute({
      sql: "UPDATE share_links SET revoked_at = ? WHERE image_id = ? AND revoked_at IS NULL",
      args: [now.getTime(), imageId],
    });
    await tx.commit();
  } finally {
    tx.close();
  }
}
