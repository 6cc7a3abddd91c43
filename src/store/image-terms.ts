// Rows of the search index (image_terms): one image's terms of one kind replaced at once, inside
// whichever transaction writes the image (upload, edit, key rotation, backfill).
import { and, eq } from "drizzle-orm";
import type { TermKind, TermSet } from "../domain/images/ports.ts";
import type { WriteTx } from "./image-repository.ts";
import { imageTerms } from "./schema.ts";

// SQLite's default bound-parameter limit is 32,766; a term row binds three.
const INSERT_BATCH = 1000;

/** Every kind present in `set`, each replacing the image's terms of that kind. */
export async function replaceTermSet(tx: WriteTx, imageId: string, set: TermSet): Promise<void> {
  for (const kind of Object.keys(set) as TermKind[]) {
    await tx.delete(imageTerms).where(and(eq(imageTerms.imageId, imageId), eq(imageTerms.kind, kind)));
  }
  await insertTermSet(tx, imageId, set);
}

/**
 * The terms of an image that has none yet (one just inserted): no delete to run first, and all
 * kinds in one statement per batch, since every statement costs a rendering by drizzle.
 */
export async function insertTermSet(tx: WriteTx, imageId: string, set: TermSet): Promise<void> {
  const rows = (Object.entries(set) as [TermKind, readonly Buffer[]][]).flatMap(([kind, terms]) =>
    terms.map((term) => ({ imageId, kind, term })),
  );
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    await tx
      .insert(imageTerms)
      .values(rows.slice(start, start + INSERT_BATCH))
      .onConflictDoNothing();
  }
}
