// Claims a filename in its namespace and commits the image row: fail, rename or replace on
// a clash. The unique index decides races; this code only picks what to try next.
import { insertImage, type ImageRow, type NameLookup, type OwnedImageRow } from "../store/image-repository.ts";
import type { UserRow } from "../store/user-repository.ts";
import type { ImageDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import { indexKey, nameIndex, namespaceOf, type newImageKeys, tagIndex, type Visibility } from "./image-crypto.ts";
import type { UploadOptions } from "./image-input.ts";
import { nameKey, renameCandidate } from "./image-names.ts";

export interface PreparedImage {
  readonly id: string;
  readonly keys: ReturnType<typeof newImageKeys>;
  readonly contentType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly digest: Buffer;
  readonly commitment: Buffer;
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

export async function claimNameAndInsert(
  deps: ImageDeps,
  owner: UserRow,
  options: UploadOptions,
  filename: string,
  image: PreparedImage,
): Promise<Result<OwnedImageRow>> {
  const { visibility } = options;
  const namespace = namespaceOf(visibility, owner.id);
  const key = indexKey(deps.keyring, visibility, owner);
  const tagIndexes = options.tags.map((t) => tagIndex(key, t));
  const now = deps.now();

  const rowNamed = (name: string): ImageRow => ({
    id: image.id,
    ownerId: owner.id,
    visibility,
    nameNamespace: namespace,
    nameIndex: nameIndex(key, nameKey(name)),
    filenameEnc: image.keys.metadata.filename(name),
    descriptionEnc: image.keys.metadata.description(options.description ?? null),
    tagsEnc: image.keys.metadata.tags(options.tags),
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

  // The lookups run inside the inserting transaction, so they see every write before it;
  // the unique index still has the last word (a libSQL server may interleave writers).
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const outcome = await insertImage(
      deps.db.client,
      async (names) => {
        if (options.onConflict === "rename") return { row: rowNamed(await firstFreeName(names, namespace, key, filename)) };
        if (options.onConflict === "replace") {
          const holder = await names.holder(namespace, nameIndex(key, nameKey(filename)));
          if (holder && holder.ownerId !== owner.id) return { refused: true };
          return { row: rowNamed(filename), ...(holder ? { replaceId: holder.id } : {}) };
        }
        return { row: rowNamed(filename) };
      },
      tagIndexes,
      image.quotaBytes,
    );
    if (outcome.kind === "quota_exceeded") return quotaFailure(image.quotaBytes, outcome.usedBytes);
    if (outcome.kind === "refused") return nameConflict(filename, visibility);
    if (outcome.kind === "ok") {
      if (outcome.replaced) await deps.blobs.delete(outcome.replaced);
      // The committed row is exactly what was inserted; reading it back would cost a query per upload.
      return ok({ ...(outcome.row as ImageRow), ownerUsername: owner.username, ownerKeySalt: owner.keySalt });
    }
    // name_taken: someone else won the race for this name; only rename and replace try again.
    if (options.onConflict === "fail") return nameConflict(filename, visibility);
  }
  return nameConflict(filename, visibility);
}

/** The name itself if free, else the first free `name (n)`; checked in batches, one query each. */
async function firstFreeName(lookup: NameLookup, namespace: string, key: Buffer, filename: string): Promise<string> {
  for (let start = 0; start < 100 * RENAME_BATCH; start += RENAME_BATCH) {
    const names = Array.from({ length: RENAME_BATCH }, (_, i) => (start + i === 0 ? filename : renameCandidate(filename, start + i)));
    const indexes = names.map((n) => nameIndex(key, nameKey(n)));
    const taken = await lookup.taken(namespace, indexes);
    const free = indexes.findIndex((idx) => !taken.some((t) => t.equals(idx)));
    if (free >= 0) return names[free]!;
  }
  return renameCandidate(filename, Date.now());
}
