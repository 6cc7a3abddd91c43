// GET /api/v1/images/duplicates: an identical re-upload and a resized copy of a real photo are grouped
// as the right kinds, a different photo stays apart, and nobody sees another's images there.
import { beforeAll, describe, expect, test } from "bun:test";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { call, expectProblem, signedInUser } from "../support/accounts.ts";
import { analysedImage } from "../support/analysis-api.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { testSharp } from "../support/previews-api.ts";

const PHOTOS = join(import.meta.dir, "../fixtures/photos");

interface Groups {
  groups: { kind: "identical" | "similar"; images: ImageBody[] }[];
}

describe("GET /api/v1/images/duplicates", () => {
  const server = useInProcessServer();
  let token: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
    const original = await fs.readFile(join(PHOTOS, "food-dip.jpg"));
    const resized = await testSharp()(original).resize({ width: 300 }).jpeg({ quality: 70 }).toBuffer();
    const files = {
      original,
      copy: original,
      resized,
      other: await fs.readFile(join(PHOTOS, "park-sculpture.jpg")),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const uploaded = await uploadOne(server.url, token, { name: `${name}.jpg`, bytes });
      ids[name] = (await analysedImage(server.url, token, uploaded.id)).id;
    }
  });

  test("an identical re-upload is identical, a resized copy similar, a different photo in no group", async () => {
    const res = await call(server.url, "GET", "/api/v1/images/duplicates", { token });
    expect(res.status).toBe(200);
    const body = await jsonOf<Groups>(res);
    const groups = body.groups.map((g) => ({ kind: g.kind, ids: g.images.map((i) => i.id).sort() }));
    expect(groups).toContainEqual({ kind: "identical", ids: [ids.original!, ids.copy!].sort() });
    const similar = groups.filter((g) => g.kind === "similar");
    expect(similar).toHaveLength(1);
    expect(similar[0]!.ids).toContain(ids.resized!);
    expect(groups.flatMap((g) => g.ids)).not.toContain(ids.other!);
    // Whole image objects, as elsewhere.
    expect(body.groups[0]!.images[0]!.filename).toMatch(/\.jpg$/);
  });

  test("another user has no groups; without a token it is 401", async () => {
    const other = await signedInUser(server.url);
    const res = await call(server.url, "GET", "/api/v1/images/duplicates", { token: other.token });
    expect(await jsonOf<Groups>(res)).toEqual({ groups: [] });
    await expectProblem(await call(server.url, "GET", "/api/v1/images/duplicates"), 401, "unauthorized");
  });
});
