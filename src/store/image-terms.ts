// Rows of the search index (image_terms): one image's terms of one kind replaced at once, inside
// whichever transaction writes the image (upload, edit, key rotation, backfill).
import { and, eq } from "drizzle-orm";
import type { TermKind, TermSet } from "../domain/images/ports.ts";
import type { WriteTx } from "./image-repository.ts";
import { imageTerms } from "./schema.ts";

// SQLite's default bound-parameter limit is 32,766; a term row binds three.
const INSERT_BATCH = 1000;

async function replaceImageTerms(tx: WriteTx, imageId: string, kind: TermKind, terms: readonly Buffer[]): Promise<void> {
  await tx.delete(imageTerms).where(and(eq(imageTerms.imageId, imageId), eq(imageTerms.kind, kind)));
  for (let start = 0; start < terms.length; start += INSERT_BATCH) {
    const rows = terms.slice(start, start + INSERT_BATCH).map((term) => ({ imageId, kind, term }));
    await tx.insert(imageTerms).values(rows).onConflictDoNothing();
  }
}

/** Every kind present in `set`, each replacing the image's terms of that kind. */
export async function replaceTermSet(tx: WriteTx, imageId: string, set: TermSet): Promise<void> {
  for (const [kind, terms] of Object.entries(set) as [TermKind, readonly Buffer[]][]) await replaceImageTerms(tx, imageId, kind, terms);
}
