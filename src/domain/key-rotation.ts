// Master key rotation inside the database: every image's data key re-wrapped under the new
// version, and every blind index (names, tags) recomputed with it, in one transaction. No
// blob is touched: blobs are encrypted under data keys, which do not change.
import { keyCheck, type Keyring } from "../crypto/master-key.ts";
import { wrappedKeyVersion } from "../crypto/data-key.ts";
import type { Database } from "../store/db.ts";
import { indexKey, nameIndex, openImageKeys, tagIndex, wrapImageKey, type Visibility } from "./image-crypto.ts";
import { nameKey } from "./image-names.ts";
import { asBuffer } from "../store/sql-values.ts";

export interface RotationReport {
  readonly images: number;
  readonly tagIndexes: number;
}

export class RotationError extends Error {
  override name = "RotationError";
}

const ROWS = `SELECT i.id, i.owner_id, i.visibility, i.wrapped_key, i.filename_enc, i.tags_enc, u.key_salt
  FROM images i JOIN users u ON u.id = i.owner_id`;

/**
 * `keyring`'s current version becomes the one every data key and index uses. Its key check is
 * recorded in the same transaction, so a rotation that fails leaves no trace of the version.
 */
export async function reKeyImages(db: Database, keyring: Keyring): Promise<RotationReport> {
  const target = keyring.current.id;
  const tx = await db.client.transaction("write");
  try {
    // A plain INSERT: a row already there for a version this key file has never held is a
    // database out of step with its key file, and re-keying onto it would strand every image.
    await tx.execute({
      sql: "INSERT INTO master_keys (id, \"check\", created_at) VALUES (?, ?, ?)",
      args: [target, keyCheck(keyring, target), Date.now()],
    });
    const rows = (await tx.execute(ROWS)).rows;
    let tagIndexes = 0;
    for (const row of rows) {
      const id = String(row.id);
      const owner = { id: String(row.owner_id), keySalt: asBuffer(row.key_salt) };
      const wrapped = asBuffer(row.wrapped_key);
      let opened: ReturnType<typeof openImageKeys>;
      try {
        opened = openImageKeys(keyring, owner, id, wrapped);
      } catch (e) {
        throw new RotationError(`image ${id}: its data key does not unwrap (${e instanceof Error ? e.message : e}); run pixvault fsck, nothing was changed`);
      }
      const { dataKey, metadata } = opened;
      const rewrapped = wrapImageKey(keyring, owner, id, dataKey);
      const key = indexKey(keyring, String(row.visibility) as Visibility, owner);
      const tags = metadata.openTags(row.tags_enc === null ? null : asBuffer(row.tags_enc));
      const name = metadata.openFilename(asBuffer(row.filename_enc));
      await tx.execute({ sql: "UPDATE images SET wrapped_key = ?, name_index = ? WHERE id = ?", args: [rewrapped, nameIndex(key, nameKey(name)), id] });
      await tx.execute({ sql: "DELETE FROM image_tags WHERE image_id = ?", args: [id] });
      for (const tag of tags) {
        await tx.execute({ sql: "INSERT OR IGNORE INTO image_tags (image_id, tag_index) VALUES (?, ?)", args: [id, tagIndex(key, tag)] });
        tagIndexes += 1;
      }
    }
    await tx.execute({ sql: "UPDATE master_keys SET keys_indexes = CASE WHEN id = ? THEN 1 ELSE 0 END", args: [target] });
    await tx.commit();
    return { images: rows.length, tagIndexes };
  } finally {
    tx.close();
  }
}

/** Versions still needed: those some wrapped key names, and the one keying the indexes. */
export async function versionsInUse(db: Database, keyring: Keyring): Promise<Set<number>> {
  const used = new Set<number>([keyring.indexVersion.id]);
  for (const row of (await db.client.execute("SELECT wrapped_key FROM images")).rows) used.add(wrappedKeyVersion(asBuffer(row.wrapped_key)));
  return used;
}
