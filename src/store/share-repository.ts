// Rows of share_links behind the ShareRepository port: insert, find with the shared image, list,
// count a download, revoke. The two statements whose condition reads the images row in the
// same statement are hand-written SQL; the lookup by id is prepared (it runs per download).
import type { Client } from "@libsql/client";
import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { NewShareLink, ShareLink, ShareRepository } from "../domain/shares/ports.ts";
import type { OwnedImage } from "../domain/images/ports.ts";
import type { Orm } from "./db.ts";
import { ownedImageColumns } from "./image-repository.ts";
import { preparedQuery } from "./prepared-queries.ts";
import { imageMedia, images, shareLinks, users } from "./schema.ts";

export function shareRepository(orm: Orm): ShareRepository {
  return {
    insert: (link) => insertShareLink(orm.$client, link),
    find: (id) => findShareLink(orm, id),
    listLive: (imageId, now) => listLiveShareLinks(orm, imageId, now),
    countDownload: (id, now) => countShareDownload(orm.$client, id, now),
    revokeAll: (imageId, now) => revokeShareLinks(orm, imageId, now),
  };
}

/**
 * Inserts the link with the image's *current* share epoch, read in the same statement, so a
 * revocation running at the same moment cannot be missed. Returns that epoch, or undefined
 * when the image is gone.
 */
async function insertShareLink(client: Client, link: NewShareLink): Promise<number | undefined> {
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
async function findShareLink(orm: Orm, id: string): Promise<{ link: ShareLink; image: OwnedImage } | undefined> {
  const query = preparedQuery(orm, LINK_BY_ID, (db) =>
    db
      .select({ link: shareLinks, image: ownedImageColumns })
      .from(shareLinks)
      .innerJoin(images, eq(images.id, shareLinks.imageId))
      .innerJoin(users, eq(users.id, images.ownerId))
      .leftJoin(imageMedia, eq(imageMedia.imageId, images.id))
      .where(eq(shareLinks.id, sql.placeholder("id")))
      .limit(1)
      .prepare(),
  );
  return (await query.all({ id }))[0];
}

/** Links of the image that still work: not revoked, of the current epoch, unexpired, not used up. Newest first. */
async function listLiveShareLinks(orm: Orm, imageId: string, now: Date): Promise<ShareLink[]> {
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
async function countShareDownload(client: Client, id: string, now: Date): Promise<boolean> {
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
async function revokeShareLinks(orm: Orm, imageId: string, now: Date): Promise<void> {
  await orm.transaction(async (tx) => {
    await tx
      .update(images)
      .set({ shareEpoch: sql`${images.shareEpoch} + 1` })
      .where(eq(images.id, imageId));
    await tx
      .update(shareLinks)
      .set({ revokedAt: now })
      .where(and(eq(shareLinks.imageId, imageId), isNull(shareLinks.revokedAt)));
  });
}
