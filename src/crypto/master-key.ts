// The master keyring: versioned master keys, their file encoding, and the key check.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { inspect } from "node:util";
import { LABEL } from "./context.ts";
import { MasterKeyError } from "./errors.ts";
import { KEY_BYTES } from "./gcm.ts";

const MASTER_KEY_FORMAT = "pixvault-master-key";

export interface MasterKeyVersion {
  readonly id: number;
  readonly key: Buffer;
  readonly createdAt: string;
}

/**
 * Versions exist for rotation: it appends a key and moves `current`; older versions stay
 * so data keys wrapped under them can still be unwrapped and re-wrapped.
 */
export interface Keyring {
  readonly current: MasterKeyVersion;
  readonly versions: readonly MasterKeyVersion[];
  /**
   * The version that keys the blind indexes (names, tags). The database records it, not the
   * file: it moves to the new version only in the transaction that recomputes every index,
   * so a rotation that stops half-way never leaves indexes keyed two ways.
   */
  readonly indexVersion: MasterKeyVersion;
  get(id: number): MasterKeyVersion | undefined;
}

class KeyringImpl implements Keyring {
  readonly current: MasterKeyVersion;
  readonly indexVersion: MasterKeyVersion;

  constructor(
    readonly versions: readonly MasterKeyVersion[],
    currentId: number,
    indexId: number,
  ) {
    const current = versions.find((v) => v.id === currentId);
    if (!current) throw new MasterKeyError(`current master key id ${currentId} is not in the keyring`);
    const index = versions.find((v) => v.id === indexId);
    if (!index) throw new MasterKeyError(`master key id ${indexId}, which keys this database's indexes, is not in the key file`);
    this.current = current;
    this.indexVersion = index;
  }

  get(id: number): MasterKeyVersion | undefined {
    return this.versions.find((v) => v.id === id);
  }

  // A stray console.log or JSON response must not print key bytes.
  toJSON(): string {
    return "[Keyring]";
  }

  [inspect.custom](): string {
    return `[Keyring current=${this.current.id} versions=${this.versions.length}]`;
  }
}

export function createKeyring(versions: readonly MasterKeyVersion[], currentId: number, indexId: number = currentId): Keyring {
  return new KeyringImpl(versions, currentId, indexId);
}

/** The same keys, with the blind indexes keyed by version `indexId` (as the database records). */
export function withIndexVersion(keyring: Keyring, indexId: number): Keyring {
  return createKeyring(keyring.versions, keyring.current.id, indexId);
}

/** Only the current version: what the file holds once older versions are retired. */
export function retireOldVersions(keyring: Keyring): Keyring {
  return createKeyring([keyring.current], keyring.current.id, keyring.current.id);
}

export function newKeyring(now: Date = new Date()): Keyring {
  return createKeyring([{ id: 1, key: randomBytes(KEY_BYTES), createdAt: now.toISOString() }], 1);
}

/** Rotation: a fresh version with the next id becomes current; old versions stay readable. */
export function addKeyVersion(keyring: Keyring, now: Date = new Date()): Keyring {
  const id = Math.max(...keyring.versions.map((v) => v.id)) + 1;
  const added = { id, key: randomBytes(KEY_BYTES), createdAt: now.toISOString() };
  return createKeyring([...keyring.versions, added], id);
}

export function serializeKeyring(keyring: Keyring): string {
  const keys = keyring.versions.map((v) => ({ id: v.id, key: v.key.toString("base64"), createdAt: v.createdAt }));
  return `${JSON.stringify({ format: MASTER_KEY_FORMAT, current: keyring.current.id, keys }, null, 2)}\n`;
}

const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Parses the key file. Messages name the file and the field at fault but never echo
 * content: JSON.parse errors can quote the input, so they are not passed on.
 */
export function parseKeyring(text: string, source: string): Keyring {
  const fail = (why: string) => new MasterKeyError(`master key file ${source} ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw fail("is not valid JSON");
  }
  if (!isRecord(doc) || doc.format !== MASTER_KEY_FORMAT) throw fail(`is not a ${MASTER_KEY_FORMAT} file`);
  if (!Array.isArray(doc.keys) || doc.keys.length === 0) throw fail("has no keys");
  const versions: MasterKeyVersion[] = [];
  for (const [index, entry] of doc.keys.entries()) {
    if (!isRecord(entry) || !isKeyId(entry.id)) throw fail(`has a key entry ${index} without a positive integer id`);
    if (versions.some((v) => v.id === entry.id)) throw fail(`has key id ${entry.id} twice`);
    if (typeof entry.key !== "string" || !BASE64_32_BYTES.test(entry.key)) {
      throw fail(`has key id ${entry.id} that is not 32 bytes of base64`);
    }
    const createdAt = typeof entry.createdAt === "string" ? entry.createdAt : "";
    versions.push({ id: entry.id, key: Buffer.from(entry.key, "base64"), createdAt });
  }
  if (!isKeyId(doc.current) || !versions.some((v) => v.id === doc.current)) {
    throw fail("names a current key id that is not in its keys");
  }
  return createKeyring(versions, doc.current);
}

/**
 * HMAC-SHA256(master key, label). The database stores it so a start with the wrong key
 * file fails loudly instead of writing data nobody can read back.
 */
export function keyCheck(keyring: Keyring, id: number = keyring.current.id): Buffer {
  const version = keyring.get(id);
  if (!version) throw new MasterKeyError(`master key id ${id} is not in the keyring`);
  return createHmac("sha256", version.key).update(LABEL.keyCheck).digest();
}

export function verifyKeyCheck(keyring: Keyring, id: number, stored: Uint8Array): boolean {
  const version = keyring.get(id);
  if (!version || stored.length !== 32) return false;
  return timingSafeEqual(keyCheck(keyring, id), stored);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Wrapped keys store the id as u32.
function isKeyId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 0xffffffff;
}
