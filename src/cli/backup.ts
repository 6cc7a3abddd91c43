// `pixvault backup --out DIR [--include-key]`: a consistent snapshot of a local data directory
// while the server keeps serving; `pixvault serve --data-dir DIR` serves it as it is.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, parseStorageConfig } from "../config.ts";
import { BackupError, backupDataDir } from "../store/backup.ts";
import { databaseFilePath } from "../store/db.ts";
import { progressReporter } from "./progress.ts";
import { StartupError } from "./startup-error.ts";

const FLAGS = [{ name: "out", value: "DIR", help: "a new (or empty) directory for the backup" }];

export async function backupCommand(argv: string[]): Promise<number> {
  const { config, raw, bools, positionals } = parseStorageConfig(argv, { booleans: ["include-key"], flags: FLAGS });
  if (positionals.length > 0) throw new ConfigError(`backup: unexpected argument "${positionals[0]}"`);
  const out = raw.get("out");
  if (!out) throw new ConfigError("backup: --out DIR is required");
  const databaseFile = databaseFilePath(config.databaseUrl);
  if (!databaseFile || config.blobStore.kind !== "disk") {
    throw new ConfigError(
      "backup: works on a local data directory (file database, disk blobs); back up a libSQL server and a bucket with their own tools",
    );
  }
  if (!existsSync(databaseFile)) throw new StartupError(`backup: no database at ${databaseFile} (is --data-dir right?)`);

  const started = performance.now();
  let outcome;
  try {
    const progress = progressReporter();
    outcome = backupDataDir({ databaseFile, blobDir: config.blobStore.dir }, out, (done, total) =>
      progress.update(done / total, `backup: ${done}/${total} blobs`),
    );
    progress.done();
  } catch (e) {
    if (e instanceof BackupError) throw new StartupError(`backup: ${e.message}`);
    throw e;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `backup: ${outcome.images} images (${(outcome.bytes / 1e9).toFixed(2)} GB) and ${outcome.previews} previews in ${seconds.toFixed(1)} s to ${out}` +
      ` (${outcome.linked} hard-linked, ${outcome.copied} copied)`,
  );
  if (outcome.vanished.length > 0) {
    console.log(`backup: ${outcome.vanished.length} image(s) deleted while the backup ran are not in it`);
  }
  if (outcome.requeued.length > 0) {
    console.log(
      `backup: the previews of ${outcome.requeued.length} image(s) changed while the backup ran; the backup has them queued, to be made again when it is served`,
    );
  }
  if (bools.has("include-key")) {
    const keyCopy = join(out, "master.key");
    writeFileSync(keyCopy, readFileSync(config.masterKeyFile), { mode: 0o600, flag: "wx" });
    chmodSync(keyCopy, 0o600); // the umask can only take bits away, but make it exact
    console.log(
      `backup: the master key is included (${join(out, "master.key")}): this backup alone can decrypt every image — store it as carefully as the key itself`,
    );
  } else {
    console.log(
      `backup: the master key is NOT included; this backup is unreadable without ${config.masterKeyFile}. ` +
        `Keep that file safe and separate; restore with --master-key-file pointing at it (or copy it to ${join(out, "master.key")})`,
    );
  }
  return 0;
}
