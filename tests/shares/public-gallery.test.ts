// The public gallery (issue 6): without logging in, GET /api/v1/images?scope=public lists
// everyone's public images newest first, each with its owner's username, and no private one.
import { beforeAll, describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import { signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody, ImagePage } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";

describe("public gallery", () => {
  const suite = useInProcessServer([]);
  let ann: SignedInUser;
  let ben: SignedInUser;
  const uploaded: ImageBody[] = [];

  beforeAll(async () => {
    [ann, ben] = await Promise.all([signedInUser(suite.url), signedInUser(suite.url)]);
    // One after another, a few ms apart, so "newest first" has one right answer.
    const plan: [SignedInUser, string, "public" | "private"][] = [
      [ann, "ann-first.png", "public"],
      [ben, "ben-secret.png", "private"],
      [ben, "ben-second.png", "public"],
      [ann, "ann-secret.png", "private"],
      [ann, "ann-third.png", "public"],
    ];
    for (const [who, name, visibility] of plan) {
      uploaded.push(
        await uploadOne(
          suite.url,
          who.token,
          { name, bytes: noisePng({ width: 8, height: 8, seed: uploaded.length + 1 }) },
          { visibility },
        ),
      );
      await Bun.sleep(5);
    }
  });

  test("anonymous: every owner's public images, newest first, with owner.username; nothing private", async () => {
    const res = await fetch(`${suite.url}/api/v1/images?scope=public`);
    expect(res.status).toBe(200);
    const { items, nextCursor } = await jsonOf<ImagePage>(res);
    expect(nextCursor).toBeNull();
    expect(items.map((i) => i.filename)).toEqual(["ann-third.png", "ben-second.png", "ann-first.png"]);
    expect(items.map((i) => i.owner)).toEqual([
      { id: ann.user.id, username: ann.user.username },
      { id: ben.user.id, username: ben.user.username },
      { id: ann.user.id, username: ann.user.username },
    ]);
    const times = items.map((i) => Date.parse(i.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const item of items) expect(item.visibility).toBe("public");
  });

  test("anonymous without scope gets the same gallery; pages follow nextCursor in the same order", async () => {
    const all = await jsonOf<ImagePage>(await fetch(`${suite.url}/api/v1/images`));
    expect(all.items.map((i) => i.id)).toEqual([uploaded[4]!.id, uploaded[2]!.id, uploaded[0]!.id]);
    const first = await jsonOf<ImagePage>(await fetch(`${suite.url}/api/v1/images?scope=public&limit=2`));
    const second = await jsonOf<ImagePage>(await fetch(`${suite.url}/api/v1/images?scope=public&limit=2&cursor=${first.nextCursor}`));
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    expect(second.nextCursor).toBeNull();
  });
});
