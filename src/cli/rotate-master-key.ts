// `pixvault rotate-master-key [--retire-old]`: a new master key version that every data key
// and index moves to, in one transaction; no blob is rewritten. Old versions stay in the key
// file (old sessions and share links keep working) until --retire-old removes them.
// Run it with the server stopped: a running server keeps computing indexes with the old key.
import { parseStorageConfig } from "../config.ts";
import { rotateMasterKeyFile, retireOldMasterKeys } from "../crypto/master-key-file.ts";
import { keyCheck, withIndexVersion } from "../crypto/master-key.ts";
import { reKeyImages, RotationError, versionsInUse } from "../domain/key-rotation.ts";
import { createConsoleLogger } from "../logger.ts";
import { insertKeyCheck, retireKeyChecks } from "../store/master-key-repository.ts";
import { masterKeyPassphrase } from "./passphrase.ts";
import { StartupError } from "./startup-error.ts";
import { openStorage } from "./storage.ts";

export async function rotateMasterKeyCommand(argv: string[]): Promise<number> {
  const { config, bools } = parseStorageConfig(argv, undefined, ["retire-old"]);
  const storage = await openStorage(config, createConsoleLogger());
  try {
    if (bools.has("retire-old")) {
      const inUse = await versionsInUse(storage.db, storage.keyring);
      const current = storage.keyring.current.id;
      const stale = [...inUse].filter((id) => id !== current);
      if (stale.length > 0) {
        throw new StartupError(
          `rotate-master-key --retire-old: key version(s) ${stale.join(", ")} are still in use; run rotate-master-key (without --retire-old) to finish moving to version ${current}`,
        );
      }
      const { retired } = await retireOldMasterKeys(config.masterKeyFile, masterKeyPassphrase());
      if (retired.length === 0) {
        console.log(`rotate-master-key: nothing to retire; the key file holds only version ${current}`);
        return 0;
      }
      await retireKeyChecks(storage.db.orm, retired, new Date());
      console.log(
        `rotate-master-key: retired key version(s) ${retired.join(", ")}; the key file now holds only version ${current}. ` +
          "Sessions and share links signed with a retired version no longer work.",
      );
      return 0;
    }
    const started = performance.now();
    const rotated = await rotateMasterKeyFile(config.masterKeyFile, masterKeyPassphrase());
    const version = rotated.current.id;
    await insertKeyCheck(storage.db.orm, version, keyCheck(rotated, version));
    let report;
    try {
      report = await reKeyImages(storage.db, withIndexVersion(rotated, version));
    } catch (e) {
      if (e instanceof RotationError) throw new StartupError(`rotate-master-key: ${e.message}`);
      throw e;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `rotate-master-key: now on key version ${version}: re-wrapped ${report.images} data keys and recomputed ` +
        `${report.images} name and ${report.tagIndexes} tag indexes in ${seconds.toFixed(1)} s; no blob was rewritten.`,
    );
    console.log(
      `rotate-master-key: older versions stay in ${config.masterKeyFile} until you run pixvault fsck and then ` +
        "rotate-master-key --retire-old. Back up the key file now; start the server again.",
    );
    return 0;
  } finally {
    storage.close();
  }
}
