// Master key file: created private, reloaded intact, refused when open to others or malformed.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { MasterKeyError } from "../../src/crypto/errors.ts";
import { createKeyring, keyCheck, verifyKeyCheck } from "../../src/crypto/master-key.ts";
import { loadOrCreateMasterKey, rotateMasterKeyFile } from "../../src/crypto/master-key-file.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pixvault-mk-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(path: string): Promise<MasterKeyError> {
  const error = await loadOrCreateMasterKey(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MasterKeyError);
  return error as MasterKeyError;
}

describe("loadOrCreateMasterKey", () => {
  test("creates the parent dir and a 0600 file, then reloads the same key", async () => {
    const path = join(dir, "nested", "data", "master.key");
    const first = await loadOrCreateMasterKey(path);
    expect(first.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(first.keyring.current.key.length).toBe(32);
    expect(await readdir(join(dir, "nested", "data"))).toEqual(["master.key"]); // no temp left

    const second = await loadOrCreateMasterKey(path);
    expect(second.created).toBe(false);
    expect(second.keyring.current.id).toBe(1);
    expect(second.keyring.current.key.equals(first.keyring.current.key)).toBe(true);
    expect(second.keyring.get(1)?.key.equals(first.keyring.current.key)).toBe(true);
    expect(second.keyring.get(2)).toBeUndefined();
  });

  test("rotation adds a current version, keeps the old one, and stays private", async () => {
    const path = join(dir, "master.key");
    const { keyring: before } = await loadOrCreateMasterKey(path);
    const rotated = await rotateMasterKeyFile(path);
    expect(rotated.current.id).toBe(2);
    expect(rotated.current.key.equals(before.current.key)).toBe(false);
    expect(rotated.get(1)?.key.equals(before.current.key)).toBe(true);

    const { keyring: reloaded, created } = await loadOrCreateMasterKey(path);
    expect(created).toBe(false);
    expect(reloaded.current.id).toBe(2);
    expect(reloaded.current.key.equals(rotated.current.key)).toBe(true);
    expect(reloaded.get(1)?.key.equals(before.current.key)).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["master.key"]);
    await expect(rotateMasterKeyFile(join(dir, "missing.key"))).rejects.toBeInstanceOf(MasterKeyError);
  });

  test("two instances starting at once end up with one key", async () => {
    const path = join(dir, "master.key");
    const results = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateMasterKey(path)));
    expect(results.filter((r) => r.created).length).toBe(1);
    const key = results[0]?.keyring.current.key;
    for (const r of results) expect(r.keyring.current.key.equals(key as Buffer)).toBe(true);
    expect(await readdir(dir)).toEqual(["master.key"]);
  });

  test.each([
    ["0644", "readable"],
    ["0640", "readable"],
    ["0604", "readable"],
    ["0620", "accessible"],
    ["0602", "accessible"],
  ])("refuses a key file with mode %s and says how to fix it", async (shown, access) => {
    const path = join(dir, "master.key");
    const { keyring } = await loadOrCreateMasterKey(path);
    await chmod(path, Number.parseInt(shown, 8));
    const error = await failure(path);
    expect(error.message).toBe(`master key file ${path} is ${access} by group/others (mode ${shown}); run chmod 600 ${path}`);
    expect(error.message).not.toContain(keyring.current.key.toString("base64"));
    expect(error.code).toBe("master_key_error");
  });

  const key31 = Buffer.alloc(31, 7).toString("base64");
  const key32 = Buffer.alloc(32, 9).toString("base64");
  const entry = (fields: object) => JSON.stringify({ format: "pixvault-master-key", current: 1, ...fields });
  test.each([
    ["not JSON", `{"key":"${key32}" garbage`, "is not valid JSON"],
    ["another format", JSON.stringify({ format: "other", keys: [{ id: 1, key: key32 }] }), "is not a pixvault-master-key file"],
    ["no keys", entry({ keys: [] }), "has no keys"],
    ["short key", entry({ keys: [{ id: 1, key: key31, createdAt: "x" }] }), "has key id 1 that is not 32 bytes of base64"],
    ["bad id", entry({ keys: [{ id: "1", key: key32 }] }), "has a key entry 0 without a positive integer id"],
    [
      "duplicate id",
      entry({
        keys: [
          { id: 1, key: key32 },
          { id: 1, key: key32 },
        ],
      }),
      "has key id 1 twice",
    ],
    ["missing current", entry({ current: 2, keys: [{ id: 1, key: key32 }] }), "names a current key id that is not in its keys"],
  ])("refuses a file that is %s, without echoing key material", async (_name, content, why) => {
    const path = join(dir, "master.key");
    await writeFile(path, content, { mode: 0o600 });
    const error = await failure(path);
    expect(error.message).toBe(`master key file ${path} ${why}`);
    expect(error.message).not.toContain(key32);
    expect(error.message).not.toContain(key31);
  });
});

describe("keyring", () => {
  test("never prints its keys through inspect or JSON", async () => {
    const { keyring } = await loadOrCreateMasterKey(join(dir, "master.key"));
    const key = keyring.current.key;
    for (const shown of [inspect(keyring), Bun.inspect(keyring), JSON.stringify({ keyring })]) {
      expect(shown).not.toContain(key.toString("base64"));
      expect(shown).not.toContain(key.toString("hex"));
      expect(shown).not.toContain(`${String(key[0])},${String(key[1])}`);
    }
  });

  test("key check pins the vector and detects a different master key", () => {
    const master = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x60 + i));
    const keyring = createKeyring([{ id: 1, key: master, createdAt: "2024-01-01T00:00:00.000Z" }], 1);
    const stored = keyCheck(keyring);
    expect(stored.toString("hex")).toBe("5ca187f94bc03ddd6eb3f7c7d80db91cee5ee1bb4758ccbeb8bdd87f5973a3e3");
    expect(verifyKeyCheck(keyring, 1, stored)).toBe(true);

    const other = createKeyring([{ id: 1, key: Buffer.alloc(32, 1), createdAt: "" }], 1);
    expect(verifyKeyCheck(other, 1, stored)).toBe(false);
    expect(verifyKeyCheck(keyring, 2, stored)).toBe(false);
    expect(verifyKeyCheck(keyring, 1, stored.subarray(0, 16))).toBe(false);
  });

  test("rotation-ready: several versions, current chosen by id", () => {
    const v1 = { id: 1, key: Buffer.alloc(32, 1), createdAt: "" };
    const v2 = { id: 2, key: Buffer.alloc(32, 2), createdAt: "" };
    const keyring = createKeyring([v1, v2], 2);
    expect(keyring.current.key.equals(v2.key)).toBe(true);
    expect(keyring.get(1)?.key.equals(v1.key)).toBe(true);
    expect(keyCheck(keyring, 1).equals(keyCheck(keyring, 2))).toBe(false);
    expect(() => createKeyring([v1], 3)).toThrow(MasterKeyError);
  });
});
