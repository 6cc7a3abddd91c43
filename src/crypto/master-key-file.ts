// The master key file: loaded and mode-checked, created atomically with mode 0600, changed through a staged copy.
import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { dirname } from "node:path";
import { MasterKeyError } from "./errors.ts";
import { isProtectedKeyFile, protectKeyFile, unprotectKeyFile } from "./key-file-protection.ts";
import { exposedSecretMode } from "./secret-file-mode.ts";
import { addKeyVersion, type Keyring, newKeyring, parseKeyring, retireOldVersions, serializeKeyring } from "./master-key.ts";

/**
 * Reads the key file if it exists, else writes a new one. Two instances sharing a data
 * dir may race at first start; the file is published with link(), which never replaces
 * an existing file, so the loser adopts the winner's key instead of forking the keyring.
 */
/** Where a passphrase comes from: "unlock" may prompt; "create" only protects a new file when one was given up front. */
export type PassphraseSource = (purpose: "unlock" | "create") => Promise<string | undefined>;

const noPassphrase: PassphraseSource = async () => undefined;

export async function loadOrCreateMasterKey(
  path: string,
  passphrase: PassphraseSource = noPassphrase,
): Promise<{ keyring: Keyring; created: boolean }> {
  const existing = await readKeyFile(path);
  if (existing !== undefined) return { keyring: (await openKeyFile(existing, path, passphrase)).keyring, created: false };
  const keyring = newKeyring();
  const protectWith = await passphrase("create");
  const text = protectWith ? await protectKeyFile(serializeKeyring(keyring), protectWith) : serializeKeyring(keyring);
  const published = await writeSecretFile(path, text, "create");
  if (published) return { keyring, created: true };
  const winner = await readKeyFile(path);
  if (winner === undefined) throw new MasterKeyError(`master key file ${path} vanished while being created`);
  return { keyring: (await openKeyFile(winner, path, passphrase)).keyring, created: false };
}

/** The keyring in a file, and the passphrase it was sealed with (undefined when in clear). */
async function openKeyFile(text: string, path: string, passphrase: PassphraseSource): Promise<{ keyring: Keyring; sealedWith?: string }> {
  if (!isProtectedKeyFile(text)) return { keyring: parseKeyring(text, path) };
  const given = await passphrase("unlock");
  const plain = await unprotectKeyFile(text, given, path);
  return { keyring: parseKeyring(plain, path), sealedWith: given! };
}

/** Writes the keyring sealed the way the file was (same passphrase), or in clear. */
async function replaceKeyFile(path: string, keyring: Keyring, sealWith: string | undefined): Promise<void> {
  const plain = serializeKeyring(keyring);
  await writeSecretFile(path, sealWith ? await protectKeyFile(plain, sealWith) : plain, "replace");
}

/** Seals the key file under `next` (or stores it in clear when undefined); the keys stay the same. */
export async function setKeyFilePassphrase(
  path: string,
  current: PassphraseSource,
  next: string | undefined,
): Promise<{ wasProtected: boolean }> {
  const { keyring, sealedWith } = await openExisting(path, current);
  await replaceKeyFile(path, keyring, next);
  return { wasProtected: sealedWith !== undefined };
}

/**
 * A changed key file, written and fsynced beside the real one (`<path>.next`) but not in its
 * place yet. Key changes that the database must agree with (rotation, retirement) publish it
 * only after their transaction committed, so a failed one leaves the key file as it was; a
 * crash between commit and publish is finished by adoptStagedKeyFile at the next start.
 */
export interface StagedKeyFile {
  readonly keyring: Keyring;
  publish(): Promise<void>;
  discard(): Promise<void>;
}

const stagedPath = (path: string) => `${path}.next`;

async function stage(path: string, keyring: Keyring, sealWith: string | undefined): Promise<StagedKeyFile> {
  const next = stagedPath(path);
  await replaceKeyFile(next, keyring, sealWith);
  return {
    keyring,
    publish: async () => {
      try {
        await fs.rename(next, path);
      } catch (error) {
        // ENOENT: a process that started meanwhile adopted it already (the lock keeps other writers out).
        if (errorCode(error) !== "ENOENT") throw new MasterKeyError(`cannot replace master key file ${path} (${errorCode(error)})`);
      }
      await syncDir(dirname(path));
    },
    discard: () => fs.rm(next, { force: true }),
  };
}

async function openExisting(path: string, passphrase: PassphraseSource): Promise<{ keyring: Keyring; sealedWith?: string }> {
  const existing = await readKeyFile(path);
  if (existing === undefined) throw new MasterKeyError(`master key file ${path} does not exist`);
  return openKeyFile(existing, path, passphrase);
}

/** Stages the keyring plus a new current version (sealed as the file is). Old versions stay until retired. */
export async function stageRotation(path: string, passphrase: PassphraseSource = noPassphrase): Promise<StagedKeyFile> {
  const { keyring, sealedWith } = await openExisting(path, passphrase);
  return stage(path, addKeyVersion(keyring), sealedWith);
}

/** Appends a new version and publishes it at once: a key file ahead of its database, for tests. */
export async function rotateMasterKeyFile(path: string, passphrase: PassphraseSource = noPassphrase): Promise<Keyring> {
  const staged = await stageRotation(path, passphrase);
  await staged.publish();
  return staged.keyring;
}

/** Stages the file with only its current version (after every wrapped key moved to it); nothing when that is all it holds. */
export async function stageRetirement(
  path: string,
  passphrase: PassphraseSource = noPassphrase,
): Promise<{ retired: number[]; staged?: StagedKeyFile }> {
  const { keyring, sealedWith } = await openExisting(path, passphrase);
  const retired = keyring.versions.filter((v) => v.id !== keyring.current.id).map((v) => v.id);
  if (retired.length === 0) return { retired };
  return { retired, staged: await stage(path, retireOldVersions(keyring), sealedWith) };
}

/**
 * Puts a staged key file in place when `fits` (the database's key checks) accepts it: the
 * rotation that staged it committed and then stopped. undefined when there is none that fits.
 */
export async function adoptStagedKeyFile(
  path: string,
  passphrase: PassphraseSource,
  fits: (keyring: Keyring) => boolean,
): Promise<Keyring | undefined> {
  const next = stagedPath(path);
  const text = await readKeyFile(next);
  if (text === undefined) return undefined;
  const { keyring } = await openKeyFile(text, next, passphrase);
  if (!fits(keyring)) return undefined;
  await fs.rename(next, path);
  await syncDir(dirname(path));
  return keyring;
}

/** undefined when the file does not exist. The mode is checked on the open handle (no TOCTOU). */
async function readKeyFile(path: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw new MasterKeyError(`cannot open master key file ${path} (${errorCode(error)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new MasterKeyError(`master key file ${path} is not a regular file`);
    const exposed = exposedSecretMode(stat.mode);
    if (exposed) throw new MasterKeyError(`master key file ${path} is ${exposed}; run chmod 600 ${path}`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/**
 * temp file (0600, same dir) → write → fsync → publish → fsync dir. "create" publishes
 * with link(), which never replaces a file, and returns false if one appeared meanwhile;
 * filesystems without hard links fall back to rename (atomic, but last writer wins).
 */
async function writeSecretFile(path: string, content: string, mode: "create" | "replace"): Promise<boolean> {
  const dir = dirname(path);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new MasterKeyError(`cannot create directory ${dir} for the master key (${errorCode(error)})`);
  }
  const temp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    const handle = await fs.open(temp, "wx", 0o600);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    const published = mode === "create" ? await linkOrRename(temp, path) : await fs.rename(temp, path).then(() => true);
    await syncDir(dir);
    return published;
  } catch (error) {
    if (error instanceof MasterKeyError) throw error;
    throw new MasterKeyError(`cannot write master key file ${path} (${errorCode(error)})`);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function linkOrRename(temp: string, path: string): Promise<boolean> {
  try {
    await fs.link(temp, path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw error;
  }
  await fs.rename(temp, path);
  return true;
}

// Without it the rename/link itself may not survive a power loss.
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw error;
  } finally {
    await handle.close();
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}
