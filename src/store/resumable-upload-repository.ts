// Rows of resumable_uploads and their parts, behind the ResumableUploadRepository port. The
// write lease is taken and checked inside the statements that need it, so two requests (on one
// instance or two) never append to one upload at once.
import { and, asc, count, eq, isNull, lte, min, or } from "drizzle-orm";
import type { ResumableUploadRepository } from "../domain/resumable-uploads/ports.ts";
import type { Orm } from "./db.ts";
import { resumableUploadParts, resumableUploads } from "./schema.ts";

const uploadColumns = {
  id: resumableUploads.id,
  ownerId: resumableUploads.ownerId,
  length: resumableUploads.length,
  received: resumableUploads.received,
  parts: resumableUploads.parts,
  wrappedKey: resumableUploads.wrappedKey,
  metadataEnc: resumableUploads.metadataEnc,
  createdAt: resumableUploads.createdAt,
  expiresAt: resumableUploads.expiresAt,
};

export function resumableUploadRepository(orm: Orm): ResumableUploadRepository {
  const held = (id: string, leaseOwner: string) => and(eq(resumableUploads.id, id), eq(resumableUploads.leaseOwner, leaseOwner));

  return {
    async insert(upload) {
      await orm.insert(resumableUploads).values(upload);
    },

    async find(id) {
      const [row] = await orm.select(uploadColumns).from(resumableUploads).where(eq(resumableUploads.id, id)).limit(1);
      return row;
    },

    async countOwned(ownerId) {
      const [row] = await orm
        .select({ count: count(), firstExpiry: min(resumableUploads.expiresAt) })
        .from(resumableUploads)
        .where(eq(resumableUploads.ownerId, ownerId));
      return { count: row?.count ?? 0, firstExpiry: row?.firstExpiry ?? null };
    },

    async claim(id, received, lease, now) {
      const free = or(isNull(resumableUploads.leaseUntil), lte(resumableUploads.leaseUntil, now));
      const claimed = await orm
        .update(resumableUploads)
        .set({ leaseOwner: lease.owner, leaseUntil: lease.until })
        .where(and(eq(resumableUploads.id, id), eq(resumableUploads.received, received), free))
        .returning({ id: resumableUploads.id });
      return claimed.length > 0;
    },

    async renew(id, lease) {
      const renewed = await orm
        .update(resumableUploads)
        .set({ leaseUntil: lease.until })
        .where(held(id, lease.owner))
        .returning({ id: resumableUploads.id });
      return renewed.length > 0;
    },

    async release(id, leaseOwner) {
      await orm.update(resumableUploads).set({ leaseOwner: null, leaseUntil: null }).where(held(id, leaseOwner));
    },

    async addPart(id, leaseOwner, part) {
      return orm.transaction(async (tx) => {
        const [row] = await tx
          .select({ parts: resumableUploads.parts, received: resumableUploads.received })
          .from(resumableUploads)
          .where(held(id, leaseOwner));
        if (!row || row.parts !== part.part) return false;
        await tx.insert(resumableUploadParts).values({ uploadId: id, ...part });
        await tx
          .update(resumableUploads)
          .set({ received: row.received + part.size, parts: row.parts + 1, leaseOwner: null, leaseUntil: null })
          .where(held(id, leaseOwner));
        return true;
      });
    },

    async take(id, leaseOwner) {
      // Under the lease nothing else adds parts, so they can be read before the row goes.
      const parts = await orm
        .select({ part: resumableUploadParts.part, size: resumableUploadParts.size, commitment: resumableUploadParts.commitment })
        .from(resumableUploadParts)
        .where(eq(resumableUploadParts.uploadId, id))
        .orderBy(asc(resumableUploadParts.part));
      const taken = await orm.delete(resumableUploads).where(held(id, leaseOwner)).returning({ id: resumableUploads.id });
      return taken.length > 0 ? parts : undefined;
    },

    async remove(id) {
      const [row] = await orm.delete(resumableUploads).where(eq(resumableUploads.id, id)).returning(uploadColumns);
      return row;
    },

    expired: (now, limit) =>
      orm
        .select(uploadColumns)
        .from(resumableUploads)
        .where(lte(resumableUploads.expiresAt, now))
        .orderBy(asc(resumableUploads.expiresAt))
        .limit(limit),
  };
}
