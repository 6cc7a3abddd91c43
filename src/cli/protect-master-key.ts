// `pixvault protect-master-key --passphrase-stdin | --remove`: seal the master key file under a
// passphrase (or change it), or store it in clear again. The keys themselves do not change.
// It holds the data directory's lock, so it refuses while a server runs there: the server read
// the file at start and would not notice, and a server starting meanwhile could find it half-changed.
import { ConfigError, PASSPHRASE_ENV, parseStorageConfig } from "../config.ts";
import { MasterKeyError } from "../crypto/errors.ts";
import { setKeyFilePassphrase } from "../crypto/master-key-file.ts";
import { claimDataDir } from "./data-dir-guard.ts";
import { masterKeyPassphrase } from "./passphrase.ts";
import { StartupError } from "./startup-error.ts";

export async function protectMasterKeyCommand(argv: string[], stdin: () => Promise<string> = readStdin): Promise<number> {
  const { config, bools, positionals } = parseStorageConfig(argv, { booleans: ["passphrase-stdin", "remove"] });
  if (positionals.length > 0) throw new ConfigError(`protect-master-key: unexpected argument "${positionals[0]}"`);
  const remove = bools.has("remove");
  if (remove === bools.has("passphrase-stdin")) {
    throw new ConfigError("protect-master-key: give --passphrase-stdin (the new passphrase on stdin) or --remove");
  }
  const next = remove ? undefined : (await stdin()).replace(/\r?\n$/, "");
  const lock = claimDataDir(config.dataDir, { command: "protect-master-key", advice: "stop the server first, then run it again" });
  try {
    const { wasProtected } = await setKeyFilePassphrase(config.masterKeyFile, masterKeyPassphrase(config), next);
    if (remove) {
      console.log(
        `protect-master-key: ${config.masterKeyFile} is ${wasProtected ? "now" : "still"} in clear (mode 0600); keep the disk it is on safe`,
      );
    } else {
      console.log(
        `protect-master-key: ${config.masterKeyFile} is sealed under the passphrase; every start needs it (${PASSPHRASE_ENV}, or a prompt on a terminal). Without it no image can be read.`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof MasterKeyError) throw new StartupError(e.message);
    throw e;
  } finally {
    lock.release();
  }
}

async function readStdin(): Promise<string> {
  return new Response(Bun.stdin.stream()).text();
}
