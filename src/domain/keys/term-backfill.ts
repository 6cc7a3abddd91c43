// Search terms for the images stored before a term version existed (the database migration made
// the table; the terms need the keys): written in batches, each committed with how far it got,
// so a crash resumes where it stopped and a finished version costs one lookup at start.
import type { Keyring } from "../../crypto/master-key.ts";
import type { Logger } from "../../logger.ts";
import type { TermSet } from "../images/ports.ts";
import { openImageIndexes } from "./image-indexes.ts";
import type { TermBackfillRepository } from "./ports.ts";

/**
 * Bump it when what an image's terms are changes (another kind, other normalisation): every
 * image is then indexed again on the next start. Key rotation rewrites them all anyway.
 */
const TERM_VERSION = 2;
const BATCH = 200;

export async function backfillTerms(ports: { backfill: TermBackfillRepository; keyring: Keyring; logger: Logger }): Promise<number> {
  const { backfill, keyring, logger } = ports;
  let progress = (await backfill.progress(TERM_VERSION)) ?? { afterId: "", done: false };
  let indexed = 0;
  while (!progress.done) {
    const images = await backfill.page(progress.afterId, BATCH);
    const terms: { imageId: string; terms: TermSet }[] = [];
    for (const image of images) {
      try {
        terms.push({ imageId: image.id, terms: openImageIndexes(keyring, image).terms });
      } catch (e) {
        // A damaged row is fsck's to report; it must not keep every other image out of search.
        logger.warn("search terms: image skipped", { imageId: image.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    progress = { afterId: images.at(-1)?.id ?? progress.afterId, done: images.length < BATCH };
    await backfill.save(TERM_VERSION, progress, terms);
    indexed += terms.length;
  }
  if (indexed > 0) logger.info("search terms written for stored images", { images: indexed, version: TERM_VERSION });
  return indexed;
}
