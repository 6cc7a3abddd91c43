// Master key rotation's storage side: every image's (and album's) wrapped key and blind indexes (search terms too) rewritten,
// and the new version's key check recorded, in one transaction.
import { eq, sql } from "drizzle-orm";
import type { KeyRepository } from "../domain/keys/ports.ts";
import type { Orm, WriteTx } from "./db.ts";
import { albums, imageMedia, images, imageTags, masterKeys, users } from "./schema.ts";
import { replaceTermSet } from "./image-terms.ts";

/** What re-computing an image's indexes reads: its owner's salt and its fields keyed by the master key. */
const keyedImageColumns = {
  id: images.id,
  ownerId: images.ownerId,
  ownerKeySalt: users.keySalt,
  visibility: images.visibility,
  wrappedKey: images.wrappedKey,
  filenameEnc: images.filenameEnc,
  descriptionEnc: images.descriptionEnc,
  tagsEnc: images.tagsEnc,
  analysisEnc: imageMedia.analysisEnc,
};

export function keyedImages(orm: Orm | WriteTx) {
  return orm
    .select(keyedImageColumns)
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .leftJoin(imageMedia, eq(imageMedia.imageId, images.id))
    .$dynamic();
}

export function keyRotationRepository(orm: Orm): KeyRepository {
  return {
    rotate: (version, check, at, reKey, reWrapAlbum) =>
      orm.transaction(async (tx) => {
        // A plain insert: a row already there for a version this key file has never held is a
        // database out of step with its key file, and re-keying onto it would strand every image.
        await tx.insert(masterKeys).values({ id: version, check, createdAt: at });
        const rows = await keyedImages(tx);
        let tagIndexes = 0;
        for (const row of rows) {
          const next = reKey(row);
          await tx.update(images).set({ wrappedKey: next.wrappedKey, nameIndex: next.nameIndex }).where(eq(images.id, row.id));
          await tx.delete(imageTags).where(eq(imageTags.imageId, row.id));
          for (const tagIndex of next.tagIndexes) {
            await tx.insert(imageTags).values({ imageId: row.id, tagIndex }).onConflictDoNothing();
            tagIndexes += 1;
          }
          await replaceTermSet(orm, tx, row.id, next.terms);
        }
        const albumRows = await tx
          .select({ id: albums.id, ownerId: albums.ownerId, ownerKeySalt: users.keySalt, wrappedKey: albums.wrappedKey })
          .from(albums)
          .innerJoin(users, eq(users.id, albums.ownerId));
        for (const album of albumRows) {
          await tx
            .update(albums)
            .set({ wrappedKey: reWrapAlbum(album) })
            .where(eq(albums.id, album.id));
        }
        await tx.update(masterKeys).set({ keysIndexes: sql`CASE WHEN ${masterKeys.id} = ${version} THEN 1 ELSE 0 END` });
        return { images: rows.length, tagIndexes, albums: albumRows.length };
      }),

    async wrappedKeys() {
      const imageKeys = await orm.select({ wrappedKey: images.wrappedKey }).from(images);
      const albumKeys = await orm.select({ wrappedKey: albums.wrappedKey }).from(albums);
      return [...imageKeys, ...albumKeys].map((r) => r.wrappedKey);
    },
  };
}
