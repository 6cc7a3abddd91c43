// Rows of album_links behind the AlbumLinkRepository port: insert (with the album's current share
// epoch, read in the same statement), find with the album's epoch and owner, list, revoke all.
import type { Client } from "@libsql/client";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { AlbumLink, AlbumLinkRepository, FoundAlbumLink, NewAlbumLink } from "../domain/album-links/ports.ts";
import type { Orm } from "./db.ts";
import { albumLinks, albums, users } from "./schema.ts";

export function albumLinkRepository(orm: Orm): AlbumLinkRepository {
  return {
    insert: (link) => insertAlbumLink(orm.$client, link),
    find: (id) => findAlbumLink(orm, id),
    listLive: (albumId, now) => listLiveAlbumLinks(orm, albumId, now),
    revokeAll: (albumId, now) => revokeAlbumLinks(orm, albumId, now),
  };
}

/**
 * The epoch is the album's *current* one, read in the same statement, so a revocation running
 * at the same moment cannot be missed. Returns that epoch, or undefined when the album is gone.
 */
async function insertAlbumLink(client: Client, link: NewAlbumLink): Promise<number | undefined> {
  const result = await client.execute({
    sql: `INSERT INTO album_links (id, album_id, epoch, created_at, expires_at, password_hash, allow_download, allow_upload)
          SELECT ?, id, share_epoch, ?, ?, ?, ?, ? FROM albums WHERE id = ?
          RETURNING epoch`,
    args: [
      link.id,
      link.createdAt.getTime(),
      link.expiresAt.getTime(),
      link.passwordHash,
      link.allowDownload ? 1 : 0,
      link.allowUpload ? 1 : 0,
      link.albumId,
    ],
  });
  const row = result.rows[0];
  return row ? Number(row.epoch) : undefined;
}

/** The link, its album's share epoch and the album's owner (whose quota and key guests' uploads use), in one query. */
async function findAlbumLink(orm: Orm, id: string): Promise<FoundAlbumLink | undefined> {
  const [row] = await orm
    .select({
      link: albumLinks,
      albumShareEpoch: albums.shareEpoch,
      owner: { id: users.id, username: users.username, keySalt: users.keySalt, quotaBytes: users.quotaBytes },
    })
    .from(albumLinks)
    .innerJoin(albums, eq(albums.id, albumLinks.albumId))
    .innerJoin(users, eq(users.id, albums.ownerId))
    .where(eq(albumLinks.id, id))
    .limit(1);
  return row;
}

/** Links of the album that still work: not revoked, of the current epoch, unexpired. Newest first. */
function listLiveAlbumLinks(orm: Orm, albumId: string, now: Date): Promise<AlbumLink[]> {
  return orm
    .select({ link: albumLinks })
    .from(albumLinks)
    .innerJoin(albums, eq(albums.id, albumLinks.albumId))
    .where(
      and(
        eq(albumLinks.albumId, albumId),
        isNull(albumLinks.revokedAt),
        eq(albumLinks.epoch, albums.shareEpoch),
        gt(albumLinks.expiresAt, now),
      ),
    )
    .orderBy(desc(albumLinks.createdAt), desc(albumLinks.id))
    .then((rows) => rows.map((r) => r.link));
}

/** Bumps the album's share epoch (every token of an older epoch stops working) and marks its links revoked. */
async function revokeAlbumLinks(orm: Orm, albumId: string, now: Date): Promise<void> {
  await orm.batch([
    orm
      .update(albums)
      .set({ shareEpoch: sql`${albums.shareEpoch} + 1` })
      .where(eq(albums.id, albumId)),
    orm
      .update(albumLinks)
      .set({ revokedAt: now })
      .where(and(eq(albumLinks.albumId, albumId), isNull(albumLinks.revokedAt))),
  ]);
}
