// Resumable uploads (SPEC §12) in process, over the binary's own HTTP adapter: the tus 1.0
// protocol (core, creation, creation-with-upload, termination, expiration), the finish through
// the §4 rules, quota, another user's upload, and expiry on the test clock.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { call, expectProblem, invalidFields, registerUser, loginToken } from "../support/accounts.ts";
import type { ImageBody, MeBody } from "../support/api-bodies.ts";
import { uploadPartFiles } from "../support/data-files.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadOne, uploadRaw } from "../support/images-api.ts";
import { noisePng, pngOfSize } from "../support/images.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { metadataHeader, overHttp, TUS, type TusClient, tusClient } from "../support/tus.ts";

const MAX = 3_000_000;
const suite = useInProcessServer(["--max-image-bytes", String(MAX)]);
let token: string;
let tus: TusClient;
/** The part blobs (and temp files) of one upload on disk. */
const partsOf = (location: string) => uploadPartFiles(join(suite.dataDir, "blobs")).filter((f) => f.includes(location.split("/").pop()!));

async function freshUser(): Promise<{ token: string; tus: TusClient; signIn(): Promise<string> }> {
  const user = await registerUser(suite.url);
  const signIn = () => loginToken(suite.url, user.username, user.password);
  const t = await signIn();
  return { token: t, tus: tusClient(overHttp(suite.url), t), signIn };
}
let signIn: () => Promise<string>;

async function created(res: Response): Promise<string> {
  expect({ status: res.status, body: await res.text() }).toMatchObject({ status: 201 });
  const location = res.headers.get("location")!;
  expect(location).toMatch(/^\/api\/v1\/uploads\/[A-Za-z0-9_-]{22}$/);
  return location;
}

/** HEAD answers no body: a 404 is its status (and its Tus-Resumable). */
async function expectGone(client: TusClient, location: string): Promise<void> {
  const res = await client.head(location);
  expect(res.status).toBe(404);
  expect(res.headers.get("tus-resumable")).toBe("1.0.0");
}

const image = async (id: string, t = token) =>
  (await jsonOf<{ image: ImageBody }>(await call(suite.url, "GET", `/api/v1/images/${id}`, { token: t }))).image;

beforeAll(async () => {
  ({ token, tus, signIn } = await freshUser());
});

describe("the tus protocol", () => {
  test("OPTIONS tells the version, the extensions and the largest upload, without credentials", async () => {
    for (const path of ["/api/v1/uploads", "/api/v1/uploads/anything"]) {
      const res = await call(suite.url, "OPTIONS", path);
      expect(res.status).toBe(204);
      expect(res.headers.get("tus-resumable")).toBe("1.0.0");
      expect(res.headers.get("tus-version")).toBe("1.0.0");
      expect(res.headers.get("tus-extension")).toBe("creation,creation-with-upload,termination,expiration");
      expect(res.headers.get("tus-max-size")).toBe(String(MAX));
    }
  });

  test("every answer carries Tus-Resumable; a request without the version, or with another, is 412", async () => {
    const anonymous = await call(suite.url, "POST", "/api/v1/uploads", { headers: { ...TUS, "Upload-Length": "10" } });
    expect(anonymous.headers.get("tus-resumable")).toBe("1.0.0");
    await expectProblem(anonymous, 401, "unauthorized");
    for (const headers of [{}, { "Tus-Resumable": "0.2.2" }] as Record<string, string>[]) {
      const res = await call(suite.url, "POST", "/api/v1/uploads", { token, headers: { ...headers, "Upload-Length": "10" } });
      expect(res.headers.get("tus-version")).toBe("1.0.0");
      expect(res.headers.get("tus-resumable")).toBe("1.0.0");
      await expectProblem(res, 412, "precondition_failed");
    }
  });

  test("creation answers the upload's URL and expiry; HEAD answers offset, length and the metadata as sent", async () => {
    const metadata = { filename: "héllo wörld.png", tags: "a,b", filetype: "image/png" };
    const before = Date.now();
    const res = await tus.create(5000, metadata);
    const location = await created(res);
    const expires = Date.parse(res.headers.get("upload-expires")!);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 24 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    const head = await tus.head(location);
    expect(head.status).toBe(200);
    expect(head.headers.get("upload-offset")).toBe("0");
    expect(head.headers.get("upload-length")).toBe("5000");
    expect(head.headers.get("upload-metadata")).toBe(metadataHeader(metadata));
    expect(head.headers.get("upload-expires")).toBe(res.headers.get("upload-expires"));
    expect(head.headers.get("cache-control")).toBe("no-store");
    expect(head.headers.get("tus-resumable")).toBe("1.0.0");
    // tus has no GET of an upload.
    await expectProblem(await call(suite.url, "GET", location, { token, headers: TUS }), 405, "method_not_allowed");
  });

  test("bad creations are refused before anything is stored", async () => {
    const post = (headers: Record<string, string>) =>
      call(suite.url, "POST", "/api/v1/uploads", { token, headers: { ...TUS, ...headers } });
    const named = { "Upload-Metadata": metadataHeader({ filename: "a.png" }) };
    await expectProblem(await post(named), 400, "bad_request");
    await expectProblem(await post({ ...named, "Upload-Length": "12abc" }), 400, "bad_request");
    await expectProblem(await post({ ...named, "Upload-Length": "-1" }), 400, "bad_request");
    await expectProblem(await post({ ...named, "Upload-Defer-Length": "1" }), 400, "bad_request");
    await expectProblem(await post({ "Upload-Length": "10", "Upload-Metadata": "filename not*base64" }), 400, "bad_request");
    await expectProblem(
      await post({ "Upload-Length": "10", "Upload-Metadata": "filename YS5wbmc=,filename YS5wbmc=" }),
      400,
      "bad_request",
    );
    const noName = await expectProblem(
      await post({ "Upload-Length": "10", "Upload-Metadata": metadataHeader({ tags: "x" }) }),
      422,
      "validation_failed",
    );
    expect(invalidFields(noName)).toEqual(["filename"]);
    const badOptions = await expectProblem(
      await post({
        "Upload-Length": "10",
        "Upload-Metadata": metadataHeader({ filename: "a.png", visibility: "secret", onConflict: "merge" }),
      }),
      422,
      "validation_failed",
    );
    expect(invalidFields(badOptions)).toEqual(["onConflict", "visibility"]);
    await expectProblem(
      await post({ "Upload-Length": "10", "Upload-Metadata": metadataHeader({ filename: "a\u0007.png" }) }),
      422,
      "validation_failed",
    );
    await expectProblem(await post({ ...named, "Upload-Length": String(MAX + 1) }), 413, "payload_too_large");
    const textBody = await call(suite.url, "POST", "/api/v1/uploads", {
      token,
      headers: { ...TUS, ...named, "Upload-Length": "10", "Content-Type": "text/plain" },
      body: "abc",
    });
    await expectProblem(textBody, 415, "unsupported_media_type");
    const notMine = await post({ "Upload-Length": "10", "Upload-Metadata": metadataHeader({ filename: "a.png", album: "no-such-album" }) });
    await expectProblem(notMine, 404, "not_found");
  });

  test("a PATCH must name the upload's offset, send offset+octet-stream and stay within Upload-Length", async () => {
    const location = await created(await tus.create(1000, { filename: "rules.png" }));
    const patch = (headers: Record<string, string>, body: Uint8Array) =>
      call(suite.url, "PATCH", location, { token, headers: { ...TUS, ...headers }, body });
    const bytes = new Uint8Array(400).fill(7);
    await expectProblem(
      await patch({ "Content-Type": "application/octet-stream", "Upload-Offset": "0" }, bytes),
      415,
      "unsupported_media_type",
    );
    await expectProblem(await patch({ "Content-Type": "application/offset+octet-stream" }, bytes), 400, "bad_request");
    const mismatch = await expectProblem(await tus.patch(location, 10, bytes), 409, "conflict");
    expect(mismatch.offset).toBe(0);
    expect((await tus.patch(location, 0, bytes)).headers.get("upload-offset")).toBe("400");
    await expectProblem(await tus.patch(location, 0, bytes), 409, "conflict");
    await expectProblem(await tus.patch(location, 400, new Uint8Array(601)), 413, "payload_too_large");
    expect((await tus.head(location)).headers.get("upload-offset")).toBe("400");
  });
});

describe("an upload that completes", () => {
  test("PATCHes of any size become the image, byte-exact, with the metadata's options; the upload is gone", async () => {
    const bytes = noisePng({ width: 320, height: 240, seed: 71 });
    const metadata = { filename: "../../holiday.png", tags: "Sea,sun", description: "two lines\nof text", visibility: "public" };
    const location = await created(await tus.create(bytes.length, metadata));
    let offset = 0;
    for (const size of [100_001, 65_536, 1]) {
      const res = await tus.patch(location, offset, bytes.subarray(offset, offset + size));
      expect(res.status).toBe(204);
      offset += size;
      expect(res.headers.get("upload-offset")).toBe(String(offset));
      expect(res.headers.get("pixvault-image-id")).toBeNull();
      expect((await tus.head(location)).headers.get("upload-offset")).toBe(String(offset));
    }
    const last = await tus.patch(location, offset, bytes.subarray(offset));
    expect(last.status).toBe(204);
    expect(last.headers.get("upload-offset")).toBe(String(bytes.length));
    const id = last.headers.get("pixvault-image-id")!;
    expect(await image(id)).toMatchObject({
      filename: "holiday.png",
      contentType: "image/png",
      size: bytes.length,
      width: 320,
      height: 240,
      sha256: sha256Hex(bytes),
      tags: ["sea", "sun"],
      description: "two lines\nof text",
      visibility: "public",
      previews: { status: expect.stringMatching(/^(pending|ready)$/) },
    });
    expect(sha256Hex(await bytesOf(await contentOf(suite.url, token, id)))).toBe(sha256Hex(bytes));
    await expectGone(tus, location);
    await expectProblem(await tus.patch(location, offset, new Uint8Array(1)), 404, "not_found");
    expect(partsOf(location)).toEqual([]);
  });

  test("creation-with-upload: a whole file in the POST is an image at once; part of one goes on with PATCH", async () => {
    const whole = noisePng({ width: 64, height: 64, seed: 72 });
    const res = await tus.create(whole.length, { filename: "at-once.png" }, whole);
    await created(res);
    expect(res.headers.get("upload-offset")).toBe(String(whole.length));
    expect((await image(res.headers.get("pixvault-image-id")!)).sha256).toBe(sha256Hex(whole));

    const bytes = noisePng({ width: 200, height: 100, seed: 73 });
    const begun = await tus.create(bytes.length, { filename: "begun.png" }, bytes.subarray(0, 30_000));
    const location = await created(begun);
    expect(begun.headers.get("upload-offset")).toBe("30000");
    expect(begun.headers.get("pixvault-image-id")).toBeNull();
    const done = await tus.patch(location, 30_000, bytes.subarray(30_000));
    expect((await image(done.headers.get("pixvault-image-id")!)).sha256).toBe(sha256Hex(bytes));
  });

  test("the album named in the metadata gets the image; onConflict=rename renames as POST /images does", async () => {
    const album = await jsonOf<{ album: { id: string } }>(
      await call(suite.url, "POST", "/api/v1/albums", { token, json: { name: "Trip" } }),
    );
    const bytes = noisePng({ width: 40, height: 40, seed: 74 });
    await uploadOne(suite.url, token, { name: "twice.png", bytes });
    const res = await tus.upload(bytes, { filename: "twice.png", onConflict: "rename", album: album.album.id });
    const id = res.headers.get("pixvault-image-id")!;
    expect((await image(id)).filename).toBe("twice (1).png");
    expect((await listAll(suite.url, token, { album: album.album.id })).map((i) => i.id)).toEqual([id]);
  });
});

describe("a finish that fails answers the §4 problem, and the upload's data is gone", () => {
  test("bytes that are not an image: 415", async () => {
    const text = Buffer.from("just some text, certainly not a picture\n".repeat(3000));
    const location = await created(await tus.create(text.length, { filename: "notes.png" }));
    expect((await tus.patch(location, 0, text.subarray(0, 70_000))).status).toBe(204);
    const last = await tus.patch(location, 70_000, text.subarray(70_000));
    expect(last.headers.get("tus-resumable")).toBe("1.0.0");
    await expectProblem(last, 415, "unsupported_media_type");
    await expectGone(tus, location);
    expect(partsOf(location)).toEqual([]);
    expect((await listAll(suite.url, token, { q: "notes" })).length).toBe(0);
  });

  test("a name already taken: 409 name_conflict; an empty file: 415 at once", async () => {
    const bytes = noisePng({ width: 30, height: 30, seed: 75 });
    await uploadOne(suite.url, token, { name: "taken.png", bytes });
    const location = await created(await tus.create(bytes.length, { filename: "taken.png" }));
    await expectProblem(await tus.patch(location, 0, bytes), 409, "name_conflict");
    await expectGone(tus, location);
    expect(partsOf(location)).toEqual([]);
    await expectProblem(await tus.create(0, { filename: "empty.png" }), 415, "unsupported_media_type");
  });
});

describe("termination and ownership", () => {
  test("DELETE removes the upload and its data", async () => {
    const bytes = noisePng({ width: 100, height: 100, seed: 76 });
    const location = await created(await tus.create(bytes.length, { filename: "abandoned.png" }));
    await tus.patch(location, 0, bytes.subarray(0, 9_000));
    expect(partsOf(location).length).toBe(1);
    const res = await tus.terminate(location);
    expect(res.status).toBe(204);
    expect(res.headers.get("tus-resumable")).toBe("1.0.0");
    await expectGone(tus, location);
    await expectProblem(await tus.patch(location, 9_000, bytes.subarray(9_000)), 404, "not_found");
    await expectProblem(await tus.terminate(location), 404, "not_found");
    expect(partsOf(location)).toEqual([]);
  });

  test("another user's upload is 404 to every method, and stays intact for its owner", async () => {
    const bytes = noisePng({ width: 50, height: 50, seed: 78 });
    const location = await created(await tus.create(bytes.length, { filename: "mine.png" }));
    await tus.patch(location, 0, bytes.subarray(0, 1000));
    const other = await freshUser();
    await expectGone(other.tus, location);
    await expectProblem(await other.tus.patch(location, 1000, bytes.subarray(1000)), 404, "not_found");
    await expectProblem(await other.tus.terminate(location), 404, "not_found");
    const anonymous = await call(suite.url, "HEAD", location, { headers: TUS });
    expect(anonymous.status).toBe(401);
    const done = await tus.patch(location, 1000, bytes.subarray(1000));
    expect((await image(done.headers.get("pixvault-image-id")!)).sha256).toBe(sha256Hex(bytes));
  });
});

describe("deleting the account", () => {
  test("takes its unfinished uploads' data with it", async () => {
    const user = await registerUser(suite.url);
    const t = await loginToken(suite.url, user.username, user.password);
    const client = tusClient(overHttp(suite.url), t);
    const bytes = noisePng({ width: 100, height: 100, seed: 82 });
    const location = await created(await client.create(bytes.length, { filename: "left-behind.png" }));
    await client.patch(location, 0, bytes.subarray(0, 10_000));
    await client.patch(location, 10_000, bytes.subarray(10_000, 20_000));
    expect(partsOf(location).length).toBe(2);
    expect((await call(suite.url, "DELETE", "/api/v1/me", { token: t, json: { password: user.password } })).status).toBe(204);
    expect(partsOf(location)).toEqual([]);
  });
});

describe("quota", () => {
  const quota = useInProcessServer(["--user-quota-bytes", "1000000"]);

  test("an unfinished upload counts its declared length against the quota until it finishes or goes", async () => {
    const user = await registerUser(quota.url);
    const t = await loginToken(quota.url, user.username, user.password);
    const client = tusClient(overHttp(quota.url), t);
    const big = pngOfSize(600_000, 79);
    const location = await created(await client.create(big.length, { filename: "big.png" }));
    // 600 kB held for it: 500 kB more fits neither as a second upload nor through POST /images.
    const half = pngOfSize(500_000, 80);
    await expectProblem(await client.create(half.length, { filename: "half.png" }), 413, "quota_exceeded");
    await expectProblem(await uploadRaw(quota.url, t, half, { filename: "half.png" }), 413, "quota_exceeded");
    const done = await client.patch(location, 0, big);
    expect(done.headers.get("pixvault-image-id")).not.toBeNull();
    const me = await jsonOf<{ user: MeBody }>(await call(quota.url, "GET", "/api/v1/me", { token: t }));
    expect(me.user.usage.bytes).toBe(big.length);
    await expectProblem(await uploadRaw(quota.url, t, half, { filename: "half.png" }), 413, "quota_exceeded");
    const small = noisePng({ width: 100, height: 100, seed: 81 });
    const held = await created(await client.create(small.length, { filename: "small.png" }));
    await client.terminate(held);
    expect((await uploadRaw(quota.url, t, small, { filename: "small.png" })).status).toBe(201);
  });
});

// Last: it moves the suite's clock a day on.
describe("expiration", () => {
  test("after 24 hours an upload is gone with its data: when asked for, and by the sweep", async () => {
    const bytes = noisePng({ width: 100, height: 100, seed: 77 });
    const asked = await created(await tus.create(bytes.length, { filename: "late.png" }));
    const swept = await created(await tus.create(bytes.length, { filename: "forgotten.png" }));
    await tus.patch(asked, 0, bytes.subarray(0, 5_000));
    await tus.patch(swept, 0, bytes.subarray(0, 5_000));
    suite.app.clock.advance(24 * 3_600_000 - 60_000);
    // The session ran out with the day: a new one, as the client would.
    token = await signIn();
    tus = tusClient(overHttp(suite.url), token);
    expect((await tus.head(asked)).status).toBe(200);
    suite.app.clock.advance(60_000);
    await expectProblem(await tus.patch(asked, 5_000, bytes.subarray(5_000)), 404, "not_found");
    expect(partsOf(asked)).toEqual([]);
    expect(partsOf(swept).length).toBe(1);
    // The sweep takes every expired upload, the ones of earlier tests too.
    expect(await suite.app.images.resumableUploads.sweep()).toBeGreaterThanOrEqual(1);
    expect(partsOf(swept)).toEqual([]);
    await expectGone(tus, swept);
  });
});
