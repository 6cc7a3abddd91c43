// The image rows as fsck reads them: totals, every row with its owner's salt, and a fresh
// look at one id before a stray blob is removed.
import { eq } from "drizzle-orm";
import type { ImageInventory } from "../domain/fsck/ports.ts";
import type { Orm } from "./db.ts";
import { allImageRows, imageTotals } from "./image-repository.ts";
import { images, resumableUploads } from "./schema.ts";

export function imageInventory(orm: Orm): ImageInventory {
  return {
    totals: () => imageTotals(orm),
    all: () => allImageRows(orm),
    async exists(id) {
      if ((await orm.select({ id: images.id }).from(images).where(eq(images.id, id)).limit(1)).length > 0) return true;
      // A resumable upload's parts belong to its row until it finishes, is terminated or expires.
      return (await orm.select({ id: resumableUploads.id }).from(resumableUploads).where(eq(resumableUploads.id, id)).limit(1)).length > 0;
    },
  };
}
