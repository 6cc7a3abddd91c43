// Work done once, counted: a zip download unwraps each entry's data key once (the describe
// pass keeps it for the bytes), and an upload answers from what it sealed without unwrapping.
import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import * as dataKeys from "../../src/crypto/data-key.ts";
import { createTestApp, type TestApp } from "../../src/test-app.ts";
import { pngOfSize } from "../support/images.ts";
import { sendJson, uploaded } from "../domain/app-client.ts";

let t: TestApp;
let token: string;
const unwraps = spyOn(dataKeys, "unwrapDataKey");

beforeAll(async () => {
  // No background previews: a preview job unwraps its image's data key too, and would be counted here.
  t = await createTestApp({ flags: ["--preview-workers", "0"] });
  token = (await t.signUp()).token;
});
afterAll(() => {
  unwraps.mockRestore();
  t.close();
});

test("an upload unwraps no data key: its answer is built from what it just sealed", async () => {
  unwraps.mockClear();
  const image = await uploaded(t, token, "fresh.png", pngOfSize(2000, 1), { tags: "a,b", description: "said once" });
  expect(unwraps).toHaveBeenCalledTimes(0);
  // The answer is what a read gives back.
  const read = await sendJson(t, "GET", `/api/v1/images/${image.id}`, token);
  expect(((await read.json()) as { image: unknown }).image).toEqual(image);
});

test("a zip download unwraps each entry's data key once", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) ids.push((await uploaded(t, token, `zip-${i}.png`, pngOfSize(3000 + i, 10 + i))).id);
  unwraps.mockClear();
  const res = await sendJson(t, "POST", "/api/v1/images/archive", token, { ids });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  expect(unwraps).toHaveBeenCalledTimes(ids.length);
});

test("reading an image's bytes, or changing it, unwraps its data key once", async () => {
  const image = await uploaded(t, token, "once.png", pngOfSize(2500, 5));
  unwraps.mockClear();
  const content = await sendJson(t, "GET", `/api/v1/images/${image.id}/content`, token);
  expect(content.status).toBe(200);
  await content.arrayBuffer();
  expect(unwraps).toHaveBeenCalledTimes(1);
  unwraps.mockClear();
  const changed = await sendJson(t, "PATCH", `/api/v1/images/${image.id}`, token, { tags: ["x"] });
  expect(changed.status).toBe(200);
  expect(unwraps).toHaveBeenCalledTimes(1);
});
