// GET /api/v1/images/duplicates (SPEC §9): the caller's images grouped as identical (same sha256,
// from the sealed digest) or similar (sealed perceptual hashes within SIMILAR_MAX_DISTANCE bits).
// Both values are sealed, so every one of the caller's images is opened once: the owner's own
// request, bounded by MAX_SCANNED.
import { guarded, type IntegrityReport } from "../images/content.ts";
import type { ImageRepository } from "../images/ports.ts";
import { imageObject, type ImageObject, openImage } from "../images/view.ts";
import type { Keyring } from "../../crypto/master-key.ts";
import { groupDuplicates, type HashedImage } from "./duplicates.ts";

/** The newest images beyond this many are not compared (~1 s of unwrapping and opening). */
const MAX_SCANNED = 20_000;

export interface DuplicatePorts extends IntegrityReport {
  readonly images: Pick<ImageRepository, "findOwned">;
  readonly keyring: Keyring;
}

export interface DuplicateGroups {
  readonly groups: { readonly kind: "identical" | "similar"; readonly images: ImageObject[] }[];
}

export async function listDuplicates(ports: DuplicatePorts, viewer: { readonly id: string }): Promise<DuplicateGroups> {
  const rows = await ports.images.findOwned(viewer.id, MAX_SCANNED);
  const objects = new Map<string, ImageObject>();
  const hashed: HashedImage[] = [];
  for (const row of rows) {
    // A damaged row is reported (integrity_error in the log) and left out, as a listing does.
    const opened = guarded(ports, row.id, () => openImage(ports.keyring, row));
    if (!opened.ok) continue;
    const { fields } = opened.value;
    objects.set(row.id, imageObject(row, fields, viewer));
    hashed.push({ id: row.id, sha256: fields.sha256, hash: fields.analysis?.hash ?? null });
  }
  const { groups } = groupDuplicates(hashed);
  return { groups: groups.map((group) => ({ kind: group.kind, images: group.ids.map((id) => objects.get(id)!) })) };
}
