// GET /api/v1/images through a real server: scope, filters, sort orders, limits and keyset
// cursors that never skip or repeat an image, even while uploads land between pages.
import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { useInProcessServer } from "../support/in-process.ts";
import { call, expectProblem, invalidFields, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody, ImagePage, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { settledImage } from "../support/previews-api.ts";
import { IMAGE_FIELDS, listAll, listImages, uploadFiles, uploadOne, type UploadFile } from "../support/images-api.ts";
import { fixtureImage, noisePng } from "../support/images.ts";

let seed = 1;
/** A distinct 16×16 PNG (a fresh seed each call), or another size when the size matters. */
const png = (name: string, width = 16, height = 16): UploadFile => ({ name, bytes: noisePng({ width, height, seed: seed++ }) });
/** Public filenames share one namespace across the server, so every test uses its own. */
const unique = () => randomBytes(4).toString("hex");
/** An animated PNG: a noise PNG with an acTL chunk (1 frame, played forever) after IHDR. */
function apng(name: string): UploadFile {
  const still = noisePng({ width: 16, height: 16, seed: seed++ });
  const actl = Buffer.alloc(20);
  actl.writeUInt32BE(8, 0);
  actl.write("acTL", 4, "latin1");
  actl.writeUInt32BE(1, 8); // frames
  actl.writeUInt32BE(0, 12); // plays (0 = forever)
  actl.writeUInt32BE(crc32(actl.subarray(4, 16)), 16);
  const afterIhdr = 8 + 25;
  return { name, bytes: Buffer.concat([still.subarray(0, afterIhdr), actl, still.subarray(afterIhdr)]) };
}
const ids = (items: ImageBody[]) => items.map((i) => i.id);

describe("GET /api/v1/images", () => {
  const suite = useInProcessServer([]);

  type Member = SignedInUser;
  const member = (): Promise<Member> => signedInUser(suite.url);
  const upload = (who: Member, file: UploadFile, options: Record<string, string> = {}) => uploadOne(suite.url, who.token, file, options);
  /** Many files in one multipart request (fast; some share a createdAt millisecond); one image per file, in order. */
  const uploadMany = async <F extends UploadFile[]>(
    who: Member,
    files: [...F],
    options: Record<string, string> = {},
  ): Promise<{ [K in keyof F]: ImageBody }> => {
    const res = await uploadFiles(suite.url, who.token, files, options);
    const body = await jsonOf<UploadBody>(res);
    expect({ status: res.status, failed: body.failed }).toEqual({ status: 201, failed: [] });
    return body.created as { [K in keyof F]: ImageBody };
  };
  const get = (query: Record<string, string>, token?: string) =>
    call(suite.url, "GET", `/api/v1/images?${new URLSearchParams(query)}`, token ? { token } : {});

  describe("scope", () => {
    let alice: Member;
    let bob: Member;
    const mine = {} as Record<"alicePrivate" | "alicePublic" | "bobPrivate" | "bobPublic", ImageBody>;

    beforeAll(async () => {
      [alice, bob] = await Promise.all([member(), member()]);
      mine.alicePrivate = await upload(alice, png(`alice-private-${unique()}.png`));
      mine.alicePublic = await upload(alice, png(`alice-public-${unique()}.png`), { visibility: "public" });
      mine.bobPrivate = await upload(bob, png(`bob-private-${unique()}.png`));
      mine.bobPublic = await upload(bob, png(`bob-public-${unique()}.png`), { visibility: "public" });
      // Previews are made in the background: two listings compared whole must not see one change state between them.
      for (const [who, image] of [
        [alice, mine.alicePrivate],
        [alice, mine.alicePublic],
        [bob, mine.bobPrivate],
        [bob, mine.bobPublic],
      ] as const) {
        await settledImage(suite.url, who.token, image.id);
      }
    });

    test("logged in, the default is scope=mine: my private and public images, nobody else's", async () => {
      const items = await listAll(suite.url, alice.token);
      expect(ids(items).sort()).toEqual([mine.alicePrivate.id, mine.alicePublic.id]!.sort());
      expect(await listAll(suite.url, alice.token, { scope: "mine" })).toEqual(items);
    });

    test("anonymous, the default is scope=public: everyone's public images and no private one", async () => {
      const seen = ids(await listAll(suite.url, undefined));
      expect(seen).toContain(mine.alicePublic.id);
      expect(seen).toContain(mine.bobPublic.id);
      expect(seen).not.toContain(mine.alicePrivate.id);
      expect(seen).not.toContain(mine.bobPrivate.id);
      expect(ids(await listAll(suite.url, undefined, { scope: "public" }))).toEqual(seen);
    });

    test("scope=public while logged in shows every owner's public images with owner.username, never a private one", async () => {
      const items = await listAll(suite.url, alice.token, { scope: "public" });
      const byId = new Map(items.map((i) => [i.id, i]));
      expect(byId.get(mine.bobPublic.id)?.owner).toEqual({ id: bob.user.id, username: bob.user.username });
      expect(byId.get(mine.alicePublic.id)?.owner).toEqual({ id: alice.user.id, username: alice.user.username });
      expect(byId.has(mine.alicePrivate.id)).toBe(false);
      expect(byId.has(mine.bobPrivate.id)).toBe(false);
      for (const item of items) expect(item.visibility).toBe("public");
      // Asking for private images of the public scope finds none rather than leaking any.
      expect((await listImages(suite.url, alice.token, { scope: "public", visibility: "private" })).items).toEqual([]);
    });

    test("scope=mine without a token is 401 unauthorized", async () => {
      await expectProblem(await get({ scope: "mine" }), 401, "unauthorized");
    });

    test("visibility filters my own images; a bad scope or visibility is 422 naming the field", async () => {
      expect(ids(await listAll(suite.url, alice.token, { visibility: "private" }))).toEqual([mine.alicePrivate.id]);
      expect(ids(await listAll(suite.url, alice.token, { visibility: "public" }))).toEqual([mine.alicePublic.id]);
      expect(invalidFields(await expectProblem(await get({ visibility: "secret" }, alice.token), 422, "validation_failed"))).toEqual([
        "visibility",
      ]);
      expect(invalidFields(await expectProblem(await get({ scope: "everyone" }, alice.token), 422, "validation_failed"))).toEqual([
        "scope",
      ]);
    });

    test("a search with a control character (a NUL, which no name holds) is 422 naming q, signed in or not", async () => {
      for (const q of ["a\u0000b", "\u0000\u0000\u0000\u0000", "line\nbreak"]) {
        expect(invalidFields(await expectProblem(await get({ q }, alice.token), 422, "validation_failed"))).toEqual(["q"]);
        expect(invalidFields(await expectProblem(await get({ q, scope: "public" }), 422, "validation_failed"))).toEqual(["q"]);
      }
    });
  });

  describe("filters", () => {
    test("q is a case-insensitive filename substring, unicode and normalisation included", async () => {
      const who = await member();
      const [plain, accented, other] = await uploadMany(who, [png("Holiday-Beach.PNG"), png("Ünïcode Café.png"), png("receipt.png")]);
      const search = async (q: string) => ids(await listAll(suite.url, who.token, { q })).sort();
      expect(await search("beach")).toEqual([plain.id]);
      expect(await search("HOLIDAY-b")).toEqual([plain.id]);
      expect(await search("Ünï")).toEqual([accented.id]);
      expect(await search("üNÏ")).toEqual([accented.id]);
      // "é" typed as e + combining acute (NFD) still finds the NFC name.
      expect(await search("CAFE\u0301")).toEqual([accented.id]);
      expect(await search(".png")).toEqual([plain.id, accented.id, other.id]!.sort());
      expect(await search("nothing-like-this")).toEqual([]);
    });

    test("tag matches case-insensitively over my private and public images, and across users in scope=public", async () => {
      const [alice, bob] = await Promise.all([member(), member()]);
      const tag = `cats-${unique()}`;
      const alicePrivate = await upload(alice, png(`a-tag-private-${unique()}.png`), { tags: `${tag.toUpperCase()},sunset` });
      const alicePublic = await upload(alice, png(`a-tag-public-${unique()}.png`), { tags: tag, visibility: "public" });
      const aliceUntagged = await upload(alice, png(`a-untagged-${unique()}.png`), { tags: "dogs" });
      const bobPublic = await upload(bob, png(`b-tag-public-${unique()}.png`), { tags: `Cats-${tag.slice(5)}`, visibility: "public" });
      const bobPrivate = await upload(bob, png(`b-tag-private-${unique()}.png`), { tags: tag });
      expect(alicePrivate.tags).toEqual([tag, "sunset"]);

      const tagged = async (token: string | undefined, query: Record<string, string>) => ids(await listAll(suite.url, token, query)).sort();
      expect(await tagged(alice.token, { tag })).toEqual([alicePrivate.id, alicePublic.id].sort());
      expect(await tagged(alice.token, { tag: ` ${tag.toUpperCase()} ` })).toEqual([alicePrivate.id, alicePublic.id].sort());
      expect(await tagged(alice.token, { tag: "SUNSET" })).toEqual([alicePrivate.id]);
      expect(await tagged(alice.token, { tag: "dogs" })).toEqual([aliceUntagged.id]);
      expect(await tagged(bob.token, { tag })).toEqual([bobPrivate.id, bobPublic.id].sort());
      // Public scope: both users' public images, neither private one, whoever asks.
      const everyone = [alicePublic.id, bobPublic.id].sort();
      expect(await tagged(alice.token, { scope: "public", tag })).toEqual(everyone);
      expect(await tagged(undefined, { tag: tag.toUpperCase() })).toEqual(everyone);
      expect(await tagged(undefined, { tag: "sunset" })).not.toContain(alicePrivate.id);
      // A blank tag (an empty form field) filters nothing.
      expect(await tagged(alice.token, { tag: " " })).toEqual([alicePrivate.id, alicePublic.id, aliceUntagged.id].sort());
    });

    test("a tag follows its image when the image is made public or private", async () => {
      const who = await member();
      const tag = `moved-${unique()}`;
      const image = await upload(who, png(`moving-${unique()}.png`), { tags: tag });
      const change = async (visibility: string) => {
        const res = await call(suite.url, "PATCH", `/api/v1/images/${image.id}`, { token: who.token, json: { visibility } });
        expect(res.status).toBe(200);
      };
      await change("public");
      expect(ids(await listAll(suite.url, undefined, { tag }))).toEqual([image.id]);
      expect(ids(await listAll(suite.url, who.token, { tag }))).toEqual([image.id]);
      await change("private");
      expect(ids(await listAll(suite.url, undefined, { tag }))).toEqual([]);
      expect(ids(await listAll(suite.url, who.token, { tag }))).toEqual([image.id]);
    });

    test("type accepts png, jpeg/jpg and image/webp, case-insensitively", async () => {
      const who = await member();
      const [pngImage, jpegImage, webpImage] = await uploadMany(who, [
        png("type-a.png"),
        { name: "type-b.jpg", bytes: fixtureImage("sample.jpg") },
        { name: "type-c.webp", bytes: fixtureImage("sample.webp") },
      ]);
      const ofType = async (type: string) => ids(await listAll(suite.url, who.token, { type }));
      expect(await ofType("png")).toEqual([pngImage.id]);
      expect(await ofType("PNG")).toEqual([pngImage.id]);
      expect(await ofType("image/png")).toEqual([pngImage.id]);
      expect(await ofType("jpeg")).toEqual([jpegImage.id]);
      expect(await ofType("jpg")).toEqual([jpegImage.id]);
      expect(await ofType("image/jpeg")).toEqual([jpegImage.id]);
      expect(await ofType("image/webp")).toEqual([webpImage.id]);
      expect(await ofType("gif")).toEqual([]);
      // A blank filter (an empty form field) filters nothing.
      expect((await ofType("")).sort()).toEqual([pngImage.id, jpegImage.id, webpImage.id]!.sort());
    });

    test("type=png also finds animated PNGs (stored as image/apng); type=apng finds only those", async () => {
      const who = await member();
      const [still, animated] = await uploadMany(who, [png("still.png"), apng("moving.png")]);
      expect(animated.contentType).toBe("image/apng");
      const ofType = async (type: string) => ids(await listAll(suite.url, who.token, { type })).sort();
      expect(await ofType("png")).toEqual([still.id, animated.id]!.sort());
      expect(await ofType("apng")).toEqual([animated.id]);
      expect(await ofType("image/apng")).toEqual([animated.id]);
      expect(await ofType("image/png")).toEqual([still.id]);
    });

    test("a type that is no image type pixvault stores is 422 naming type", async () => {
      const who = await member();
      for (const type of ["text/plain", "image/", "png;charset=x", "../png", "pdf", "image/svg+xml", "jepg", "svg"]) {
        const body = await expectProblem(await get({ type }, who.token), 422, "validation_failed");
        expect({ type, fields: invalidFields(body) }).toEqual({ type, fields: ["type"] });
      }
    });

    test("a tag with a control character (NUL included) is 422 naming tag, anonymous or not, and logs no error", async () => {
      const who = await member();
      for (const tag of ["\0", "cats\0", "a\u0007b", "\u202e"]) {
        for (const token of [undefined, who.token]) {
          const res = await get({ scope: "public", tag }, token);
          expect(invalidFields(await expectProblem(res, 422, "validation_failed"))).toEqual(["tag"]);
        }
      }
      expect(suite.server.logs().filter((l) => l.level === "error")).toEqual([]);
    });

    test("filters combine: q, tag, type and visibility all apply at once", async () => {
      const who = await member();
      // Not "combo-…": q also matches whole words of tags (SPEC §9), and every image here carries the tag.
      const tag = `mix-${unique()}`;
      const hit = await upload(who, png(`combo-hit-${unique()}.png`), { tags: tag, visibility: "public" });
      await upload(who, png(`combo-private-${unique()}.png`), { tags: tag });
      await upload(who, { name: `combo-jpeg-${unique()}.jpg`, bytes: fixtureImage("sample.jpg") }, { tags: tag, visibility: "public" });
      await upload(who, png(`other-${unique()}.png`), { tags: tag, visibility: "public" });
      const items = await listAll(suite.url, who.token, { q: "COMBO", tag, type: "png", visibility: "public" });
      expect(ids(items)).toEqual([hit.id]);
    });
  });

  describe("sort", () => {
    test("newest is the last upload first, oldest the reverse", async () => {
      const who = await member();
      const uploaded: string[] = [];
      for (let i = 0; i < 4; i++) {
        uploaded.push((await upload(who, png(`order-${i}.png`))).id);
        await Bun.sleep(3); // distinct createdAt milliseconds
      }
      expect(ids(await listAll(suite.url, who.token))).toEqual([...uploaded].reverse());
      expect(ids(await listAll(suite.url, who.token, { sort: "newest" }))).toEqual([...uploaded].reverse());
      expect(ids(await listAll(suite.url, who.token, { sort: "oldest" }))).toEqual(uploaded);
      expect(invalidFields(await expectProblem(await get({ sort: "name" }, who.token), 422, "validation_failed"))).toEqual(["sort"]);
    });

    test("size is largest first; equal sizes keep one stable order across calls and pages", async () => {
      const who = await member();
      const created = await uploadMany(who, [
        png("small.png", 8, 8),
        png("large.png", 40, 40),
        png("tie-a.png", 20, 20),
        png("medium.png", 24, 24),
        png("tie-b.png", 20, 20),
        png("tie-c.png", 20, 20),
      ]);
      const whole = await listAll(suite.url, who.token, { sort: "size" });
      const sizes = whole.map((i) => i.size);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      expect(whole.map((i) => i.filename).slice(0, 2)).toEqual(["large.png", "medium.png"]);
      expect(whole.at(-1)?.filename).toBe("small.png");
      expect(ids(whole).sort()).toEqual(ids(created).sort());
      // The three ties: same order every time, and the same when walked one page at a time.
      expect(ids(await listAll(suite.url, who.token, { sort: "size" }))).toEqual(ids(whole));
      expect(ids(await listAll(suite.url, who.token, { sort: "size", limit: "1" }))).toEqual(ids(whole));
      expect(ids(await listAll(suite.url, who.token, { sort: "size", limit: "2" }))).toEqual(ids(whole));
    });
  });

  describe("limit and cursor", () => {
    let who: Member;
    let all: ImageBody[];

    beforeAll(async () => {
      who = await member();
      all = await uploadMany(
        who,
        Array.from({ length: 10 }, (_, i) => png(`page-${i}.png`, 16 + (i % 3), 16)),
      );
    });

    test("limit 1–200 (default 50); 0, 201, abc, 2.5 and -1 are 422 naming limit", async () => {
      expect((await listImages(suite.url, who.token, { limit: "1" })).items).toHaveLength(1);
      expect((await listImages(suite.url, who.token, { limit: "200" })).items).toHaveLength(10);
      expect((await listImages(suite.url, who.token)).items).toHaveLength(10);
      for (const limit of ["0", "201", "abc", "2.5", "-1"]) {
        const body = await expectProblem(await get({ limit }, who.token), 422, "validation_failed");
        expect({ limit, fields: invalidFields(body) }).toEqual({ limit, fields: ["limit"] });
      }
    });

    test("the default limit is 50, and a full page has a nextCursor to the rest", async () => {
      const many = await member();
      await uploadMany(
        many,
        Array.from({ length: 53 }, (_, i) => png(`fifty-${i}.png`)),
      );
      const first = await listImages(suite.url, many.token);
      expect(first.items).toHaveLength(50);
      expect(typeof first.nextCursor).toBe("string");
      const rest = await listImages(suite.url, many.token, { cursor: first.nextCursor as string });
      expect(rest.items).toHaveLength(3);
      expect(rest.nextCursor).toBeNull();
    });

    for (const sort of ["newest", "oldest", "size"]) {
      test(`sort=${sort}: pages of 3 give every image exactly once, in the one-page order`, async () => {
        const pages: ImagePage[] = [];
        let cursor: string | undefined;
        do {
          const page = await listImages(suite.url, who.token, { sort, limit: "3", ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(3);
          pages.push(page);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(pages.map((p) => p.items.length)).toEqual([3, 3, 3, 1]);
        const walked = ids(pages.flatMap((p) => p.items));
        expect(walked).toEqual(ids((await listImages(suite.url, who.token, { sort, limit: "200" })).items));
        expect(walked.sort()).toEqual(ids(all).sort());
      });
    }

    test("a listing that fits one page has nextCursor null; an exact fit ends without an empty page", async () => {
      expect((await listImages(suite.url, who.token, { limit: "10" })).nextCursor).toBeNull();
      const page = await listImages(suite.url, who.token, { limit: "5" });
      const second = await listImages(suite.url, who.token, { limit: "5", cursor: page.nextCursor as string });
      expect(second.items).toHaveLength(5);
      expect(second.nextCursor).toBeNull();
    });

    test("a cursor of one sort order used with another is 422 naming cursor", async () => {
      const newest = await listImages(suite.url, who.token, { limit: "3" });
      for (const sort of ["size", "oldest"]) {
        const body = await expectProblem(await get({ sort, cursor: newest.nextCursor as string }, who.token), 422, "validation_failed");
        expect(invalidFields(body)).toEqual(["cursor"]);
      }
    });

    test("a garbage or altered cursor is 422 naming cursor, never 500", async () => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const garbage = [
        "garbage",
        "!!!",
        "e30",
        b64(null),
        b64(7),
        b64("newest"),
        b64(["newest", "x", "id"]),
        b64(["newest", 1e300, "id"]),
        b64(["newest", 1, 2]),
      ];
      for (const cursor of garbage) {
        const res = await get({ cursor }, who.token);
        expect({ cursor, status: res.status }).toEqual({ cursor, status: 422 });
        expect(invalidFields(await expectProblem(res, 422, "validation_failed"))).toEqual(["cursor"]);
      }
    });
  });

  describe("pagination while uploads happen", () => {
    for (const sort of ["newest", "oldest"]) {
      test(`sort=${sort}: every image present at the start is seen exactly once, no id twice`, async () => {
        const who = await member();
        // One request: several rows share a createdAt millisecond, so ties must page correctly too.
        const present = ids(
          await uploadMany(
            who,
            Array.from({ length: 10 }, (_, i) => png(`walk-${sort}-${i}.png`)),
          ),
        );
        const seen: string[] = [];
        let cursor: string | undefined;
        let round = 0;
        do {
          // One image arrives while each page is read, and every other time two more arrive between pages.
          const [page] = await Promise.all([
            listImages(suite.url, who.token, { sort, limit: "3", ...(cursor ? { cursor } : {}) }),
            uploadMany(who, [png(`during-${sort}-${round}.png`)]),
          ]);
          seen.push(...ids(page.items));
          cursor = page.nextCursor ?? undefined;
          if (round % 2 === 1) await uploadMany(who, [png(`between-${sort}-${round}a.png`), png(`between-${sort}-${round}b.png`)]);
          round += 1;
        } while (cursor && round < 30);
        expect(cursor).toBeUndefined();
        expect(seen.length).toBe(new Set(seen).size);
        for (const id of present) expect(seen.filter((s) => s === id)).toEqual([id]);
      });
    }

    test("q with pages of 2 over many non-matching names returns every match exactly once", async () => {
      const who = await member();
      const files = Array.from({ length: 60 }, (_, i) => png(i % 12 === 5 ? `Needle-${i}.png` : `hay-${i}.png`));
      const created = await uploadMany(who, files);
      const matches = created.filter((i) => i.filename.startsWith("Needle")).map((i) => i.id as string);
      expect(matches).toHaveLength(5);
      for (const sort of ["newest", "oldest", "size"]) {
        const found: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await listImages(suite.url, who.token, { q: "needle", sort, limit: "2", ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          for (const item of page.items) expect(item.filename).toMatch(/^Needle-/);
          found.push(...ids(page.items));
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor && pages < 20);
        expect({ sort, count: found.length }).toEqual({ sort, count: 5 });
        expect(found.sort()).toEqual([...matches].sort());
      }
    });
  });

  describe("items", () => {
    test("each item is a full Image object with exactly the SPEC's fields and no stored secrets", async () => {
      const who = await member();
      const uploaded = await upload(who, png(`full-${unique()}.png`, 16, 12), { tags: "Alpha,beta", description: "a test image" });
      const res = await get({}, who.token);
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text);
      expect(Object.keys(body).sort()).toEqual(["items", "nextCursor"]);
      const [item] = body.items;
      expect(Object.keys(item).sort()).toEqual(IMAGE_FIELDS);
      expect(item).toEqual(uploaded);
      expect(item).toMatchObject({
        filename: uploaded.filename,
        visibility: "private",
        owner: { id: who.user.id, username: who.user.username },
        contentType: "image/png",
        width: 16,
        height: 12,
        tags: ["alpha", "beta"],
        description: "a test image",
      });
      expect(Object.keys(item.owner).sort()).toEqual(["id", "username"]);
      expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false);
      expect(Number.isNaN(Date.parse(item.updatedAt))).toBe(false);
      expect(text).not.toMatch(/crc32|wrapped|_enc|Enc"|index|salt|commitment|epoch/i);
    });
  });
});
