// Leases on image_media rows, for both stages (previews; analysis with its own columns). A claim is
// one UPDATE … RETURNING guarded by the lease, so two instances on one database never take the same
// job; a job whose worker died maxAttempts times fails with a reason instead of being retried.
import { and, asc, eq, gte, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { ClaimedJob, LeaseClaim } from "../domain/previews/ports.ts";
import type { Orm } from "./db.ts";
import { imageMedia } from "./schema.ts";

/** One stage's columns, and what else makes its rows claimable. */
export interface LeaseColumns {
  readonly status: SQLiteColumn;
  readonly reason: SQLiteColumn;
  readonly leaseOwner: SQLiteColumn;
  readonly leaseUntil: SQLiteColumn;
  readonly attempts: typeof imageMedia.attempts | typeof imageMedia.analysisAttempts;
  /** Beyond "pending with a free lease" (analysis waits for ready previews). */
  readonly ready?: SQL;
  /** Their names in image_media's update object. */
  readonly keys: {
    readonly status: string;
    readonly reason: string;
    readonly leaseOwner: string;
    readonly leaseUntil: string;
    readonly attempts: string;
  };
}

export const previewLeases: LeaseColumns = {
  status: imageMedia.status,
  reason: imageMedia.reason,
  leaseOwner: imageMedia.leaseOwner,
  leaseUntil: imageMedia.leaseUntil,
  attempts: imageMedia.attempts,
  keys: { status: "status", reason: "reason", leaseOwner: "leaseOwner", leaseUntil: "leaseUntil", attempts: "attempts" },
};

export const analysisLeases: LeaseColumns = {
  status: imageMedia.analysisStatus,
  reason: imageMedia.analysisReason,
  leaseOwner: imageMedia.analysisLeaseOwner,
  leaseUntil: imageMedia.analysisLeaseUntil,
  attempts: imageMedia.analysisAttempts,
  ready: eq(imageMedia.status, "ready"),
  keys: {
    status: "analysisStatus",
    reason: "analysisReason",
    leaseOwner: "analysisLeaseOwner",
    leaseUntil: "analysisLeaseUntil",
    attempts: "analysisAttempts",
  },
};

/** Stage-neutral names to the stage's own columns in an update. */
const set = (c: LeaseColumns, values: Partial<Record<keyof LeaseColumns["keys"], unknown>>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [c.keys[k as keyof LeaseColumns["keys"]], v])) as Partial<
    typeof imageMedia.$inferInsert
  >;

export async function claimLeases(orm: Orm, c: LeaseColumns, claim: LeaseClaim): Promise<ClaimedJob[]> {
  const { owner, now, leaseUntil, limit, maxAttempts, imageId } = claim;
  const leaseFree = or(isNull(c.leaseUntil), lt(c.leaseUntil, now));
  const which = imageId === undefined ? undefined : eq(imageMedia.imageId, imageId);
  const pending = and(eq(c.status, "pending"), c.ready, leaseFree);
  await orm
    .update(imageMedia)
    .set(set(c, { status: "failed", reason: "worker_crashed", leaseOwner: null, leaseUntil: null }))
    .where(and(pending, gte(c.attempts, maxAttempts), which));
  const claimable = and(pending, lt(c.attempts, maxAttempts));
  const oldest = orm
    .select({ id: imageMedia.imageId })
    .from(imageMedia)
    .where(and(claimable, which))
    .orderBy(asc(imageMedia.queuedAt))
    .limit(limit);
  return orm
    .update(imageMedia)
    .set(set(c, { leaseOwner: owner, leaseUntil, attempts: sql`${c.attempts} + 1` }))
    .where(and(inArray(imageMedia.imageId, oldest), claimable))
    .returning({ imageId: imageMedia.imageId, attempts: c.attempts });
}

export async function releaseLease(
  orm: Orm,
  c: LeaseColumns,
  imageId: string,
  owner: string,
  retry?: { readonly notBefore: Date },
): Promise<void> {
  const later = retry ? { leaseUntil: retry.notBefore, attempts: sql`max(${c.attempts} - 1, 0)` } : { leaseUntil: null };
  await orm
    .update(imageMedia)
    .set(set(c, { leaseOwner: null, ...later }))
    .where(and(eq(imageMedia.imageId, imageId), eq(c.leaseOwner, owner), eq(c.status, "pending")));
}

/** The lease is this owner's (a write of the stage's outcome goes only then). */
export const leaseHeld = (c: LeaseColumns, imageId: string, owner: string) => and(eq(imageMedia.imageId, imageId), eq(c.leaseOwner, owner));
