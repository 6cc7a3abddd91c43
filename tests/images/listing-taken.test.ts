// GET /api/v1/images by date taken (SPEC §8): sort=taken orders by the sealed EXIF date, newest
// first, undated images among them by upload time; takenFrom/takenTo keep the days asked for;
// cursors page through without duplicates or gaps, and bad dates or foreign cursors are 422.
import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { call, expectProblem, invalidFields, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { exifJpeg, type ExifPhoto } from "../support/exif-photos.ts";
import { listAll, listImages, uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { useInProcessServer } from "../support/in-process.ts";

const ids = (items: ImageBody[]) => items.map((i) => i.id);
const unique = () => randomBytes(4).toString("hex");

/** The order sort=taken promises: takenAt's instant (an offset-less one as UTC), else createdAt; ties by id, both descending. */
function takenOrder(images: ImageBody[]): string[] {
  const key = (i: ImageBody) => {
    if (!i.takenAt) return Date.parse(i.createdAt);
    return Date.parse(/[+-]\d{2}:\d{2}$|Z$/.test(i.takenAt) ? i.takenAt : `${i.takenAt}Z`);
  };
  return [...images].sort((a, b) => key(b) - key(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((i) => i.id);
}

describe("listing by date taken", () => {
  const suite = useInProcessServer(["--preview-workers", "0"]);
  let alice: SignedInUser;
  let seed = 1;
  const photo = async (name: string, exif: ExifPhoto, options: Record<string, string> = {}) =>
    uploadOne(suite.url, alice.token, { name, bytes: await exifJpeg({ ...exif, seed: seed++ }) }, options);
  const undated = (name: string) => uploadOne(suite.url, alice.token, { name, bytes: noisePng({ width: 16, height: 16, seed: seed++ }) });
  const get = (query: Record<string, string>, token: string | undefined = alice.token) =>
    call(suite.url, "GET", `/api/v1/images?${new URLSearchParams(query)}`, token ? { token } : {});

  // Wall clocks and instants disagree on purpose: b's 09:00 (no offset, read as UTC) is after a's
  // 10:00+02:00 (08:00 UTC); c's wall clock is 2 May but its instant is 1 May 19:30 UTC.
  const shot = {} as Record<"a" | "b" | "c" | "d" | "e" | "twin1" | "twin2" | "future" | "u1" | "u2", ImageBody>;
  let all: ImageBody[];

  beforeAll(async () => {
    alice = await signedInUser(suite.url);
    shot.a = await photo("a.jpg", { taken: "2020:05:01 10:00:00", offset: "+02:00" });
    shot.u1 = await undated("u1.png");
    shot.b = await photo("b.jpg", { taken: "2020:05:01 09:00:00" });
    shot.c = await photo("c.jpg", { taken: "2020:05:02 00:30:00", offset: "+05:00" });
    shot.d = await photo("d.jpg", { taken: "2020:04:30 23:59:59" });
    shot.e = await photo("e.jpg", { taken: "2018:01:15 12:00:00", offset: "-08:00" }, { visibility: "public" });
    shot.twin1 = await photo("twin1.jpg", { taken: "2019:06:01 12:00:00", offset: "+00:00" });
    shot.twin2 = await photo("twin2.jpg", { taken: "2019:06:01 12:00:00", offset: "+00:00" });
    shot.u2 = await undated("u2.png");
    // Taken "later" than any upload: dated images sort above undated ones only by their own date.
    shot.future = await photo("future.jpg", { taken: "2090:01:01 00:00:00" });
    all = Object.values(shot);
  });

  test("sort=taken: newest taken first, instants compared across offsets, undated images by upload time among them", async () => {
    const listed = await listAll(suite.url, alice.token, { sort: "taken" });
    expect(ids(listed)).toEqual(takenOrder(all));
    // Spelled out for this set: the future one, the two undated (newest upload first), then the 2020 ones by instant.
    expect(ids(listed).slice(0, 7)).toEqual([shot.future, shot.u2, shot.u1, shot.c, shot.b, shot.a, shot.d].map((i) => i.id));
    expect(ids(listed).slice(7, 9).sort()).toEqual([shot.twin1.id, shot.twin2.id].sort());
    expect(listed.at(-1)!.id).toBe(shot.e.id);
    for (const image of listed) expect(image.location).toBeNull(); // none of these has GPS
  });

  test("pages of every size follow one another with no duplicate and no gap", async () => {
    const whole = ids(await listAll(suite.url, alice.token, { sort: "taken", limit: "200" }));
    for (const limit of ["1", "2", "3", "7"]) {
      const paged = await listAll(suite.url, alice.token, { sort: "taken", limit });
      expect(ids(paged)).toEqual(whole);
    }
    const first = await listImages(suite.url, alice.token, { sort: "taken", limit: "10" });
    expect(first.items).toHaveLength(10);
    expect(first.nextCursor).toBeNull();
  });

  test("a cursor stays valid while images are uploaded between pages: nothing repeats, nothing is skipped", async () => {
    const before = ids(await listAll(suite.url, alice.token, { sort: "taken" }));
    const page1 = await listImages(suite.url, alice.token, { sort: "taken", limit: "4" });
    const late = await photo("late.jpg", { taken: "2020:05:01 12:00:00", offset: "+00:00" });
    const rest = await listAll(suite.url, alice.token, { sort: "taken", limit: "3", cursor: page1.nextCursor! });
    const seen = [...ids(page1.items), ...ids(rest)];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => id !== late.id)).toEqual(before);
    // Taken at 12:00 UTC on 1 May, it sorts after page 1's last image (c, 19:30 UTC): a later page shows it.
    expect(seen).toContain(late.id);
    const del = await call(suite.url, "DELETE", `/api/v1/images/${late.id}`, { token: alice.token });
    expect(del.status).toBe(204);
  });

  test("takenFrom/takenTo keep the days asked for, inclusive, by the day the camera recorded; undated images are left out", async () => {
    const day = async (query: Record<string, string>) => ids(await listAll(suite.url, alice.token, query)).sort();
    expect(await day({ takenFrom: "2020-05-01", takenTo: "2020-05-01" })).toEqual([shot.a.id, shot.b.id].sort());
    expect(await day({ takenFrom: "2020-05-02" })).toEqual([shot.c.id, shot.future.id].sort());
    expect(await day({ takenTo: "2020-04-30" })).toEqual([shot.d.id, shot.e.id, shot.twin1.id, shot.twin2.id].sort());
    expect(await day({ takenFrom: "2019-06-01", takenTo: "2019-06-01" })).toEqual([shot.twin1.id, shot.twin2.id].sort());
    expect(await day({ takenFrom: "2021-01-01", takenTo: "2089-12-31" })).toEqual([]);
    // Blank fields (an empty form) filter nothing.
    expect(await day({ takenFrom: "", takenTo: "" })).toEqual(ids(all).sort());
  });

  test("a date filter keeps the other sort orders, pages with their cursors, and combines with the other filters", async () => {
    const may = { takenFrom: "2020-04-30", takenTo: "2020-05-02" };
    const newest = await listAll(suite.url, alice.token, { ...may, sort: "newest", limit: "1" });
    expect(ids(newest)).toEqual([shot.d, shot.c, shot.b, shot.a].map((i) => i.id));
    const oldest = await listAll(suite.url, alice.token, { ...may, sort: "oldest", limit: "3" });
    expect(ids(oldest)).toEqual([shot.a, shot.b, shot.c, shot.d].map((i) => i.id));
    const taken = await listAll(suite.url, alice.token, { ...may, sort: "taken", limit: "2" });
    expect(ids(taken)).toEqual([shot.c, shot.b, shot.a, shot.d].map((i) => i.id));
    expect(ids(await listAll(suite.url, alice.token, { ...may, q: "B.JPG" }))).toEqual([shot.b.id]);
    expect(ids(await listAll(suite.url, alice.token, { sort: "taken", visibility: "public" }))).toEqual([shot.e.id]);
    expect(ids(await listAll(suite.url, alice.token, { sort: "taken", type: "png" }))).toEqual([shot.u2.id, shot.u1.id]);
  });

  test("public listings by date taken: other users and anonymous callers see the public images, never the private ones", async () => {
    const name = `public-${unique()}.jpg`;
    const mine = await photo(name, { taken: "2015:03:03 03:03:03", gps: { latitude: 10, longitude: 20 } }, { visibility: "public" });
    const bob = await signedInUser(suite.url);
    for (const token of [bob.token, undefined]) {
      const listed = await listAll(suite.url, token, { scope: "public", sort: "taken", takenTo: "2018-12-31" });
      expect(ids(listed)).toEqual([shot.e.id, mine.id]);
      expect(listed.map((i) => i.location)).toEqual([null, null]);
    }
    const own = await listAll(suite.url, alice.token, { scope: "public", sort: "taken", takenTo: "2015-03-03" });
    expect(own.map((i) => [i.id, i.location?.latitude])).toEqual([[mine.id, 10]]);
    expect(ids(await listAll(suite.url, bob.token, { sort: "taken" }))).toEqual([]);
  });

  test("bad dates are 422 validation_failed naming the field", async () => {
    for (const bad of ["2020-13-01", "2020-02-30", "2021-02-29", "2020-5-1", "yesterday", "2020-05-01T00:00:00Z", "20200501"]) {
      for (const field of ["takenFrom", "takenTo"]) {
        const problem = await expectProblem(await get({ [field]: bad }), 422, "validation_failed");
        expect(invalidFields(problem)).toEqual([field]);
      }
    }
    expect((await get({ takenFrom: "2020-02-29", takenTo: "2020-02-29" })).status).toBe(200); // a leap day is a day
    const reversed = await expectProblem(await get({ takenFrom: "2020-05-02", takenTo: "2020-05-01" }), 422, "validation_failed");
    expect(invalidFields(reversed)).toEqual(["takenTo"]);
    const sort = await expectProblem(await get({ sort: "taken-at" }), 422, "validation_failed");
    expect(invalidFields(sort)).toEqual(["sort"]);
  });

  test("a cursor of another sort order, or an altered one, is 422 naming cursor", async () => {
    const taken = (await listImages(suite.url, alice.token, { sort: "taken", limit: "1" })).nextCursor!;
    const newest = (await listImages(suite.url, alice.token, { sort: "newest", limit: "1" })).nextCursor!;
    for (const [sort, cursor] of [
      ["newest", taken],
      ["taken", newest],
      ["taken", `${taken.slice(0, -2)}xx`],
    ] as const) {
      const problem = await expectProblem(await get({ sort, cursor }), 422, "validation_failed");
      expect(invalidFields(problem)).toEqual(["cursor"]);
    }
    // A newest cursor goes on with a date filter (the same order, just fewer images).
    expect((await get({ sort: "newest", cursor: newest, takenTo: "2020-12-31" })).status).toBe(200);
  });
});
