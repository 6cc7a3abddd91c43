// `pixvault rotate-master-key [--retire-old]`: a new master key version that every data key
// and index moves to, in one transaction; no blob is rewritten. Old versions stay in the key
// file (old sessions and share links keep working) until --retire-old removes them.
// It holds the data directory's lock, so it refuses while a server runs there (a running server
// would keep computing indexes with the old key), and it puts the changed key file in place only
// once the database step committed: a failure leaves key file and database as they were.
import { parseStorageConfig, type StorageConfig } from "../config.ts";
import { stageRetirement, stageRotation } from "../crypto/master-key-file.ts";
import { withIndexVersion } from "../crypto/master-key.ts";
import { reKeyImages, RotationError, versionsInUse } from "../domain/keys/rotation.ts";
import { createConsoleLogger } from "../logger.ts";
import { retireKeyChecks } from "../store/master-key-repository.ts";
import { databaseErrorLine } from "../store/storage-errors.ts";
import { claimDataDir } from "./data-dir-guard.ts";
import { masterKeyPassphrase } from "./passphrase.ts";
import { StartupError } from "./startup-error.ts";
import { keyPorts } from "../compose/maintenance.ts";
import { openStorage, type Storage } from "../compose/storage.ts";

const STOP_THE_SERVER = "stop the server first, then run it again (a running server keeps using the keys it started with)";

export async function rotateMasterKeyCommand(argv: string[]): Promise<number> {
  const { config, bools } = parseStorageConfig(argv, { booleans: ["retire-old"] });
  const lock = claimDataDir(config.dataDir, { command: "rotate-master-key", advice: STOP_THE_SERVER });
  try {
    const storage = await openStorage(config, createConsoleLogger());
    try {
      return bools.has("retire-old") ? await retireOld(config, storage) : await rotate(config, storage);
    } finally {
      storage.close();
    }
  } finally {
    lock.release();
  }
}

async function rotate(config: StorageConfig, storage: Storage): Promise<number> {
  const started = performance.now();
  const staged = await stageRotation(config.masterKeyFile, masterKeyPassphrase(config));
  const version = staged.keyring.current.id;
  let report;
  try {
    report = await reKeyImages(keyPorts(storage), withIndexVersion(staged.keyring, version));
  } catch (e) {
    await staged.discard();
    if (e instanceof RotationError) throw new StartupError(`rotate-master-key: ${e.message}`);
    throw new StartupError(`rotate-master-key: the database step failed (${describe(e)}); the key file and the database are unchanged`);
  }
  await staged.publish();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `rotate-master-key: now on key version ${version}: re-wrapped ${report.images} data keys ` +
      `(and ${report.albums} album key${report.albums === 1 ? "" : "s"}) and recomputed ` +
      `${report.images} name and ${report.tagIndexes} tag indexes in ${seconds.toFixed(1)} s; no blob was rewritten.`,
  );
  console.log(
    `rotate-master-key: older versions stay in ${config.masterKeyFile} until you run pixvault fsck and then ` +
      "rotate-master-key --retire-old. Back up the key file now; start the server again.",
  );
  return 0;
}

async function retireOld(config: StorageConfig, storage: Storage): Promise<number> {
  const inUse = await versionsInUse(keyPorts(storage).keys, storage.keyring);
  const current = storage.keyring.current.id;
  const stale = [...inUse].filter((id) => id !== current);
  if (stale.length > 0) {
    throw new StartupError(
      `rotate-master-key --retire-old: key version(s) ${stale.join(", ")} are still in use; ` +
        `run rotate-master-key (without --retire-old) to finish moving to version ${current}`,
    );
  }
  const { retired, staged } = await stageRetirement(config.masterKeyFile, masterKeyPassphrase(config));
  if (staged === undefined) {
    console.log(`rotate-master-key: nothing to retire; the key file holds only version ${current}`);
    return 0;
  }
  try {
    await retireKeyChecks(storage.db.orm, retired, new Date());
  } catch (e) {
    await staged.discard();
    throw new StartupError(`rotate-master-key --retire-old: the database step failed (${describe(e)}); the key file is unchanged`);
  }
  await staged.publish();
  console.log(
    `rotate-master-key: retired key version(s) ${retired.join(", ")}; the key file now holds only version ${current}. ` +
      "Sessions and share links signed with a retired version no longer work.",
  );
  return 0;
}

/** One line without SQL or its arguments (wrapped keys travel in this transaction's statements). */
function describe(e: unknown): string {
  return databaseErrorLine(e) ?? (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
