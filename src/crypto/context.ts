// The catalogue of domain-separation labels and the one encoder of HKDF info / AAD strings.

/** Every label is distinct, so a key or tag made for one purpose never verifies for another. */
export const LABEL = {
  keyCheck: "pixvault/key-check/v1",
  userKey: "pixvault/user-key/v1",
  dataKey: "pixvault/data-key/v1",
  blob: "pixvault/blob/v1",
  blobKeyId: "pixvault/key-id/v1",
  imageMetadata: "pixvault/image-metadata/v1",
  imageField: "pixvault/image-field/v1",
  nameIndex: "pixvault/blind-index/name/v1",
  tagIndex: "pixvault/blind-index/tag/v1",
  /** Search terms (docs/FORMAT.md §1, "Search terms"): filename trigrams, words of description and tags, analysis labels and colours. */
  trigramIndex: "pixvault/blind-index/trigram/v1",
  wordIndex: "pixvault/blind-index/word/v1",
  labelIndex: "pixvault/blind-index/label/v1",
  colorIndex: "pixvault/blind-index/color/v1",
  /** AAD of a passphrase-protected master key file. */
  keyFile: "pixvault/master-key-file/v1",
} as const;

/** Sub-keys of a user key (HKDF info), one per use. */
export const USER_SUBKEY = {
  metadata: "pixvault/user-subkey/metadata/v1",
  blindIndex: "pixvault/user-subkey/blind-index/v1",
} as const;
export type UserSubkeyLabel = (typeof USER_SUBKEY)[keyof typeof USER_SUBKEY];

/** Instance-wide keys derived from a master key version (HKDF info), one per use. */
export const INSTANCE_KEY = {
  publicBlindIndex: "pixvault/instance-key/public-blind-index/v1",
  jwt: "pixvault/instance-key/jwt/v1",
  /** Share-link tokens and the proofs that a link's password was given; never session JWTs. */
  shareLink: "pixvault/instance-key/share-link/v1",
  /** Rate-limit row keys and subjects: what was typed is never stored in clear. */
  throttle: "pixvault/instance-key/throttle/v1",
} as const;
export type InstanceKeyLabel = (typeof INSTANCE_KEY)[keyof typeof INSTANCE_KEY];

const NUL = "\0";

/**
 * label || (0x00 || part)* in UTF-8. A part containing NUL is refused: it would make
 * ("a\0b", "c") and ("a", "b\0c") encode alike and let one row's context stand for another.
 */
export function contextBytes(label: string, ...parts: string[]): Buffer {
  for (const part of parts) {
    if (part.includes(NUL)) throw new TypeError("context part must not contain NUL");
  }
  return Buffer.from([label, ...parts].join(NUL), "utf8");
}
