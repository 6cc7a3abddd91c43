// The previews in a backup. The snapshot lists which images have ready previews and records
// them sealed; the backup copies those blobs. A preview can change after the snapshot (requeued
// and made again: same blob id, new bytes) or vanish (its image deleted): then the copy would not
// match the snapshot's record, so that image's job is queued again in the snapshot instead, and
// the restored server makes its previews from the original. Nothing here needs a key: a record
// that is still byte-identical in the live database proves its blobs were not rewritten.
import { PREVIEW_SIZES, previewBlobId } from "../domain/previews/ports.ts";
import type { SqliteConnection } from "./sqlite-connection.ts";

type BlobCopy = "linked" | "copied" | "vanished";

export interface PreviewCopyPorts {
  readonly snapshot: SqliteConnection;
  /** The live database, read again after the copies. */
  readonly live: SqliteConnection;
  /** Copies one blob from the live blob directory into the backup. */
  copy(blobId: string): BlobCopy;
  /** Removes a blob from the backup (a preview whose job is queued again). */
  discard(blobId: string): void;
}

/** Copies every ready preview: how many preview blobs the backup holds, and the images whose job was queued again in the snapshot instead. */
export function copyPreviews(ports: PreviewCopyPorts): { previews: number; requeued: string[] } {
  // Leases in the snapshot belong to live processes that will never finish those jobs in the copy.
  ports.snapshot.execute("UPDATE image_media SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL");
  const ready = ports.snapshot
    .execute("SELECT image_id, result_enc FROM image_media WHERE status = 'ready' ORDER BY image_id")
    .rows.map((r) => ({ id: String(r.image_id), record: bytesOf(r.result_enc) }));
  const stale = new Set<string>();
  for (const { id } of ready) {
    for (const size of PREVIEW_SIZES) {
      const how = ports.copy(previewBlobId(id, size));
      if (how === "vanished") stale.add(id);
    }
  }
  for (const id of changedSince(ports.live, ready)) stale.add(id);
  for (const id of stale) {
    ports.snapshot.execute({
      sql: "UPDATE image_media SET status = 'pending', reason = NULL, result_enc = NULL, attempts = 0 WHERE image_id = ?",
      args: [id],
    });
    for (const size of PREVIEW_SIZES) ports.discard(previewBlobId(id, size));
  }
  return { previews: (ready.length - stale.size) * PREVIEW_SIZES.length, requeued: [...stale] };
}

const PAGE = 500;

/** Images whose live record is no longer the snapshot's: requeued, remade or deleted since. */
function changedSince(live: SqliteConnection, ready: readonly { id: string; record: Buffer | undefined }[]): string[] {
  const changed: string[] = [];
  for (let at = 0; at < ready.length; at += PAGE) {
    const page = ready.slice(at, at + PAGE);
    const rows = live.execute({
      sql: `SELECT image_id, status, result_enc FROM image_media WHERE image_id IN (${page.map(() => "?").join(",")})`,
      args: page.map((r) => r.id),
    }).rows;
    const now = new Map(rows.map((r) => [String(r.image_id), r]));
    for (const { id, record } of page) {
      const row = now.get(id);
      const liveRecord = bytesOf(row?.result_enc);
      if (row?.status !== "ready" || !record || !liveRecord?.equals(record)) changed.push(id);
    }
  }
  return changed;
}

function bytesOf(value: unknown): Buffer | undefined {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return undefined;
}
