// Albums (SPEC §10) through HTTP, the whole app in process on a real SQLite file: create, list,
// rename, describe, cover, add and remove images, the listing and zips of an album, deletion on
// either side, names sealed at rest, and another user's album answering 404 everywhere.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestApp, type SignedUp, type TestApp } from "../../src/test-app.ts";
import { bearer, type ImageBody, outcome, sendJson, uploaded } from "../domain/app-client.ts";
import { noisePng } from "../support/images.ts";

interface Album {
  id: string;
  name: string;
  description: string | null;
  imageCount: number;
  coverImageId: string | null;
  createdAt: string;
  updatedAt: string;
}

let t: TestApp;
let ann: SignedUp;
let bob: SignedUp;
const annImages: ImageBody[] = [];
let bobImage: ImageBody;
const scratch = mkdtempSync(join(tmpdir(), "pixvault-albums-"));

beforeAll(async () => {
  t = await createTestApp({ flags: ["--preview-workers", "0"] });
  ann = await t.signUp();
  bob = await t.signUp();
  for (let i = 0; i < 4; i++)
    annImages.push(await uploaded(t, ann.token, `ann-${i}.png`, noisePng({ width: 40 + i, height: 30, seed: i })));
  bobImage = await uploaded(t, bob.token, "bob.png", noisePng({ width: 33, height: 33, seed: 99 }), { visibility: "public" });
});

afterAll(async () => {
  await t.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  expect({ status: res.status, body: res.status === status ? "" : body }).toEqual({ status, body: "" });
  return JSON.parse(body) as T;
}

const create = async (token: string, name: string, description?: string) =>
  (await json<{ album: Album }>(await sendJson(t, "POST", "/api/v1/albums", token, { name, description }), 201)).album;
const add = (token: string, id: string, ids: string[]) => sendJson(t, "POST", `/api/v1/albums/${id}/images`, token, { ids });
const albumIds = async (token: string, id: string, query = "") => {
  const body = await json<{ items: { id: string }[] }>(
    await t.request(`/api/v1/images?album=${id}&limit=200${query}`, { headers: bearer(token) }),
    200,
  );
  return body.items.map((i) => i.id);
};

describe("an owner's albums", () => {
  test("create, list newest first, read, rename, describe, delete", async () => {
    const trip = await create(ann.token, "  Trip to Porto ", "Spring 2026");
    expect(trip).toMatchObject({ name: "Trip to Porto", description: "Spring 2026", imageCount: 0, coverImageId: null });
    const later = await create(ann.token, "Later");
    const list = await json<{ items: Album[] }>(await t.request("/api/v1/albums", { headers: bearer(ann.token) }), 200);
    expect(list.items.map((a) => a.id).slice(0, 2)).toEqual([later.id, trip.id]);
    const renamed = await json<{ album: Album }>(
      await sendJson(t, "PATCH", `/api/v1/albums/${trip.id}`, ann.token, { name: "Porto", description: null }),
      200,
    );
    expect(renamed.album).toMatchObject({ id: trip.id, name: "Porto", description: null });
    expect(
      (await json<{ album: Album }>(await t.request(`/api/v1/albums/${trip.id}`, { headers: bearer(ann.token) }), 200)).album.name,
    ).toBe("Porto");
    expect((await sendJson(t, "DELETE", `/api/v1/albums/${later.id}`, ann.token)).status).toBe(204);
    expect(await outcome(await t.request(`/api/v1/albums/${later.id}`, { headers: bearer(ann.token) }))).toEqual({
      status: 404,
      code: "not_found",
    });
  });

  test("bad input is 422 naming the field; signed out is 401", async () => {
    const empty = await sendJson(t, "POST", "/api/v1/albums", ann.token, { name: "   " });
    expect(await outcome(empty)).toEqual({ status: 422, code: "validation_failed" });
    expect(await outcome(await sendJson(t, "POST", "/api/v1/albums", ann.token, { name: "x".repeat(201) }))).toEqual({
      status: 422,
      code: "validation_failed",
    });
    expect(await outcome(await sendJson(t, "POST", "/api/v1/albums", undefined, { name: "x" }))).toEqual({
      status: 401,
      code: "unauthorized",
    });
    const album = await create(ann.token, "Patch me");
    expect(await outcome(await sendJson(t, "PATCH", `/api/v1/albums/${album.id}`, ann.token, {}))).toEqual({
      status: 422,
      code: "validation_failed",
    });
  });

  test("adding images: own ones only (others' ids: 404 with missing, nothing added); an image in many albums; removing", async () => {
    const a = await create(ann.token, "A");
    const b = await create(ann.token, "B");
    const refused = await add(ann.token, a.id, [annImages[0]!.id, bobImage.id, "nope"]);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { missing: string[] }).missing.sort()).toEqual([bobImage.id, "nope"].sort());
    expect(await albumIds(ann.token, a.id)).toEqual([]);
    const added = await json<{ album: Album }>(await add(ann.token, a.id, [annImages[0]!.id, annImages[1]!.id, annImages[0]!.id]), 200);
    expect(added.album.imageCount).toBe(2);
    await json(await add(ann.token, b.id, [annImages[1]!.id]), 200);
    // Adding again changes nothing.
    expect((await json<{ album: Album }>(await add(ann.token, a.id, [annImages[1]!.id]), 200)).album.imageCount).toBe(2);
    expect((await albumIds(ann.token, a.id)).sort()).toEqual([annImages[0]!.id, annImages[1]!.id].sort());
    expect(await albumIds(ann.token, b.id)).toEqual([annImages[1]!.id]);
    const removed = await json<{ album: Album }>(
      await sendJson(t, "DELETE", `/api/v1/albums/${a.id}/images`, ann.token, { ids: [annImages[1]!.id] }),
      200,
    );
    expect(removed.album.imageCount).toBe(1);
    expect(await albumIds(ann.token, a.id)).toEqual([annImages[0]!.id]);
    expect(await albumIds(ann.token, b.id)).toEqual([annImages[1]!.id]);
  });

  test("the listing of an album takes every sort; the cover is the last added unless chosen, and must be in the album", async () => {
    const album = await create(ann.token, "Sorted");
    await json(await add(ann.token, album.id, [annImages[2]!.id]), 200);
    t.clock.advance(1000);
    const last = await json<{ album: Album }>(await add(ann.token, album.id, [annImages[3]!.id]), 200);
    expect(last.album.coverImageId).toBe(annImages[3]!.id);
    for (const sort of ["newest", "oldest", "size", "taken"]) {
      expect((await albumIds(ann.token, album.id, `&sort=${sort}`)).sort()).toEqual([annImages[2]!.id, annImages[3]!.id].sort());
    }
    expect(await albumIds(ann.token, album.id, "&sort=size")).toEqual([annImages[3]!.id, annImages[2]!.id]);
    const chosen = await json<{ album: Album }>(
      await sendJson(t, "PATCH", `/api/v1/albums/${album.id}`, ann.token, { coverImageId: annImages[2]!.id }),
      200,
    );
    expect(chosen.album.coverImageId).toBe(annImages[2]!.id);
    expect(await outcome(await sendJson(t, "PATCH", `/api/v1/albums/${album.id}`, ann.token, { coverImageId: annImages[0]!.id }))).toEqual({
      status: 422,
      code: "validation_failed",
    });
    // The chosen cover leaves the album: the last added one stands in.
    await json(await sendJson(t, "DELETE", `/api/v1/albums/${album.id}/images`, ann.token, { ids: [annImages[2]!.id] }), 200);
    expect(
      (await json<{ album: Album }>(await t.request(`/api/v1/albums/${album.id}`, { headers: bearer(ann.token) }), 200)).album.coverImageId,
    ).toBe(annImages[3]!.id);
  });

  test("a zip of an album (GET and POST), read back by unzip", async () => {
    const album = await create(ann.token, "Zip me");
    await json(await add(ann.token, album.id, [annImages[0]!.id, annImages[2]!.id]), 200);
    const get = await t.request(`/api/v1/images/archive?album=${album.id}`, { headers: bearer(ann.token) });
    expect(get.status).toBe(200);
    const bytes = new Uint8Array(await get.arrayBuffer());
    expect(Number(get.headers.get("content-length"))).toBe(bytes.length);
    const path = join(scratch, "album.zip");
    writeFileSync(path, bytes);
    const listing = spawnSync("unzip", ["-Z1", path], { encoding: "utf8" });
    expect(listing.status).toBe(0);
    expect(listing.stdout.trim().split("\n").sort()).toEqual(["ann-0.png", "ann-2.png"]);
    const test = spawnSync("unzip", ["-t", path], { encoding: "utf8" });
    expect(test.stdout).toContain("No errors detected");
    const post = await sendJson(t, "POST", "/api/v1/images/archive", ann.token, { album: album.id });
    expect(post.status).toBe(200);
    expect(Buffer.from(await post.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    expect(
      await outcome(await t.request(`/api/v1/images/archive?album=${album.id}&ids=${annImages[0]!.id}`, { headers: bearer(ann.token) })),
    ).toEqual({ status: 422, code: "validation_failed" });
  });

  test("deleting an image takes it out of its albums; deleting an album keeps its images", async () => {
    const extra = await uploaded(t, ann.token, "gone-soon.png", noisePng({ width: 20, height: 20, seed: 7 }));
    const album = await create(ann.token, "Ephemeral");
    await json(await add(ann.token, album.id, [extra.id, annImages[3]!.id]), 200);
    expect((await sendJson(t, "DELETE", `/api/v1/images/${extra.id}`, ann.token)).status).toBe(204);
    const after = await json<{ album: Album }>(await t.request(`/api/v1/albums/${album.id}`, { headers: bearer(ann.token) }), 200);
    expect(after.album.imageCount).toBe(1);
    expect((await sendJson(t, "DELETE", `/api/v1/albums/${album.id}`, ann.token)).status).toBe(204);
    expect((await t.request(`/api/v1/images/${annImages[3]!.id}`, { headers: bearer(ann.token) })).status).toBe(200);
  });

  test("names and descriptions are sealed at rest", async () => {
    const album = await create(ann.token, "Secret Garden Album", "nobody reads this description");
    const dbPath = fileURLToPath(t.config.databaseUrl);
    const db = new Database(dbPath, { readonly: true });
    try {
      const row = db.query("select name_enc, description_enc from albums where id = ?").get(album.id) as {
        name_enc: Uint8Array;
        description_enc: Uint8Array;
      };
      expect(Buffer.from(row.name_enc).includes("Secret Garden")).toBe(false);
      expect(Buffer.from(row.description_enc).includes("nobody reads")).toBe(false);
    } finally {
      db.close();
    }
    expect(readFileSync(dbPath).includes("Secret Garden Album")).toBe(false);
  });
});

describe("another user's album does not exist for them", () => {
  test("404 on every album route, the listing and the zip, for another user and signed out (401)", async () => {
    const album = await create(ann.token, "Private matters");
    await json(await add(ann.token, album.id, [annImages[0]!.id]), 200);
    const as = async (token: string | undefined) => [
      await outcome(await t.request(`/api/v1/albums/${album.id}`, { headers: bearer(token) })),
      await outcome(await sendJson(t, "PATCH", `/api/v1/albums/${album.id}`, token, { name: "mine now" })),
      await outcome(await add(token ?? "", album.id, [bobImage.id])),
      await outcome(await sendJson(t, "DELETE", `/api/v1/albums/${album.id}/images`, token, { ids: [annImages[0]!.id] })),
      await outcome(await t.request(`/api/v1/images?album=${album.id}`, { headers: bearer(token) })),
      await outcome(await t.request(`/api/v1/images/archive?album=${album.id}`, { headers: bearer(token) })),
      await outcome(await sendJson(t, "DELETE", `/api/v1/albums/${album.id}`, token)),
    ];
    const notFound = { status: 404, code: "not_found" };
    expect(await as(bob.token)).toEqual(Array(7).fill(notFound));
    const unauthorized = { status: 401, code: "unauthorized" };
    expect(await as(undefined)).toEqual([unauthorized, unauthorized, unauthorized, unauthorized, notFound, notFound, unauthorized]);
    expect((await json<{ items: Album[] }>(await t.request("/api/v1/albums", { headers: bearer(bob.token) }), 200)).items).toEqual([]);
    // Nothing changed for its owner.
    expect(
      (await json<{ album: Album }>(await t.request(`/api/v1/albums/${album.id}`, { headers: bearer(ann.token) }), 200)).album,
    ).toMatchObject({
      name: "Private matters",
      imageCount: 1,
    });
  });
});
