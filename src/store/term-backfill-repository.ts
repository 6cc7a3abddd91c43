// The term backfill's storage side: pages of images in id order with what their indexes need,
// and each batch's terms committed together with the progress of its version.
import { asc, eq, gt, inArray } from "drizzle-orm";
import type { TermBackfillRepository } from "../domain/keys/ports.ts";
import type { Orm } from "./db.ts";
import { replaceTermSet } from "./image-terms.ts";
import { images, termBackfill } from "./schema.ts";
import { keyedImages } from "./key-rotation-repository.ts";

export function termBackfillRepository(orm: Orm): TermBackfillRepository {
  return {
    async progress(version) {
      const [row] = await orm.select().from(termBackfill).where(eq(termBackfill.version, version)).limit(1);
      return row ? { afterId: row.afterId, done: row.doneAt !== null } : undefined;
    },
    page: (afterId, limit) => keyedImages(orm).where(gt(images.id, afterId)).orderBy(asc(images.id)).limit(limit),
    save: (version, progress, terms) =>
      orm.transaction(async (tx) => {
        const ids = terms.map((t) => t.imageId);
        const present = new Set(
          ids.length === 0 ? [] : (await tx.select({ id: images.id }).from(images).where(inArray(images.id, ids))).map((r) => r.id),
        );
        for (const { imageId, terms: set } of terms) if (present.has(imageId)) await replaceTermSet(orm, tx, imageId, set);
        const row = { afterId: progress.afterId, doneAt: progress.done ? new Date() : null };
        await tx
          .insert(termBackfill)
          .values({ version, ...row })
          .onConflictDoUpdate({ target: termBackfill.version, set: row });
      }),
  };
}
