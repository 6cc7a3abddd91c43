// Claims a filename in its namespace and commits the image row, inside one write scope: fail,
// rename or replace on a clash, and the quota checked against what the transaction sees. The
// unique index decides races; this code only picks what to try next.
import type { Keyring } from "../../crypto/master-key.ts";
import type { Clock } from "../clock.ts";
import { fail, ok, type Result } from "../errors.ts";
import { sealPhoto } from "../previews/media-result.ts";
import type { PhotoFields } from "../previews/ports.ts";
import { nameKey, renameCandidate } from "./filenames.ts";
import type { UploadOptions } from "./input.ts";
import { indexKey, nameIndex, namespaceOf, type NewImageKeys, tagIndex, type Visibility } from "./keys.ts";
import type { ImageBlobs, ImageOwner, ImageRepository, ImageWriteScope, StoredImage } from "./ports.ts";
import { textTerms } from "./search-terms.ts";

export interface ClaimPorts {
  readonly images: Pick<ImageRepository, "write">;
  readonly blobs: Pick<ImageBlobs, "delete">;
  readonly keyring: Keyring;
  readonly clock: Clock;
}

/** A sealed blob waiting for its row. */
export interface PreparedImage {
  readonly id: string;
  readonly keys: NewImageKeys;
  readonly contentType: string;
  readonly size: number;
  /** As displayed (the head's EXIF orientation applied). */
  readonly width: number | null;
  readonly height: number | null;
  /** What the upload's head said about the photo, sealed into the row; null when it said nothing. */
  readonly photo: PhotoFields | null;
  /** The sealed sha256 and CRC-32. */
  readonly digest: Buffer;
  readonly commitment: Buffer;
  /** null: unlimited. */
  readonly quotaBytes: number | null;
}

const RENAME_BATCH = 32;
const MAX_ATTEMPTS = 8;

export function quotaFailure(quotaBytes: number | null, usedBytes: number): Result<never> {
  return fail("quota_exceeded", `this upload would exceed your storage quota of ${quotaBytes} bytes (${usedBytes} bytes used)`, {
    quotaBytes,
    usedBytes,
  });
}

export function nameConflict(filename: string, visibility: Visibility): Result<never> {
  const where = visibility === "public" ? "among public images" : "among your private images";
  return fail("name_conflict", `an image named ${JSON.stringify(filename)} already exists ${where}`, { filename });
}

/** The committed row and the name it got (a rename may have changed it). */
export async function claimNameAndInsert(
  ports: ClaimPorts,
  owner: ImageOwner,
  options: UploadOptions,
  filename: string,
  image: PreparedImage,
): Promise<Result<{ row: StoredImage; filename: string }>> {
  const { visibility } = options;
  const namespace = namespaceOf(visibility, owner.id);
  const key = indexKey(ports.keyring, visibility, owner);
  const tagIndexes = options.tags.map((t) => tagIndex(key, t));
  const now = ports.clock.now();
  const sealed = {
    descriptionEnc: image.keys.metadata.description(options.description ?? null),
    tagsEnc: image.keys.metadata.tags(options.tags),
    photoEnc: image.photo ? sealPhoto(image.keys.metadata, image.photo) : null,
  };
  const rowNamed = (name: string): StoredImage => ({
    id: image.id,
    ownerId: owner.id,
    visibility,
    nameNamespace: namespace,
    nameIndex: nameIndex(key, nameKey(name)),
    filenameEnc: image.keys.metadata.filename(name),
    ...sealed,
    digestEnc: image.digest,
    contentType: image.contentType,
    size: image.size,
    width: image.width,
    height: image.height,
    wrappedKey: image.keys.wrappedKey,
    blobCommitment: image.commitment,
    shareEpoch: 0,
    createdAt: now,
    updatedAt: now,
  });

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    let raced = false;
    const stored = await ports.images.write(async (tx) => {
      let name = filename;
      let replaced: string | undefined;
      if (options.onConflict === "rename") name = await firstFreeName(tx, namespace, key, filename);
      if (options.onConflict === "replace") {
        const holder = await tx.nameHolder(namespace, nameIndex(key, nameKey(filename)));
        if (holder && holder.ownerId !== owner.id) return nameConflict(filename, visibility);
        replaced = holder?.id;
        // The replaced image's bytes stop counting against the quota in the same transaction.
        if (replaced) await tx.remove(owner.id, [replaced]);
      }
      if (image.quotaBytes !== null) {
        const used = await tx.usedBytes(owner.id);
        if (used + image.size > image.quotaBytes) return quotaFailure(image.quotaBytes, used);
      }
      const row = rowNamed(name);
      const terms = textTerms(key, { filename: name, description: options.description ?? null, tags: options.tags });
      if ((await tx.insert(row, tagIndexes, terms)) === "name_taken") {
        raced = true;
        return nameConflict(filename, visibility);
      }
      return ok({ row, filename: name, replaced });
    });
    if (stored.ok) {
      if (stored.value.replaced) await ports.blobs.delete(stored.value.replaced);
      return ok({ row: stored.value.row, filename: stored.value.filename });
    }
    // Someone else won the race for this name; only rename and replace try again.
    if (!raced || options.onConflict === "fail") return stored;
  }
  return nameConflict(filename, visibility);
}

/** The name itself if free, else the first free `name (n)`; checked in batches, one query each. */
async function firstFreeName(tx: ImageWriteScope, namespace: string, key: Buffer, filename: string): Promise<string> {
  for (let start = 0; start < 100 * RENAME_BATCH; start += RENAME_BATCH) {
    const names = Array.from({ length: RENAME_BATCH }, (_, i) => (start + i === 0 ? filename : renameCandidate(filename, start + i)));
    const indexes = names.map((n) => nameIndex(key, nameKey(n)));
    const taken = await tx.takenNames(namespace, indexes);
    const free = indexes.findIndex((idx) => !taken.some((t) => t.equals(idx)));
    if (free >= 0) return names[free]!;
  }
  return renameCandidate(filename, Date.now());
}
