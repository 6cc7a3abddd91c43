// Rows of albums and their images, behind the AlbumRepository port: plain reads and writes; who
// may do what is domain/albums' call.
import { and, asc, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { AlbumRepository, ListedAlbum } from "../domain/albums/ports.ts";
import type { Orm } from "./db.ts";
import { ownedImages } from "./image-repository.ts";
import { albumImages, albums, images, users } from "./schema.ts";

const imageCount = sql<number>`(select count(*) from ${albumImages} where ${albumImages.albumId} = ${albums.id})`.mapWith(Number);
// The chosen cover while it is still in the album, else the image added last.
const effectiveCoverId = sql<string | null>`coalesce(
  (select ${albumImages.imageId} from ${albumImages}
    where ${albumImages.albumId} = ${albums.id} and ${albumImages.imageId} = ${albums.coverImageId}),
  (select ${albumImages.imageId} from ${albumImages}
    where ${albumImages.albumId} = ${albums.id} order by ${albumImages.addedAt} desc, ${albumImages.imageId} desc limit 1)
)`;

const listedColumns = { ...getTableColumns(albums), ownerKeySalt: users.keySalt, imageCount, effectiveCoverId };

export function albumRepository(orm: Orm): AlbumRepository {
  const listed = () => orm.select(listedColumns).from(albums).innerJoin(users, eq(users.id, albums.ownerId)).$dynamic();
  const touch = (albumId: string, at: Date) => orm.update(albums).set({ updatedAt: at }).where(eq(albums.id, albumId));

  return {
    async insert(album) {
      await orm.insert(albums).values(album);
    },

    async findOwned(id, ownerId) {
      return (
        await listed()
          .where(and(eq(albums.id, id), eq(albums.ownerId, ownerId)))
          .limit(1)
      )[0] as ListedAlbum | undefined;
    },

    async find(id) {
      return (await listed().where(eq(albums.id, id)).limit(1))[0] as ListedAlbum | undefined;
    },

    async listOwned(ownerId) {
      return (await listed().where(eq(albums.ownerId, ownerId)).orderBy(desc(albums.createdAt), desc(albums.id))) as ListedAlbum[];
    },

    async update(id, ownerId, change) {
      const updated = await orm
        .update(albums)
        .set(change)
        .where(and(eq(albums.id, id), eq(albums.ownerId, ownerId)))
        .returning({ id: albums.id });
      return updated.length > 0;
    },

    async remove(id, ownerId) {
      const removed = await orm
        .delete(albums)
        .where(and(eq(albums.id, id), eq(albums.ownerId, ownerId)))
        .returning({ id: albums.id });
      return removed.length > 0;
    },

    async addImages(albumId, imageIds, at) {
      await orm.batch([
        orm
          .insert(albumImages)
          .values(imageIds.map((imageId) => ({ albumId, imageId, addedAt: at })))
          .onConflictDoNothing(),
        touch(albumId, at),
      ]);
    },

    async removeImages(albumId, imageIds, at) {
      await orm.batch([
        orm.delete(albumImages).where(and(eq(albumImages.albumId, albumId), inArray(albumImages.imageId, [...imageIds]))),
        touch(albumId, at),
      ]);
    },

    async contains(albumId, imageId) {
      const [row] = await orm
        .select({ one: sql`1` })
        .from(albumImages)
        .where(and(eq(albumImages.albumId, albumId), eq(albumImages.imageId, imageId)))
        .limit(1);
      return row !== undefined;
    },

    images(albumId, limit) {
      return ownedImages(orm)
        .innerJoin(albumImages, and(eq(albumImages.imageId, images.id), eq(albumImages.albumId, albumId)))
        .orderBy(asc(images.createdAt), asc(images.id))
        .limit(limit);
    },
  };
}
