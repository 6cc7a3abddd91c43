// HS256 keys for one kind of JWT: one per master key version, derived once. Tokens name their
// version in `kid`, so after a rotation older tokens still verify until that version is retired.
import { errors, type JWTHeaderParameters } from "jose";
import type { InstanceKeyLabel } from "./context.ts";
import type { Keyring } from "./master-key.ts";
import { deriveInstanceKey } from "./user-key.ts";

export interface JwtKeys {
  /** The `kid` to sign with: the current master key version. */
  readonly currentKid: string;
  currentKey(): Uint8Array;
  /** jose's key resolver: the key the header's `kid` names, or a signature failure. */
  resolve(header: JWTHeaderParameters): Promise<CryptoKey>;
}

const HMAC = { name: "HMAC", hash: "SHA-256" } as const;

export function jwtKeys(keyring: Keyring, label: InstanceKeyLabel): JwtKeys {
  const keys = new Map<number, Uint8Array>();
  // Given raw bytes, jose imports a CryptoKey on every verify; every request verifies one.
  const verifyKeys = new Map<number, Promise<CryptoKey>>();
  const keyFor = (id: number) => {
    let key = keys.get(id);
    const version = keyring.get(id);
    if (!key && version) keys.set(id, (key = deriveInstanceKey(version.key, label)));
    return key;
  };
  return {
    currentKid: String(keyring.current.id),
    currentKey: () => keyFor(keyring.current.id)!,
    async resolve(header) {
      const id = Number(header.kid);
      let verifyKey = verifyKeys.get(id);
      if (!verifyKey) {
        const key = keyFor(id);
        if (!key) throw new errors.JWSSignatureVerificationFailed("unknown key id");
        verifyKeys.set(id, (verifyKey = crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, HMAC, false, ["verify"])));
      }
      return verifyKey;
    },
  };
}
