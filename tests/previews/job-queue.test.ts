// When previews are made: by the background pool right after an upload, or on demand when the pool is off, once per image however many ask at once.
import { Database } from "bun:sqlite";
import { beforeAll, describe, expect, test } from "bun:test";
import type { Sharp } from "../../src/media/sharp-loader.ts";
import { photo } from "../media/photo-samples.ts";
import { signedInUser } from "../support/accounts.ts";
import { bytesOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { type InProcessServer, useInProcessServer } from "../support/in-process.ts";
import { imageOf, previewOf, settledImage, testSharp } from "../support/previews-api.ts";

const PREVIEW_ROUTE = "/api/v1/images/:id/preview";

/** The job row of an image, read from the server's SQLite file beside it. */
function jobRow(server: InProcessServer, imageId: string): { status: string; attempts: number; lease_owner: string | null } {
  const db = new Database(new URL(server.app.config.databaseUrl).pathname, { readonly: true });
  try {
    const row = db.query("SELECT status, attempts, lease_owner FROM image_media WHERE image_id = ?").get(imageId);
    if (!row) throw new Error(`no job row for ${imageId}`);
    return row as { status: string; attempts: number; lease_owner: string | null };
  } finally {
    db.close();
  }
}

const previewRequests = (server: InProcessServer) => server.server.logs().filter((l) => l.msg === "request" && l.route === PREVIEW_ROUTE);

describe("with the default pool (one background worker)", () => {
  const server = useInProcessServer();
  let sharp: Sharp;
  beforeAll(() => {
    sharp = testSharp();
  });

  test("an upload's previews go pending → ready with no preview request at all", async () => {
    const { token } = await signedInUser(server.url);
    const uploaded = await uploadOne(server.url, token, { name: "bg.jpg", bytes: await photo(sharp, { width: 2400, height: 1600 }) });
    expect(uploaded.previews).toEqual({ status: "pending" });
    const image = await settledImage(server.url, token, uploaded.id);
    expect(image.previews).toEqual({ status: "ready" });
    expect(jobRow(server, uploaded.id)).toEqual({ status: "ready", attempts: 1, lease_owner: null });
    expect(previewRequests(server)).toEqual([]);
    // Made already: the first request is served from the store.
    expect((await previewOf(server.url, token, uploaded.id, "display")).status).toBe(200);
  });

  test("a burst of uploads is worked through, every one ready, each job claimed once", async () => {
    const { token } = await signedInUser(server.url);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const bytes = await photo(sharp, { width: 600 + i * 10, height: 400, exif: false });
      ids.push((await uploadOne(server.url, token, { name: `burst-${i}.jpg`, bytes })).id);
    }
    for (const id of ids) expect((await settledImage(server.url, token, id)).previews).toEqual({ status: "ready" });
    for (const id of ids) expect(jobRow(server, id).attempts).toBe(1);
  });
});

describe("with --preview-workers 0 (on demand only)", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  let sharp: Sharp;
  let token: string;
  beforeAll(async () => {
    sharp = testSharp();
    token = (await signedInUser(server.url)).token;
  });

  test("an upload stays pending until a preview is asked for, which makes it and answers 200", async () => {
    const uploaded = await uploadOne(server.url, token, { name: "lazy.jpg", bytes: await photo(sharp, { width: 1200, height: 900 }) });
    // Longer than a background worker would need, and than its poll interval.
    await Bun.sleep(2500);
    expect((await imageOf(server.url, token, uploaded.id)).previews).toEqual({ status: "pending" });
    expect(jobRow(server, uploaded.id)).toEqual({ status: "pending", attempts: 0, lease_owner: null });

    const res = await previewOf(server.url, token, uploaded.id, "thumb");
    expect(res.status).toBe(200);
    expect((await sharp(await bytesOf(res)).metadata()).width).toBe(400);
    expect((await imageOf(server.url, token, uploaded.id)).previews).toEqual({ status: "ready" });
    expect(jobRow(server, uploaded.id)).toEqual({ status: "ready", attempts: 1, lease_owner: null });
  });

  test("10 concurrent requests for one pending image get identical bytes, and its job ran once", async () => {
    const bytes = await photo(sharp, { width: 3000, height: 2000 });
    const uploaded = await uploadOne(server.url, token, { name: "crowd.jpg", bytes });
    expect(jobRow(server, uploaded.id).status).toBe("pending");
    const answers = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await previewOf(server.url, token, uploaded.id, i % 2 ? "display" : "thumb");
        return { size: i % 2 ? "display" : "thumb", status: res.status, etag: res.headers.get("etag"), sha: sha256Hex(await bytesOf(res)) };
      }),
    );
    for (const size of ["thumb", "display"]) {
      const mine = answers.filter((a) => a.size === size);
      expect(mine.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(mine.map((a) => a.sha)).size).toBe(1);
      expect(mine[0]!.etag).toBe(`"${mine[0]!.sha}"`);
    }
    // Each run of a job claims it, and each claim counts: a second run would have made this 2.
    expect(jobRow(server, uploaded.id)).toEqual({ status: "ready", attempts: 1, lease_owner: null });
  });
});
