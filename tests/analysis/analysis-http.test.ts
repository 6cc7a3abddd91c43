// SPEC §9 through HTTP: every image is analysed after its previews (colours, labels on a real photo),
// nothing it learns is stored in the clear, and `--analysis off` keeps colours without labels.
import { beforeAll, describe, expect, test } from "bun:test";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { COLOR_BUCKETS } from "../../src/media/analysis/color-buckets.ts";
import { call, expectProblem, signedInUser } from "../support/accounts.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { listAll, uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { analysedImage, databaseBytes, solidPng } from "../support/analysis-api.ts";

const PHOTOS = join(import.meta.dir, "../fixtures/photos");
const photo = (name: string) => fs.readFile(join(PHOTOS, name));

describe("analysis on", () => {
  const server = useInProcessServer();
  let token: string;
  let astronaut: ImageBody;
  let red: ImageBody;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
    astronaut = await analysedImage(
      server.url,
      token,
      (await uploadOne(server.url, token, { name: "astronaut.jpg", bytes: await photo("astronaut.jpg") })).id,
    );
    red = await analysedImage(
      server.url,
      token,
      (await uploadOne(server.url, token, { name: "red.png", bytes: await solidPng(230, 20, 20) })).id,
    );
  });

  test("a real photo becomes ready with its colours and a person", () => {
    expect(astronaut.previews.status).toBe("ready");
    expect(astronaut.analysis.status).toBe("ready");
    expect(astronaut.analysis.colors.length).toBeGreaterThan(0);
    expect(astronaut.analysis.colors.length).toBeLessThanOrEqual(5);
    for (const colour of astronaut.analysis.colors) expect(colour).toMatch(/^#[0-9a-f]{6}$/);
    const person = astronaut.analysis.labels.find((l) => l.name === "person");
    expect(person?.score).toBeGreaterThanOrEqual(0.4);
    for (const label of astronaut.analysis.labels) expect(label.score).toBeGreaterThanOrEqual(0.4);
  });

  test("a solid colour has that one colour and no label", () => {
    expect(red.analysis.status).toBe("ready");
    expect(red.analysis.colors).toHaveLength(1);
    expect(red.analysis.labels).toEqual([]);
  });

  const idsOf = async (token: string | undefined, query: Record<string, string>) =>
    (await listAll(server.url, token, query)).map((i) => i.id);

  test("label= finds the photo with a person and not the blank image; q= matches label words", async () => {
    expect(await idsOf(token, { label: "person" })).toEqual([astronaut.id]);
    expect(await idsOf(token, { label: "Person" })).toEqual([astronaut.id]);
    expect(await idsOf(token, { label: "giraffe" })).toEqual([]);
    expect(await idsOf(token, { q: "person" })).toEqual([astronaut.id]);
  });

  test("color= finds a solid red image under red and not under blue; filters combine", async () => {
    expect(await idsOf(token, { color: "red" })).toContain(red.id);
    expect(await idsOf(token, { color: "blue" })).not.toContain(red.id);
    expect(await idsOf(token, { color: "red", label: "person" })).not.toContain(red.id);
    expect(await idsOf(token, { color: "RED", type: "png" })).toEqual([red.id]);
  });

  test("a colour that is not one of the twelve is 422", async () => {
    const res = await call(server.url, "GET", "/api/v1/images?color=mauve", { token });
    await expectProblem(res, 422, "validation_failed");
  });

  test("scope=public finds public images by label anonymously, once they are public", async () => {
    expect(await idsOf(undefined, { scope: "public", label: "person" })).toEqual([]);
    const res = await call(server.url, "PATCH", `/api/v1/images/${astronaut.id}`, { token, json: { visibility: "public" } });
    expect(res.status).toBe(200);
    expect(await idsOf(undefined, { scope: "public", label: "person" })).toEqual([astronaut.id]);
    expect(astronautBucket()).not.toBe("");
    expect(await idsOf(undefined, { scope: "public", color: astronautBucket() })).toEqual([astronaut.id]);
    // Still the owner's to find under scope=mine, now under the public key.
    expect(await idsOf(token, { label: "person" })).toEqual([astronaut.id]);
  });

  /** A bucket of the astronaut's colours, read back through the search itself under scope=mine. */
  let bucket = "";
  const astronautBucket = () => bucket;
  beforeAll(async () => {
    for (const name of COLOR_BUCKETS) {
      if ((await idsOf(token, { color: name })).includes(astronaut.id)) {
        bucket = name;
        break;
      }
    }
  });

  test("the database holds no label or colour in the clear", async () => {
    const bytes = await databaseBytes(server.dataDir);
    expect(bytes.length).toBeGreaterThan(0);
    for (const secret of ["person", ...astronaut.analysis.colors, ...red.analysis.colors]) {
      expect({ secret, found: bytes.includes(Buffer.from(secret)) }).toEqual({ secret, found: false });
    }
  });
});

describe("--analysis off", () => {
  const server = useInProcessServer(["--analysis", "off"]);
  test("colours are made, labels are not", async () => {
    const { token } = await signedInUser(server.url);
    const uploaded = await uploadOne(server.url, token, { name: "astronaut.jpg", bytes: await photo("astronaut.jpg") });
    const image = await analysedImage(server.url, token, uploaded.id);
    expect(image.analysis.status).toBe("ready");
    expect(image.analysis.colors.length).toBeGreaterThan(0);
    expect(image.analysis.labels).toEqual([]);
  });
});
