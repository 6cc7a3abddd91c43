// Key derivation: pinned vectors, independence across users/salts/versions, distinct sub-keys.
import { describe, expect, test } from "bun:test";
import { contextBytes, INSTANCE_KEY, USER_SUBKEY } from "../../src/crypto/context.ts";
import { deriveInstanceKey, deriveSubkey, deriveUserKey, newUserSalt } from "../../src/crypto/user-key.ts";

const seq = (start: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));
const master = seq(0x60, 32);
const salt = seq(0x80, 32);
const hex = (b: Buffer) => b.toString("hex");

describe("deriveUserKey", () => {
  test("matches the FORMAT.md vector", () => {
    const userKey = deriveUserKey(master, salt, "user-1");
    expect(hex(userKey)).toBe("aa83994ceab27fdc9326b247d6b9ad6e9e9aa8feb69bfbc9b72a79b28113c24f");
    expect(hex(deriveSubkey(userKey, USER_SUBKEY.metadata))).toBe("4056f323fc04efa05bbb46d801c9b27a76c5572847543431bfe154c33ce0a1a2");
    expect(hex(deriveSubkey(userKey, USER_SUBKEY.blindIndex))).toBe("7da1c641b87901c5a9540dbfd545cd594199d9b2a49acd5d55f75a3256ab9aae");
    expect(hex(deriveInstanceKey(master, INSTANCE_KEY.jwt))).toBe("945f5ed1aaec2d43b5c7b8f368bbb5cfdd74c63312462acad73aa21d256db4b6");
    expect(hex(deriveInstanceKey(master, INSTANCE_KEY.publicBlindIndex))).toBe(
      "4ea02b56a0331a97a0d8ebf19738aa68dafb89563380784195c48eb8931ee7eb",
    );
  });

  test("changes with the user id, the salt and the master key version", () => {
    const base = hex(deriveUserKey(master, salt, "user-1"));
    const variants = [
      deriveUserKey(master, salt, "user-2"),
      deriveUserKey(master, seq(0x81, 32), "user-1"),
      deriveUserKey(seq(0x61, 32), salt, "user-1"),
    ].map(hex);
    expect(new Set([base, ...variants]).size).toBe(4);
  });

  test("user, sub and instance keys are all distinct", () => {
    const userKey = deriveUserKey(master, salt, "user-1");
    const keys = [
      userKey,
      master,
      ...Object.values(USER_SUBKEY).map((label) => deriveSubkey(userKey, label)),
      ...Object.values(INSTANCE_KEY).map((label) => deriveInstanceKey(master, label)),
    ].map(hex);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("rejects a salt or key of the wrong size", () => {
    expect(() => deriveUserKey(master, seq(0, 16), "user-1")).toThrow("user salt must be 32 bytes");
    expect(() => deriveUserKey(seq(0, 16), salt, "user-1")).toThrow("key must be 32 bytes");
  });

  test("salts are fresh random 32 bytes", () => {
    const a = newUserSalt();
    expect(a.length).toBe(32);
    expect(a.equals(newUserSalt())).toBe(false);
  });
});

describe("contextBytes", () => {
  test("joins with NUL and refuses parts containing NUL (ambiguous contexts)", () => {
    expect(contextBytes("l", "a", "b").toString("latin1")).toBe("l\0a\0b");
    expect(() => contextBytes("l", "a\0b", "c")).toThrow(TypeError);
  });
});
