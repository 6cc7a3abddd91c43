// Rows of the search index (image_terms): one image's terms of one kind replaced at once, inside
// whichever transaction writes the image (upload, edit, key rotation, backfill).
import { and, eq, sql } from "drizzle-orm";
import type { TermKind, TermSet } from "../domain/images/ports.ts";
import type { Orm, WriteTx } from "./db.ts";
import { preparedInTransaction } from "./prepared-queries.ts";
import { imageTerms } from "./schema.ts";

// SQLite's default bound-parameter limit is 32,766; a term row binds three.
const INSERT_BATCH = 1000;

// An upload's terms (its filename's trigrams, its tags' and description's words) are a few
// dozen rows; one prepared insert per row count up to this many, the rest rendered per call.
const PREPARED_ROWS = 64;
const preparedKeys = Array.from({ length: PREPARED_ROWS + 1 }, (_, n) => Symbol(`insert ${n} image terms`));

/** Every kind present in `set`, each replacing the image's terms of that kind. */
export async function replaceTermSet(orm: Orm, tx: WriteTx, imageId: string, set: TermSet): Promise<void> {
  for (const kind of Object.keys(set) as TermKind[]) {
    await tx.delete(imageTerms).where(and(eq(imageTerms.imageId, imageId), eq(imageTerms.kind, kind)));
  }
  await insertTermSet(orm, tx, imageId, set);
}

/**
 * The terms of an image that has none yet (one just inserted): no delete to run first, and all
 * kinds in one statement per batch, since every statement costs a rendering by drizzle: a set of
 * up to PREPARED_ROWS rows runs as a statement prepared once (on `orm`) for that count.
 */
export async function insertTermSet(orm: Orm, tx: WriteTx, imageId: string, set: TermSet): Promise<void> {
  const rows = (Object.entries(set) as [TermKind, readonly Buffer[]][]).flatMap(([kind, terms]) =>
    terms.map((term) => ({ imageId, kind, term })),
  );
  if (rows.length === 0) return;
  if (rows.length <= PREPARED_ROWS) {
    const params: Record<string, unknown> = { imageId };
    rows.forEach((row, i) => {
      params[`k${i}`] = row.kind;
      params[`t${i}`] = row.term;
    });
    const query = preparedInTransaction(orm, tx, preparedKeys[rows.length]!, (db) =>
      db
        .insert(imageTerms)
        .values(
          rows.map((_, i) => ({ imageId: sql.placeholder("imageId"), kind: sql.placeholder(`k${i}`), term: sql.placeholder(`t${i}`) })),
        )
        .onConflictDoNothing()
        .prepare(),
    );
    await query.run(params);
    return;
  }
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    await tx
      .insert(imageTerms)
      .values(rows.slice(start, start + INSERT_BATCH))
      .onConflictDoNothing();
  }
}
