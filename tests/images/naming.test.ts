// Unique names per namespace (each user's private images; all public images together):
// 409 name_conflict, onConflict=rename and replace, and races decided by the database.
import { beforeAll, describe, expect, test } from "bun:test";
import { call, expectProblem, signedInUser } from "../support/accounts.ts";
import type { BulkDeleteBody, ImageBody, MeBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { useInProcessServer } from "../support/in-process.ts";

const png = (seed: number) => noisePng({ width: 8, height: 8, seed });

describe("names within a namespace", () => {
  const suite = useInProcessServer();
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    [alice, bob] = [(await signedInUser(suite.url)).token, (await signedInUser(suite.url)).token];
  });

  test("the same name twice in one's private images is 409 name_conflict, also when only the case differs", async () => {
    await uploadOne(suite.url, alice, { name: "cat.png", bytes: png(1) });
    const again = await expectProblem(await uploadRaw(suite.url, alice, png(2), { filename: "cat.png" }), 409, "name_conflict");
    expect(again.detail).toContain("cat.png");
    await expectProblem(await uploadRaw(suite.url, alice, png(3), { filename: "CAT.PNG" }), 409, "name_conflict");
  });

  test("another user's private images are another namespace", async () => {
    expect((await uploadOne(suite.url, bob, { name: "cat.png", bytes: png(4) })).filename).toBe("cat.png");
  });

  test("onConflict=rename picks the first free `name (n).ext`", async () => {
    const first = await uploadOne(suite.url, alice, { name: "cat.png", bytes: png(5) }, { onConflict: "rename" });
    const second = await uploadOne(suite.url, alice, { name: "cat.png", bytes: png(6) }, { onConflict: "rename" });
    expect([first.filename, second.filename]).toEqual(["cat (1).png", "cat (2).png"]);
    const res = await uploadFiles(
      suite.url,
      alice,
      [
        { name: "cat.png", bytes: png(7) },
        { name: "cat.png", bytes: png(8) },
      ],
      { onConflict: "rename" },
    );
    expect((await jsonOf<UploadBody>(res)).created.map((i: { filename: string }) => i.filename)).toEqual(["cat (3).png", "cat (4).png"]);
  });

  test("onConflict=replace swaps the image under the name: new bytes, old id gone", async () => {
    const old = await uploadOne(suite.url, alice, { name: "dog.png", bytes: png(9) });
    const fresh = png(10);
    const replaced = await uploadOne(suite.url, alice, { name: "dog.png", bytes: fresh }, { onConflict: "replace" });
    expect(replaced.id).not.toBe(old.id);
    expect(replaced.sha256).toBe(sha256Hex(fresh));
    await expectProblem(await call(suite.url, "GET", `/api/v1/images/${old.id}`, { token: alice }), 404, "not_found");
    expect((await bytesOf(await contentOf(suite.url, alice, replaced.id))).equals(fresh)).toBe(true);
    expect((await listAll(suite.url, alice, { q: "dog" })).map((i) => i.id)).toEqual([replaced.id]);
  });

  test("public names are one namespace across users: bob cannot publish alice's public name, nor replace it", async () => {
    await uploadOne(suite.url, alice, { name: "sunset.jpg.png", bytes: png(11) }, { visibility: "public" });
    await expectProblem(
      await uploadRaw(suite.url, bob, png(12), { filename: "sunset.jpg.png", visibility: "public" }),
      409,
      "name_conflict",
    );
    await expectProblem(
      await uploadRaw(suite.url, bob, png(13), { filename: "sunset.jpg.png", visibility: "public", onConflict: "replace" }),
      409,
      "name_conflict",
    );
    const renamed = await jsonOf<UploadBody>(
      await uploadRaw(suite.url, bob, png(14), { filename: "sunset.jpg.png", visibility: "public", onConflict: "rename" }),
    );
    expect(renamed.created[0]!.filename).toBe("sunset.jpg (1).png");
    // The same name stays free in bob's private namespace.
    expect((await uploadOne(suite.url, bob, { name: "sunset.jpg.png", bytes: png(15) })).visibility).toBe("private");
  });

  test("concurrent uploads of one name: exactly one wins, the rest get 409", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => uploadRaw(suite.url, alice, png(100 + i), { filename: "race.png" })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    expect(await listAll(suite.url, alice, { q: "race.png" })).toHaveLength(1);
  });

  test("concurrent uploads with onConflict=rename all succeed under distinct names", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => uploadRaw(suite.url, alice, png(200 + i), { filename: "burst.png", onConflict: "rename" })),
    );
    const names = await Promise.all(results.map(async (r) => (await jsonOf<UploadBody>(r)).created?.[0]?.filename));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(names).size).toBe(6);
  });
});

describe("changing names and visibility", () => {
  const suite = useInProcessServer();
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    [alice, bob] = [(await signedInUser(suite.url)).token, (await signedInUser(suite.url)).token];
  });

  const patch = (token: string, id: string, json: unknown) => call(suite.url, "PATCH", `/api/v1/images/${id}`, { token, json });

  test("rename, tags and description change; the bytes and sha256 do not", async () => {
    const bytes = png(20);
    const image = await uploadOne(suite.url, alice, { name: "before.png", bytes });
    const res = await patch(alice, image.id, { filename: "../after.png", tags: ["Trip", "2026"], description: "at the lake" });
    const body = await jsonOf<{ image: ImageBody }>(res);
    expect(res.status).toBe(200);
    expect(body.image).toMatchObject({ filename: "after.png", tags: ["trip", "2026"], description: "at the lake", sha256: image.sha256 });
    expect(Date.parse(body.image.updatedAt)).toBeGreaterThanOrEqual(Date.parse(image.updatedAt));
    expect((await listAll(suite.url, alice, { tag: "TRIP" })).map((i) => i.id)).toEqual([image.id]);
    expect(await listAll(suite.url, alice, { q: "before" })).toHaveLength(0);
    const cleared = await jsonOf<{ image: ImageBody }>(await patch(alice, image.id, { description: null, tags: [] }));
    expect(cleared.image).toMatchObject({ description: null, tags: [] });
    expect(await listAll(suite.url, alice, { tag: "trip" })).toHaveLength(0);
    const download = await contentOf(suite.url, alice, image.id);
    expect(download.headers.get("content-disposition")).toContain('filename="after.png"');
    expect((await bytesOf(download)).equals(bytes)).toBe(true);
  });

  test("renaming onto a taken name is 409 and changes nothing", async () => {
    await uploadOne(suite.url, alice, { name: "taken.png", bytes: png(21) });
    const other = await uploadOne(suite.url, alice, { name: "other.png", bytes: png(22) });
    await expectProblem(await patch(alice, other.id, { filename: "Taken.png" }), 409, "name_conflict");
    expect(
      (await jsonOf<{ image: ImageBody }>(await call(suite.url, "GET", `/api/v1/images/${other.id}`, { token: alice }))).image.filename,
    ).toBe("other.png");
  });

  test("publishing re-checks the public namespace; making private re-checks the owner's", async () => {
    const bobs = await uploadOne(suite.url, bob, { name: "view.png", bytes: png(23) }, { visibility: "public" });
    const alices = await uploadOne(suite.url, alice, { name: "view.png", bytes: png(24) });
    await expectProblem(await patch(alice, alices.id, { visibility: "public" }), 409, "name_conflict");
    const renamedAndPublished = await jsonOf<{ image: ImageBody }>(
      await patch(alice, alices.id, { visibility: "public", filename: "view-alice.png" }),
    );
    expect(renamedAndPublished.image).toMatchObject({ visibility: "public", filename: "view-alice.png" });
    expect((await listAll(suite.url, undefined, { scope: "public" })).map((i) => i.id).sort()).toEqual([alices.id, bobs.id].sort());
    // Back to private: the name must be free among alice's private images.
    await uploadOne(suite.url, alice, { name: "view-alice.png", bytes: png(25) });
    await expectProblem(await patch(alice, alices.id, { visibility: "private" }), 409, "name_conflict");
    // Nobody but the owner moves an image between namespaces.
    await expectProblem(await patch(alice, bobs.id, { visibility: "private" }), 403, "forbidden");
  });

  test("tags follow an image across namespaces, so tag search keeps finding it", async () => {
    const image = await uploadOne(suite.url, alice, { name: "tagged.png", bytes: png(26) }, { tags: "lake" });
    await patch(alice, image.id, { visibility: "public" });
    expect((await listAll(suite.url, alice, { tag: "lake" })).map((i) => i.id)).toEqual([image.id]);
    expect((await listAll(suite.url, undefined, { scope: "public", tag: "lake" })).map((i) => i.id)).toEqual([image.id]);
    await patch(alice, image.id, { visibility: "private" });
    expect((await listAll(suite.url, alice, { tag: "lake" })).map((i) => i.id)).toEqual([image.id]);
    expect(await listAll(suite.url, undefined, { scope: "public", tag: "lake" })).toHaveLength(0);
  });

  test("bad changes are 422 listing the fields", async () => {
    const image = await uploadOne(suite.url, alice, { name: "bad.png", bytes: png(27) });
    for (const body of [{}, { visibility: "hidden" }, { tags: ["a,b"] }, { filename: "" }, { filename: "x\u0007.png" }, { extra: 1 }]) {
      await expectProblem(await patch(alice, image.id, body), 422, "validation_failed");
    }
  });
});

describe("deleting", () => {
  const suite = useInProcessServer();
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    [alice, bob] = [(await signedInUser(suite.url)).token, (await signedInUser(suite.url)).token];
  });

  test("DELETE removes the image and frees its name; a second DELETE is 404", async () => {
    const image = await uploadOne(suite.url, alice, { name: "gone.png", bytes: png(30) });
    const res = await call(suite.url, "DELETE", `/api/v1/images/${image.id}`, { token: alice });
    expect(res.status).toBe(204);
    await expectProblem(await contentOf(suite.url, alice, image.id), 404, "not_found");
    await expectProblem(await call(suite.url, "DELETE", `/api/v1/images/${image.id}`, { token: alice }), 404, "not_found");
    expect((await uploadOne(suite.url, alice, { name: "gone.png", bytes: png(31) })).filename).toBe("gone.png");
  });

  test("bulk delete reports per id: deleted, not found, forbidden", async () => {
    const mine = await Promise.all([32, 33, 34].map((s) => uploadOne(suite.url, alice, { name: `bulk-${s}.png`, bytes: png(s) })));
    const bobsPublic = await uploadOne(suite.url, bob, { name: "bobs.png", bytes: png(35) }, { visibility: "public" });
    const bobsPrivate = await uploadOne(suite.url, bob, { name: "bobs-private.png", bytes: png(36) });
    const ids = [mine[0]!.id, mine[1]!.id, "no-such-image", bobsPublic.id, bobsPrivate.id];
    const res = await call(suite.url, "POST", "/api/v1/images/delete", { token: alice, json: { ids } });
    const body = await jsonOf<BulkDeleteBody>(res);
    expect(res.status).toBe(200);
    expect(body.deleted.sort()).toEqual([mine[0]!.id, mine[1]!.id].sort());
    expect(body.failed.map((f) => [f.id, f.status, f.code])).toEqual([
      ["no-such-image", 404, "not_found"],
      [bobsPublic.id, 403, "forbidden"],
      [bobsPrivate.id, 404, "not_found"],
    ]);
    const left = (await listAll(suite.url, alice)).map((i) => i.id);
    expect(left).toContain(mine[2]!.id);
    expect(left).not.toContain(mine[0]!.id);
    expect(left).not.toContain(mine[1]!.id);
    expect(await listAll(suite.url, bob)).toHaveLength(2);
  });

  test("{all:true} deletes every image of the caller and only theirs; usage drops to zero", async () => {
    await uploadOne(suite.url, alice, { name: "all-1.png", bytes: png(37) });
    const res = await call(suite.url, "POST", "/api/v1/images/delete", { token: alice, json: { all: true } });
    const body = await jsonOf<BulkDeleteBody>(res);
    expect(res.status).toBe(200);
    expect(body.deleted.length).toBeGreaterThanOrEqual(2);
    expect(body.failed).toEqual([]);
    expect(await listAll(suite.url, alice)).toHaveLength(0);
    expect((await jsonOf<{ user: MeBody }>(await call(suite.url, "GET", "/api/v1/me", { token: alice }))).user.usage).toMatchObject({
      images: 0,
      bytes: 0,
    });
    expect(await listAll(suite.url, bob)).toHaveLength(2);
  });

  test("bad bulk bodies are 422", async () => {
    for (const json of [{}, { ids: [] }, { all: false }, { ids: "a" }, { ids: ["a"], all: true }]) {
      await expectProblem(await call(suite.url, "POST", "/api/v1/images/delete", { token: alice, json }), 422, "validation_failed");
    }
  });
});
