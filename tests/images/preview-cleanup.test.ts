// An image's previews go wherever the image goes: deleted one by one, in bulk, or replaced by an
// upload of the same name, its `<id>.thumb` and `<id>.display` blobs leave the disk with it.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { call, signedInUser } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";

const suite = useInProcessServer();

const blobFiles = (id: string) => {
  const dir = join(suite.dataDir, "blobs", id.slice(0, 2), id.slice(2, 4));
  return [id, `${id}.thumb`, `${id}.display`].map((name) => join(dir, name));
};

/** Uploads a PNG and has its previews made (asking for one makes both); asserts all three blobs are on disk. */
async function withPreviews(token: string, name: string, seed: number): Promise<string> {
  const image = await uploadOne(suite.url, token, { name, bytes: noisePng({ width: 64, height: 48, seed }) });
  expect((await call(suite.url, "GET", `/api/v1/images/${image.id}/preview`, { token })).status).toBe(200);
  expect(blobFiles(image.id).map(existsSync)).toEqual([true, true, true]);
  return image.id;
}

describe("previews leave with their image", () => {
  test("DELETE /api/v1/images/:id", async () => {
    const user = await signedInUser(suite.url);
    const id = await withPreviews(user.token, "one.png", 1);
    expect((await call(suite.url, "DELETE", `/api/v1/images/${id}`, { token: user.token })).status).toBe(204);
    expect(blobFiles(id).map(existsSync)).toEqual([false, false, false]);
  });

  test("POST /api/v1/images/delete, and only the images named", async () => {
    const user = await signedInUser(suite.url);
    const [a, b, kept] = [
      await withPreviews(user.token, "a.png", 2),
      await withPreviews(user.token, "b.png", 3),
      await withPreviews(user.token, "c.png", 4),
    ];
    const res = await call(suite.url, "POST", "/api/v1/images/delete", { token: user.token, json: { ids: [a, b] } });
    expect(res.status).toBe(200);
    for (const id of [a, b]) expect(blobFiles(id).map(existsSync)).toEqual([false, false, false]);
    expect(blobFiles(kept).map(existsSync)).toEqual([true, true, true]);
  });

  test("an upload that replaces an image of the same name", async () => {
    const user = await signedInUser(suite.url);
    const old = await withPreviews(user.token, "same.png", 5);
    const replacement = await uploadOne(
      suite.url,
      user.token,
      { name: "same.png", bytes: noisePng({ width: 64, height: 48, seed: 6 }) },
      { onConflict: "replace" },
    );
    expect(replacement.id).not.toBe(old);
    expect(blobFiles(old).map(existsSync)).toEqual([false, false, false]);
  });
});
