// Wrapped data keys and sealed metadata: round trips, pinned vector, and every binding enforced.
import { describe, expect, test } from "bun:test";
import { contextBytes } from "../../src/crypto/context.ts";
import { newDataKey, unwrapDataKey, WRAPPED_KEY_BYTES, wrapDataKey, wrappedKeyVersion } from "../../src/crypto/data-key.ts";
import { IntegrityError, type IntegrityReason } from "../../src/crypto/errors.ts";
import { openBytes, sealBytes } from "../../src/crypto/sealed-box.ts";

const seq = (start: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));
const userKey = Buffer.from("aa83994ceab27fdc9326b247d6b9ad6e9e9aa8feb69bfbc9b72a79b28113c24f", "hex");
const ctx = { userId: "user-1", imageId: "img-vector-1" };

function expectIntegrityError(run: () => unknown, reason: IntegrityReason): void {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).code).toBe("integrity_error");
    expect((error as IntegrityError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected IntegrityError, got a result of ${String(result).length} chars`);
}

describe("wrapDataKey", () => {
  test("unwraps the FORMAT.md vector", () => {
    const wrapped = Buffer.from(
      "0100000001a0a1a2a3a4a5a6a7a8a9aaab0d2cbd6a86b5e446f26e0ea4eaa5a3e14bcdcb6a924b7e8fdd05532183a9cf259795b0464b87fd68078e227e3854abce",
      "hex",
    );
    expect(wrappedKeyVersion(wrapped)).toBe(1);
    expect(unwrapDataKey(userKey, wrapped, ctx).equals(seq(0, 32))).toBe(true);
  });

  test("round trips with a 65-byte layout carrying the master key id", () => {
    const dataKey = newDataKey();
    for (const id of [1, 7, 0xffffffff]) {
      const wrapped = wrapDataKey(userKey, id, dataKey, ctx);
      expect(wrapped.length).toBe(WRAPPED_KEY_BYTES);
      expect(wrapped.length).toBe(65);
      expect(wrapped[0]).toBe(1);
      expect(wrappedKeyVersion(wrapped)).toBe(id);
      expect(unwrapDataKey(userKey, wrapped, ctx).equals(dataKey)).toBe(true);
    }
  });

  const wrapped = wrapDataKey(userKey, 1, seq(0, 32), ctx);
  const flipped = (at: number) => {
    const copy = Buffer.from(wrapped);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  };
  test.each([
    ["another user id", userKey, wrapped, { ...ctx, userId: "user-2" }, "authentication_failed"],
    ["another image id (row swap)", userKey, wrapped, { ...ctx, imageId: "img-2" }, "authentication_failed"],
    ["another user key", seq(1, 32), wrapped, ctx, "authentication_failed"],
    ["a changed master key id", userKey, flipped(4), ctx, "authentication_failed"],
    ["a flipped nonce bit", userKey, flipped(5), ctx, "authentication_failed"],
    ["a flipped ciphertext bit", userKey, flipped(20), ctx, "authentication_failed"],
    ["a flipped tag bit", userKey, flipped(64), ctx, "authentication_failed"],
    ["an unknown version", userKey, flipped(0), ctx, "unsupported_version"],
    ["a truncated value", userKey, wrapped.subarray(0, 64), ctx, "malformed"],
  ] as const)("refuses %s", (_name, key, value, context, reason) => {
    expectIntegrityError(() => unwrapDataKey(key, value, context), reason);
  });

  test("ids with NUL cannot forge another row's context", () => {
    expect(() => wrapDataKey(userKey, 1, seq(0, 32), { userId: "user-1\0img", imageId: "x" })).toThrow(TypeError);
  });
});

describe("sealBytes", () => {
  const key = seq(0x10, 32);
  const aad = contextBytes("pixvault/test/v1", "user-1", "img-1", "filename");

  test("round trips, including empty values, with a fresh nonce each time", () => {
    for (const text of ["", "holiday.jpg", "é".repeat(300)]) {
      const sealed = sealBytes(key, Buffer.from(text), aad);
      expect(sealed.length).toBe(1 + 12 + Buffer.byteLength(text) + 16);
      expect(openBytes(key, sealed, aad).toString()).toBe(text);
      expect(sealBytes(key, Buffer.from(text), aad).equals(sealed)).toBe(false);
    }
  });

  test("refuses another context, another key, tampering and junk", () => {
    const sealed = sealBytes(key, Buffer.from("holiday.jpg"), aad);
    const otherAad = contextBytes("pixvault/test/v1", "user-1", "img-2", "filename");
    expectIntegrityError(() => openBytes(key, sealed, otherAad), "authentication_failed");
    expectIntegrityError(() => openBytes(seq(0x11, 32), sealed, aad), "authentication_failed");
    const tampered = Buffer.from(sealed);
    tampered[14] = (tampered[14] ?? 0) ^ 0x80;
    expectIntegrityError(() => openBytes(key, tampered, aad), "authentication_failed");
    expectIntegrityError(() => openBytes(key, sealed.subarray(0, 20), aad), "malformed");
    expectIntegrityError(() => openBytes(key, Buffer.alloc(0), aad), "malformed");
    expectIntegrityError(() => openBytes(key, Buffer.concat([Buffer.of(2), sealed.subarray(1)]), aad), "unsupported_version");
  });
});
