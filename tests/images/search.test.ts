// `q=` through the search index (SPEC §9): filename substrings of 3+ characters by keyed trigrams,
// whole words of description and tags by keyed words, shorter needles read in order; candidates
// confirmed decrypted, and a request never decrypts more than its bound of rows it does not return.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { call, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { listAll, listImages, uploadFiles, uploadOne, type UploadFile } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";

let seed = 1;
const png = (name: string): UploadFile => ({ name, bytes: noisePng({ width: 8, height: 8, seed: seed++ }) });
/** Public names are one namespace across the suite's server: each test makes its own. */
const unique = () => randomBytes(4).toString("hex");
const ids = (items: ImageBody[]) => items.map((i) => i.id).sort();

describe("search: q=", () => {
  const suite = useInProcessServer([]);
  const member = (): Promise<SignedInUser> => signedInUser(suite.url);
  const search = async (who: SignedInUser | undefined, q: string, query: Record<string, string> = {}) =>
    ids(await listAll(suite.url, who?.token, { q, ...(who ? {} : { scope: "public" }), ...query }));
  const patch = async (who: SignedInUser, id: string, json: Record<string, unknown>) =>
    expect((await call(suite.url, "PATCH", `/api/v1/images/${id}`, { token: who.token, json })).status).toBe(200);

  test("any 3+ character substring of a name finds it, whatever the case or normal form, in any script", async () => {
    const who = await member();
    const street = await uploadOne(suite.url, who.token, png("Straße-Münster.png"));
    const tower = await uploadOne(suite.url, who.token, png("東京タワー夜景.png"));
    const dessert = await uploadOne(suite.url, who.token, png("Crème Brûlée.PNG"));
    const cases: [string, string[]][] = [
      ["straße", [street.id]],
      ["STRAẞE", [street.id]], // capital sharp s lowercases to ß
      ["e-mün", [street.id]],
      ["MÜNSTER.P", [street.id]],
      ["タワー", [tower.id]],
      ["京タワ", [tower.id]],
      ["夜景.png", [tower.id]],
      ["crème", [dessert.id]],
      ["cre\u0300me brû", [dessert.id]], // typed decomposed (NFD)
      ["BRÛLÉE.png", [dessert.id]],
      [".png", [street.id, tower.id, dessert.id].sort()],
      // Not found: no case folding beyond lowercase (ß is not ss), accents matter, order matters.
      ["strasse", []],
      ["brulee", []],
      ["ster-mün", []],
    ];
    for (const [q, expected] of cases) expect({ q, found: await search(who, q) }).toEqual({ q, found: expected });
  });

  test("a trigram match is only a candidate: every trigram of 'abcd' in 'abc bcd' is not a match", async () => {
    const who = await member();
    const u = unique();
    const decoy = await uploadOne(suite.url, who.token, png(`${u}-abc bcd.png`));
    const real = await uploadOne(suite.url, who.token, png(`${u}-abcd.png`));
    expect(await search(who, `${u}-abcd`)).toEqual([real.id]);
    expect(await search(who, "abc bcd")).toEqual([decoy.id]);
  });

  test("1 and 2 character needles find substrings too (read in order, under the bound)", async () => {
    const who = await member();
    const [a, b] = [await uploadOne(suite.url, who.token, png("東京.png")), await uploadOne(suite.url, who.token, png("xß.gif.png"))];
    expect(await search(who, "東京")).toEqual([a.id]);
    expect(await search(who, "京")).toEqual([a.id]);
    expect(await search(who, "SS")).toEqual([]);
    expect(await search(who, "ß")).toEqual([b.id]);
    expect(await search(who, "xß")).toEqual([b.id]);
  });

  test("whole words of the description and tags, in any order and case; not parts of words", async () => {
    const who = await member();
    const fox = await uploadOne(suite.url, who.token, png("IMG_0001.png"), {
      description: "A red Fox in the snow, at dawn.",
      tags: "Wild-Life,winter 2024,東京",
    });
    const other = await uploadOne(suite.url, who.token, png("IMG_0002.png"), { description: "Snow only" });
    const cases: [string, string[]][] = [
      ["fox", [fox.id]],
      ["SNOW FOX", [fox.id]],
      ["fox, snow!", [fox.id]],
      ["snow", [fox.id, other.id].sort()],
      ["life wild", [fox.id]],
      ["2024", [fox.id]],
      ["東京", [fox.id]],
      ["dawn", [fox.id]],
      ["fo", []],
      ["foxes", []],
      ["fox snowy", []],
      ["red wolf", []],
    ];
    for (const [q, expected] of cases) expect({ q, found: await search(who, q) }).toEqual({ q, found: expected });
  });

  test("q combines with tag, type and visibility (AND), in both scopes, for signed-in and anonymous callers", async () => {
    const [ann, bob] = await Promise.all([member(), member()]);
    const u = unique();
    const hit = await uploadOne(suite.url, ann.token, png(`harbour-${u}.png`), { tags: `boats-${u}`, visibility: "public" });
    await uploadOne(suite.url, ann.token, png(`harbour-${u}-private.png`), { tags: `boats-${u}` });
    await uploadOne(suite.url, ann.token, png(`harbour-${u}-untagged.png`), { visibility: "public" });
    const bobs = await uploadOne(suite.url, bob.token, png(`bob-harbour-${u}.png`), { tags: `boats-${u}`, visibility: "public" });
    const tag = `boats-${u}`;
    expect(await search(ann, `HARBOUR-${u}`, { tag, visibility: "public", type: "png" })).toEqual([hit.id]);
    expect(await search(ann, `harbour-${u}`, { tag, type: "jpeg" })).toEqual([]);
    expect(await search(ann, `harbour-${u}`, { tag, scope: "public" })).toEqual([hit.id, bobs.id].sort());
    expect(await search(undefined, `harbour-${u}`, { tag })).toEqual([hit.id, bobs.id].sort());
    expect(await search(undefined, `harbour-${u}`)).toHaveLength(3);
    // A private image never shows to anyone else, by name or by word.
    expect(await search(bob, `${u}-private`, { scope: "public" })).toEqual([]);
    expect(await search(undefined, "private", { tag })).toEqual([]);
  });

  test("rename, description, tags, visibility and delete keep the results right", async () => {
    const [ann, bob] = await Promise.all([member(), member()]);
    const u = unique();
    const image = await uploadOne(suite.url, ann.token, png(`before-${u}.png`), { tags: "alpha" });
    expect(await search(ann, `before-${u}`)).toEqual([image.id]);

    await patch(ann, image.id, { filename: `after-${u}.png` });
    expect(await search(ann, `before-${u}`)).toEqual([]);
    expect(await search(ann, `AFTER-${u}`)).toEqual([image.id]);

    await patch(ann, image.id, { description: `lighthouse ${u}`, tags: ["beta"] });
    expect(await search(ann, `lighthouse ${u}`)).toEqual([image.id]);
    expect(await search(ann, `alpha ${u}`)).toEqual([]);
    expect(await search(ann, `${u} beta`)).toEqual([image.id]);

    // Publishing re-keys every term under the instance's key: anyone finds it, by name or word.
    await patch(ann, image.id, { visibility: "public" });
    expect(await search(undefined, `after-${u}`)).toEqual([image.id]);
    expect(await search(bob, `lighthouse ${u}`, { scope: "public" })).toEqual([image.id]);
    expect(await search(ann, `after-${u}`)).toEqual([image.id]);

    await patch(ann, image.id, { visibility: "private" });
    expect(await search(undefined, `after-${u}`)).toEqual([]);
    expect(await search(bob, `lighthouse ${u}`, { scope: "public" })).toEqual([]);
    expect(await search(ann, `lighthouse ${u}`)).toEqual([image.id]);

    expect((await call(suite.url, "DELETE", `/api/v1/images/${image.id}`, { token: ann.token })).status).toBe(204);
    expect(await search(ann, `after-${u}`)).toEqual([]);
  });

  test("replacing an image on upload searches as the new one", async () => {
    const who = await member();
    const u = unique();
    const first = await uploadOne(suite.url, who.token, png(`same-${u}.png`), { description: "old words" });
    const second = await uploadOne(suite.url, who.token, png(`same-${u}.png`), { description: "new words", onConflict: "replace" });
    expect(await search(who, `same-${u}`)).toEqual([second.id]);
    expect(await search(who, `old ${u}`)).toEqual([]);
    expect(await search(who, "new words")).toEqual([second.id]);
    expect(first.id).not.toBe(second.id);
  });

  test("an anonymous public search decrypts at most 50 rows it does not return per request, and still finds every match", async () => {
    const owner = await member();
    const u = unique();
    // The match is the oldest; 120 newer decoys hold every trigram of the needle but not the needle.
    const match = await uploadOne(suite.url, owner.token, png(`${u}-abcd.png`), { visibility: "public" });
    const decoys = Array.from({ length: 120 }, (_, i) => png(`${u}-abc-bcd-${i}.png`));
    const res = await uploadFiles(suite.url, owner.token, decoys, { visibility: "public" });
    expect({ status: res.status, failed: (await jsonOf<UploadBody>(res)).failed }).toEqual({ status: 201, failed: [] });

    const pages = [];
    let cursor: string | null = null;
    do {
      const page = await listImages(suite.url, undefined, { scope: "public", q: `${u}-abcd`, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor && pages.length < 10);
    // 120 candidates that do not confirm, at most 50 a request: the match is on the third page.
    expect(pages).toEqual([[], [], [match.id]]);
    // A signed-in owner may decrypt 200: one page.
    expect((await listImages(suite.url, owner.token, { q: `${u}-abcd` })).items.map((i) => i.id)).toEqual([match.id]);
    // A needle the index has no candidate for answers at once: no page to follow.
    expect(await listImages(suite.url, undefined, { scope: "public", q: `${u}-zzz` })).toEqual({ items: [], nextCursor: null });
    // Without the index (two characters), the same bound holds: pages end early and go on.
    const short = await listImages(suite.url, undefined, { scope: "public", q: "zq", limit: "10" });
    expect(short.items).toEqual([]);
    expect(short.nextCursor).not.toBeNull();
  });

  test("sort=taken searches through the index too, under the same bound", async () => {
    const who = await member();
    const u = unique();
    const match = await uploadOne(suite.url, who.token, png(`${u}-wxyz.png`));
    await uploadFiles(
      suite.url,
      who.token,
      Array.from({ length: 60 }, (_, i) => png(`${u}-wxy-xyz-${i}.png`)),
    );
    expect(ids(await listAll(suite.url, who.token, { q: `${u}-WXYZ`, sort: "taken" }))).toEqual([match.id]);
    expect(ids(await listAll(suite.url, undefined, { q: `${u}-wxyz`, sort: "taken", scope: "public" }))).toEqual([]);
  });
});
