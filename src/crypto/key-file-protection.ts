// A master key file sealed under a passphrase: Argon2id (64 MiB, 3 passes) turns the
// passphrase into a 256-bit key that seals the whole plain key file with AES-256-GCM. For
// operators who will not keep the master key in clear on disk; the server then needs the
// passphrase at every start (PIXVAULT_MASTER_KEY_PASSPHRASE, or typed at a prompt).
import { randomBytes } from "node:crypto";
import { LABEL } from "./context.ts";
import { IntegrityError, MasterKeyError } from "./errors.ts";
import { gcmDecrypt, gcmEncrypt, NONCE_BYTES, TAG_BYTES } from "./gcm.ts";

const PROTECTED_FORMAT = "pixvault-master-key-protected";
const ARGON2ID = 2;
const KDF = { name: "argon2id", memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 } as const;

interface ProtectedFile {
  format: typeof PROTECTED_FORMAT;
  kdf: typeof KDF & { salt: string };
  nonce: string;
  ciphertext: string;
}

export function isProtectedKeyFile(text: string): boolean {
  try {
    return (JSON.parse(text) as { format?: unknown }).format === PROTECTED_FORMAT;
  } catch {
    return false;
  }
}

async function wrappingKey(passphrase: string, salt: Buffer, kdf: typeof KDF): Promise<Buffer> {
  // Loaded here, not at start: most servers keep their key file in clear and never need it.
  const { hashRaw } = await import("@node-rs/argon2");
  return hashRaw(passphrase, {
    algorithm: ARGON2ID,
    memoryCost: kdf.memoryKiB,
    timeCost: kdf.iterations,
    parallelism: kdf.parallelism,
    outputLen: 32,
    salt,
  });
}

export async function protectKeyFile(plain: string, passphrase: string): Promise<string> {
  if (passphrase.length < 12) throw new MasterKeyError("the master key passphrase must be at least 12 characters");
  const salt = randomBytes(16);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await wrappingKey(passphrase, salt, KDF);
  const { ciphertext, tag } = gcmEncrypt(key, nonce, Buffer.from(LABEL.keyFile), Buffer.from(plain, "utf8"));
  const file: ProtectedFile = {
    format: PROTECTED_FORMAT,
    kdf: { ...KDF, salt: salt.toString("base64") },
    nonce: nonce.toString("base64"),
    ciphertext: Buffer.concat([ciphertext, tag]).toString("base64"),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The plain key file inside; a wrong passphrase or a tampered file is a MasterKeyError. */
export async function unprotectKeyFile(text: string, passphrase: string | undefined, source: string): Promise<string> {
  if (passphrase === undefined || passphrase === "") {
    throw new MasterKeyError(
      `master key file ${source} is protected by a passphrase; set PIXVAULT_MASTER_KEY_PASSPHRASE (or run on a terminal to be asked)`,
    );
  }
  const file = JSON.parse(text) as ProtectedFile;
  const sealed = Buffer.from(file.ciphertext ?? "", "base64");
  const { memoryKiB, iterations, parallelism } = file.kdf ?? ({} as ProtectedFile["kdf"]);
  if (file.kdf?.name !== "argon2id" || sealed.length <= TAG_BYTES || ![memoryKiB, iterations, parallelism].every(Number.isInteger)) {
    throw new MasterKeyError(`master key file ${source} is not a valid protected key file`);
  }
  const key = await wrappingKey(passphrase, Buffer.from(file.kdf.salt, "base64"), {
    name: "argon2id",
    memoryKiB,
    iterations,
    parallelism,
  } as typeof KDF);
  try {
    const plain = gcmDecrypt(
      key,
      Buffer.from(file.nonce, "base64"),
      Buffer.from(LABEL.keyFile),
      sealed.subarray(0, -TAG_BYTES),
      sealed.subarray(-TAG_BYTES),
      "master key file",
    );
    return plain.toString("utf8");
  } catch (e) {
    if (e instanceof IntegrityError) throw new MasterKeyError(`wrong passphrase for master key file ${source} (or the file was altered)`);
    throw e;
  }
}
