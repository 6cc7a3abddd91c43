// The media job table behind the MediaJobRepository port. A claim is one UPDATE … RETURNING
// guarded by the lease, so two instances on one database never take the same job; a finish
// writes only while its lease is held.
import { and, asc, count, eq, gt, gte, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { MediaJobRepository, MediaStatus } from "../domain/previews/ports.ts";
import type { Orm } from "./db.ts";
import { replaceTermSet } from "./image-terms.ts";
import { imageMedia, images } from "./schema.ts";

export function mediaJobRepository(orm: Orm): MediaJobRepository {
  return {
    async claim({ owner, now, leaseUntil, limit, maxAttempts, imageId }) {
      const leaseFree = or(isNull(imageMedia.leaseUntil), lt(imageMedia.leaseUntil, now));
      const which = imageId === undefined ? undefined : eq(imageMedia.imageId, imageId);
      // A job whose worker died maxAttempts times is not tried again: it fails, and says why.
      await orm
        .update(imageMedia)
        .set({ status: "failed", reason: "worker_crashed", leaseOwner: null, leaseUntil: null })
        .where(and(eq(imageMedia.status, "pending"), gte(imageMedia.attempts, maxAttempts), leaseFree, which));
      const claimable = and(eq(imageMedia.status, "pending"), lt(imageMedia.attempts, maxAttempts), leaseFree);
      const oldest = orm
        .select({ id: imageMedia.imageId })
        .from(imageMedia)
        .where(and(claimable, which))
        .orderBy(asc(imageMedia.queuedAt))
        .limit(limit);
      return orm
        .update(imageMedia)
        .set({ leaseOwner: owner, leaseUntil, attempts: sql`${imageMedia.attempts} + 1` })
        .where(and(inArray(imageMedia.imageId, oldest), claimable))
        .returning({ imageId: imageMedia.imageId, attempts: imageMedia.attempts });
    },
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
          .where(and(eq(imageMedia.imageId, imageId), eq(imageMedia.leaseOwner, owner)))
          .returning({ imageId: imageMedia.imageId });
        if (held.length === 0) return false;
        const size = outcome.width !== null && outcome.height !== null ? { width: outcome.width, height: outcome.height } : {};
        await tx
          .update(images)
          .set({ photoEnc: outcome.photoEnc, ...size })
          .where(eq(images.id, imageId));
        // A failed rebuild leaves no terms of an earlier analysis behind (nothing records them now).
        if (failed) await replaceTermSet(tx, imageId, { color: [], label: [] });
        return true;
      });
    },
    async release(imageId, owner, retry) {
      const later = retry ? { leaseUntil: retry.notBefore, attempts: sql`max(${imageMedia.attempts} - 1, 0)` } : { leaseUntil: null };
      await orm
        .update(imageMedia)
        .set({ leaseOwner: null, ...later })
        .where(and(eq(imageMedia.imageId, imageId), eq(imageMedia.leaseOwner, owner), eq(imageMedia.status, "pending")));
    },
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
        .set({ leaseOwner: null, leaseUntil: null })
        .where(isNotNull(imageMedia.leaseUntil))
        .returning({ imageId: imageMedia.imageId });
      return rows.length;
    },
    async counts() {
      const rows = await orm.select({ status: imageMedia.status, n: count() }).from(imageMedia).groupBy(imageMedia.status);
      const counts: Record<MediaStatus, number> = { pending: 0, ready: 0, failed: 0 };
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },
    async analysisBacklog(afterId, limit) {
      const rows = await orm
        .select({ id: imageMedia.imageId })
        .from(imageMedia)
        .where(and(eq(imageMedia.status, "ready"), eq(imageMedia.analysisStatus, "pending"), gt(imageMedia.imageId, afterId)))
        .orderBy(asc(imageMedia.imageId))
        .limit(limit);
      return rows.map((row) => row.id);
    },
    async requeueAnalysis() {
      // The sealed result and its terms stay until the new one replaces them: search keeps working meanwhile.
      const rows = await orm
        .update(imageMedia)
        .set({ analysisStatus: "pending", analysisReason: null })
        .where(eq(imageMedia.status, "ready"))
        .returning({ imageId: imageMedia.imageId });
      return rows.length;
    },
    async recordAnalysis(imageId, record) {
      return orm.transaction(async (tx) => {
        const held = await tx
          .update(imageMedia)
          .set({ analysisStatus: record.status, analysisReason: record.reason, analysisEnc: record.analysisEnc })
          .where(and(eq(imageMedia.imageId, imageId), eq(imageMedia.status, "ready")))
          .returning({ imageId: imageMedia.imageId });
        if (held.length === 0) return false;
        await replaceTermSet(tx, imageId, record.terms);
        return true;
      });
    },
    async analysisCounts() {
      const rows = await orm.select({ status: imageMedia.analysisStatus, n: count() }).from(imageMedia).groupBy(imageMedia.analysisStatus);
      const counts: Record<MediaStatus, number> = { pending: 0, ready: 0, failed: 0 };
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },
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
