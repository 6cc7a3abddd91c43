// The media job table behind the MediaJobRepository port (the preview stage; job-leases.ts holds
// the claim). A finish writes only while its lease is held.
import { count, eq, isNotNull, or } from "drizzle-orm";
import type { MediaJobRepository, MediaStatus } from "../domain/previews/ports.ts";
import type { Orm } from "./db.ts";
import { replaceTermSet } from "./image-terms.ts";
import { claimLeases, leaseHeld, previewLeases, releaseLease } from "./job-leases.ts";
import { imageMedia, images } from "./schema.ts";

/** Rows by one stage's status column, every status present. */
export async function countByStatus(
  orm: Orm,
  column: typeof imageMedia.status | typeof imageMedia.analysisStatus,
): Promise<Record<MediaStatus, number>> {
  const rows = await orm.select({ status: column, n: count() }).from(imageMedia).groupBy(column);
  const counts: Record<MediaStatus, number> = { pending: 0, ready: 0, failed: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

export function mediaJobRepository(orm: Orm): MediaJobRepository {
  return {
    claim: (claim) => claimLeases(orm, previewLeases, claim),
    async finish(imageId, owner, outcome) {
      return orm.transaction(async (tx) => {
        // Without previews there is nothing to analyse: the stage fails with the job.
        const failed = outcome.status === "failed";
        const analysed = failed ? { analysisStatus: "failed" as const, analysisReason: "no_previews", analysisEnc: null } : {};
        const held = await tx
          .update(imageMedia)
          .set({
            status: outcome.status,
            reason: outcome.reason,
            resultEnc: outcome.resultEnc,
            leaseOwner: null,
            leaseUntil: null,
            ...analysed,
          })
          .where(leaseHeld(previewLeases, imageId, owner))
          .returning({ imageId: imageMedia.imageId });
        if (held.length === 0) return false;
        const size = outcome.width !== null && outcome.height !== null ? { width: outcome.width, height: outcome.height } : {};
        await tx
          .update(images)
          .set({ photoEnc: outcome.photoEnc, ...size })
          .where(eq(images.id, imageId));
        // A failed rebuild leaves no terms of an earlier analysis behind (nothing records them now).
        if (failed) await replaceTermSet(orm, tx, imageId, { color: [], label: [] });
        return true;
      });
    },
    release: (imageId, owner, retry) => releaseLease(orm, previewLeases, imageId, owner, retry),
    async requeue(which, now) {
      const rows = await orm
        .update(imageMedia)
        .set({ status: "pending", reason: null, attempts: 0, queuedAt: now, leaseOwner: null, leaseUntil: null })
        .where(which === "failed" ? eq(imageMedia.status, "failed") : undefined)
        .returning({ imageId: imageMedia.imageId });
      return rows.length;
    },
    async requeueImage(imageId, now) {
      const rows = await orm
        .update(imageMedia)
        .set({ status: "pending", reason: null, attempts: 0, queuedAt: now, leaseOwner: null, leaseUntil: null })
        .where(eq(imageMedia.imageId, imageId))
        .returning({ imageId: imageMedia.imageId });
      return rows.length > 0;
    },
    async freeLeases() {
      const rows = await orm
        .update(imageMedia)
        .set({ leaseOwner: null, leaseUntil: null, analysisLeaseOwner: null, analysisLeaseUntil: null })
        .where(or(isNotNull(imageMedia.leaseUntil), isNotNull(imageMedia.analysisLeaseUntil)))
        .returning({ imageId: imageMedia.imageId });
      return rows.length;
    },
    counts: () => countByStatus(orm, imageMedia.status),
    async status(imageId) {
      const [row] = await orm
        .select({ status: imageMedia.status, reason: imageMedia.reason, leaseUntil: imageMedia.leaseUntil })
        .from(imageMedia)
        .where(eq(imageMedia.imageId, imageId))
        .limit(1);
      return row;
    },
  };
}
