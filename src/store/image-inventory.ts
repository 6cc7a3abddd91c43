// The image rows as fsck reads them: totals, every row with its owner's salt, and a fresh
// look at one id before a stray blob is removed.
import { eq } from "drizzle-orm";
import type { ImageInventory } from "../domain/fsck/ports.ts";
import type { Orm } from "./db.ts";
import { allImageRows, imageTotals } from "./image-repository.ts";
import { images } from "./schema.ts";

export function imageInventory(orm: Orm): ImageInventory {
  return {
    totals: () => imageTotals(orm),
    all: () => allImageRows(orm),
    async exists(id) {
      return (await orm.select({ id: images.id }).from(images).where(eq(images.id, id)).limit(1)).length > 0;
    },
  };
}
