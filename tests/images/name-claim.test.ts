// The naming, quota and replace rules of an upload's write scope, run against an in-memory
// ImageRepository: no database, no blobs, milliseconds. Scenario tables state what is
// expected and what must not happen (a refused write leaves the rows as they were).
import { describe, expect, test } from "bun:test";
import { newKeyring } from "../../src/crypto/master-key.ts";
import { newImageKeys } from "../../src/domain/images/keys.ts";
import { claimNameAndInsert } from "../../src/domain/images/name-claim.ts";
import type { ImageRepository, ImageWriteScope, StoredImage } from "../../src/domain/images/ports.ts";
import { uploadOptionsSchema } from "../../src/domain/images/input.ts";

/** Rows in a Map; a write works on a copy that replaces them only when the work returns ok. */
function memoryImages(options: { raceOnce?: boolean } = {}) {
  let rows = new Map<string, StoredImage>();
  let raceLeft = options.raceOnce ?? false;
  const repository: Pick<ImageRepository, "write"> = {
    async write(work) {
      const draft = new Map(rows);
      const holderOf = (namespace: string, index: Buffer) =>
        [...draft.values()].find((r) => r.nameNamespace === namespace && r.nameIndex.equals(index));
      const tx: ImageWriteScope = {
        takenNames: async (namespace, indexes) => indexes.filter((i) => holderOf(namespace, i)),
        nameHolder: async (namespace, index) => holderOf(namespace, index),
        usedBytes: async (ownerId) => [...draft.values()].filter((r) => r.ownerId === ownerId).reduce((n, r) => n + r.size, 0),
        async insert(image) {
          // A writer the lookups did not see takes the name first, once.
          if (raceLeft || holderOf(image.nameNamespace, image.nameIndex)) {
            raceLeft = false;
            return "name_taken";
          }
          draft.set(image.id, image);
          return "inserted";
        },
        async remove(ownerId, ids) {
          const gone = [...draft.values()].filter((r) => r.ownerId === ownerId && (ids === "all" || ids.includes(r.id))).map((r) => r.id);
          for (const id of gone) draft.delete(id);
          return gone;
        },
        update: async () => "missing",
        // The search terms are beside the point of these rules (tests/images/search.test.ts has them).
        replaceTerms: async () => {},
      };
      const result = await work(tx);
      if (result.ok) rows = draft;
      return result;
    },
  };
  return { repository, ids: () => [...rows.keys()].sort() };
}

const keyring = newKeyring();
const owner = { id: "owner-1", username: "ann", keySalt: Buffer.alloc(32, 1) };
const other = { id: "owner-2", username: "bob", keySalt: Buffer.alloc(32, 2) };
let next = 0;

async function claim(
  store: ReturnType<typeof memoryImages>,
  who: typeof owner,
  filename: string,
  options: Record<string, unknown> = {},
  size = 100,
  quotaBytes: number | null = null,
) {
  const id = `img-${++next}`;
  const deletedBlobs: string[] = [];
  const ports = {
    images: store.repository,
    blobs: { delete: async (i: string) => void deletedBlobs.push(i) },
    keyring,
    clock: { now: () => new Date(0) },
  };
  const image = {
    id,
    keys: newImageKeys(keyring, who, id),
    contentType: "image/png",
    size,
    width: 1,
    height: 1,
    photo: null,
    digest: Buffer.alloc(8),
    commitment: Buffer.alloc(32),
    quotaBytes,
  };
  const result = await claimNameAndInsert(ports, who, uploadOptionsSchema.parse(options), filename, image);
  return { id, result, deletedBlobs };
}

describe("claiming a name inside the write scope", () => {
  test("fail (the default): a taken name is name_conflict and nothing is written", async () => {
    const store = memoryImages();
    const first = await claim(store, owner, "cat.png");
    const second = await claim(store, owner, "CAT.png");
    expect(first.result.ok).toBe(true);
    expect(second.result).toMatchObject({ ok: false, error: { code: "name_conflict" } });
    expect(store.ids()).toEqual([first.id]);
  });

  test("rename: the first free `name (n)`, in the same transaction as the insert", async () => {
    const store = memoryImages();
    await claim(store, owner, "cat.png");
    await claim(store, owner, "cat.png", { onConflict: "rename" });
    const third = await claim(store, owner, "cat.png", { onConflict: "rename" });
    expect(third.result).toMatchObject({ ok: true, value: { filename: "cat (2).png" } });
  });

  test("replace: one's own image under the name goes with the insert, and its blob after the commit", async () => {
    const store = memoryImages();
    const old = await claim(store, owner, "cat.png");
    const fresh = await claim(store, owner, "cat.png", { onConflict: "replace" });
    expect(store.ids()).toEqual([fresh.id]);
    expect(fresh.deletedBlobs).toEqual([old.id]);
  });

  test("replace never takes another owner's public name; nothing is removed", async () => {
    const store = memoryImages();
    const theirs = await claim(store, other, "sky.png", { visibility: "public" });
    const mine = await claim(store, owner, "sky.png", { visibility: "public", onConflict: "replace" });
    expect(mine.result).toMatchObject({ ok: false, error: { code: "name_conflict" } });
    expect(store.ids()).toEqual([theirs.id]);
    expect(mine.deletedBlobs).toEqual([]);
  });

  test("quota: exactly full is accepted, a byte over is refused; a replace frees the old bytes first", async () => {
    const store = memoryImages();
    expect((await claim(store, owner, "a.png", {}, 600, 1000)).result.ok).toBe(true);
    expect((await claim(store, owner, "b.png", {}, 400, 1000)).result.ok).toBe(true);
    const over = await claim(store, owner, "c.png", {}, 1, 1000);
    expect(over.result).toMatchObject({ ok: false, error: { code: "quota_exceeded", extra: { quotaBytes: 1000, usedBytes: 1000 } } });
    const replaced = await claim(store, owner, "a.png", { onConflict: "replace" }, 600, 1000);
    expect(replaced.result.ok).toBe(true);
  });

  test("a refused replace (over quota) keeps the image it would have replaced", async () => {
    const store = memoryImages();
    const kept = await claim(store, owner, "a.png", {}, 600, 1000);
    const refused = await claim(store, owner, "a.png", { onConflict: "replace" }, 1001, 1000);
    expect(refused.result).toMatchObject({ ok: false, error: { code: "quota_exceeded" } });
    expect(store.ids()).toEqual([kept.id]);
    expect(refused.deletedBlobs).toEqual([]);
  });

  test("a lost race: rename tries again and wins; fail answers name_conflict", async () => {
    const renamed = await claim(memoryImages({ raceOnce: true }), owner, "cat.png", { onConflict: "rename" });
    expect(renamed.result.ok).toBe(true);
    const failed = await claim(memoryImages({ raceOnce: true }), owner, "cat.png");
    expect(failed.result).toMatchObject({ ok: false, error: { code: "name_conflict" } });
  });
});
