// The analysis stage behind the AnalysisJobRepository port: the same image_media rows, their own
// lease columns (job-leases.ts), claimable once the previews are ready.
import { and, eq } from "drizzle-orm";
import type { AnalysisJobRepository } from "../domain/previews/ports.ts";
import type { Orm } from "./db.ts";
import { replaceTermSet } from "./image-terms.ts";
import { analysisLeases, claimLeases, leaseHeld, releaseLease } from "./job-leases.ts";
import { countByStatus } from "./media-job-repository.ts";
import { imageMedia } from "./schema.ts";

export function analysisJobRepository(orm: Orm): AnalysisJobRepository {
  return {
    claim: (claim) => claimLeases(orm, analysisLeases, claim),
    release: (imageId, owner, retry) => releaseLease(orm, analysisLeases, imageId, owner, retry),
    async record(imageId, owner, record) {
      return orm.transaction(async (tx) => {
        const held = await tx
          .update(imageMedia)
          .set({
            analysisStatus: record.status,
            analysisReason: record.reason,
            analysisEnc: record.analysisEnc,
            analysisLeaseOwner: null,
            analysisLeaseUntil: null,
          })
          .where(and(leaseHeld(analysisLeases, imageId, owner), eq(imageMedia.status, "ready")))
          .returning({ imageId: imageMedia.imageId });
        if (held.length === 0) return false;
        await replaceTermSet(orm, tx, imageId, record.terms);
        return true;
      });
    },
    async requeue() {
      // The sealed result and its terms stay until the new one replaces them: search keeps working meanwhile.
      const rows = await orm
        .update(imageMedia)
        .set({ analysisStatus: "pending", analysisReason: null, analysisAttempts: 0, analysisLeaseOwner: null, analysisLeaseUntil: null })
        .where(eq(imageMedia.status, "ready"))
        .returning({ imageId: imageMedia.imageId });
      return rows.length;
    },
    counts: () => countByStatus(orm, imageMedia.analysisStatus),
  };
}
