// Loads the master key for a storage being opened and proves it is this database's key.
import { existsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import type { StorageConfig } from "../config.ts";
import { adoptStagedKeyFile, loadOrCreateMasterKey } from "../crypto/master-key-file.ts";
import { keyCheck, verifyKeyCheck, withIndexVersion, type Keyring } from "../crypto/master-key.ts";
import type { Logger } from "../logger.ts";
import type { Database } from "../store/db.ts";
import { claimIndexVersion, findIndexVersion, insertKeyCheck, listKeyChecks } from "../store/master-key-repository.ts";
import { masterKeyPassphrase } from "../cli/passphrase.ts";
import { StartupError } from "../cli/startup-error.ts";

export interface KeyringOptions {
  /** The server repeats the key-location warning at every start; one-shot commands do not. */
  readonly remindKeyLocation?: boolean;
}

/** Loads (or on a fresh database, creates) the key file and proves it is this database's key. */
export async function loadKeyring(config: StorageConfig, db: Database, logger: Logger, options: KeyringOptions = {}): Promise<Keyring> {
  const path = config.masterKeyFile;
  const stored = await listKeyChecks(db.orm);
  if (stored.length > 0 && !existsSync(path)) {
    // Creating a fresh key here would silently orphan every image already stored.
    throw new StartupError(
      `master key file ${path} is missing, and this database's images cannot be read without it; restore it or point --master-key-file at it`,
    );
  }
  let { keyring, created } = await loadOrCreateMasterKey(path, masterKeyPassphrase(config));
  const fits = (k: Keyring) =>
    stored.every((row) => (row.retiredAt !== null && k.get(row.id) === undefined) || verifyKeyCheck(k, row.id, row.check));
  if (!fits(keyring)) {
    const adopted = await adoptStagedKeyFile(path, masterKeyPassphrase(config), fits);
    if (adopted) {
      keyring = adopted;
      logger.warn("master key rotation finished: it had committed in the database but stopped before putting the key file in place", {
        path,
      });
    }
  }
  for (const row of stored) {
    if (row.retiredAt !== null && keyring.get(row.id) === undefined) continue; // retired on purpose
    if (!verifyKeyCheck(keyring, row.id, row.check)) {
      throw new StartupError(
        `master key file ${path} does not match this database (key version ${row.id}); use the key file this database was created with`,
      );
    }
  }
  for (const version of keyring.versions) {
    if (!stored.some((row) => row.id === version.id)) await insertKeyCheck(db.orm, version.id, keyCheck(keyring, version.id));
  }
  let indexVersion = await findIndexVersion(db.orm);
  if (indexVersion === undefined) {
    await claimIndexVersion(db.orm, keyring.current.id);
    indexVersion = await findIndexVersion(db.orm);
  }
  const inside = isInside(config.dataDir, path);
  if (created) {
    logger.warn("master key created", {
      path,
      mode: "0600",
      advice: inside
        ? "The key sits inside the data directory: that keeps backups taken without it unreadable, but protects nothing if this disk is copied or stolen. For real deployments move it out of the data directory (--master-key-file) and back it up separately; without it no image can ever be read."
        : "Back this file up separately from the data; without it no image can ever be read.",
    });
  } else if (inside && options.remindKeyLocation) {
    logger.warn("master key inside the data directory", {
      path,
      advice:
        "Anyone with a copy of the data directory and this file can read every image; move it out (--master-key-file) for real deployments.",
    });
  }
  if (indexVersion === undefined) throw new StartupError("the database names no master key version for its indexes");
  try {
    return withIndexVersion(keyring, indexVersion);
  } catch (e) {
    // A retired version still keys the indexes: the key file lost a version it needs.
    throw new StartupError(e instanceof Error ? e.message : String(e));
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
