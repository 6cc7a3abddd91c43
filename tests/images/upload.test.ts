// Uploads through a real server: multipart and raw bodies, sniffed types, limits, per-file
// results (201/207/first failure), sanitised names, and bad multipart.
import { beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { call, expectProblem, invalidFields, loginToken, registerUser } from "../support/accounts.ts";
import type { MeBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, IMAGE_FIELDS, listAll, sha256Hex, uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { FIXTURES, fixtureImage, noisePng, pngOfSize, REFUSED_FIXTURES } from "../support/images.ts";
import { imageIdOfBlob } from "../../src/domain/previews/ports.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { exifJpeg } from "../support/exif-photos.ts";
import { imageOf, previewOf, settledImage } from "../support/previews-api.ts";

async function freshToken(url: string): Promise<string> {
  const user = await registerUser(url);
  return loginToken(url, user.username, user.password);
}

async function usage(url: string, token: string): Promise<{ images: number; bytes: number }> {
  const body = await jsonOf<{ user: MeBody }>(await call(url, "GET", "/api/v1/me", { token }));
  return { images: body.user.usage.images, bytes: body.user.usage.bytes };
}

describe("uploading images", () => {
  const suite = useInProcessServer(["--max-image-bytes", "3000000"]);
  let token: string;
  beforeAll(async () => {
    token = await freshToken(suite.url);
  });

  test("every accepted format is stored with the type and size its bytes say, whatever the client claims", async () => {
    const files = FIXTURES.map((f, i) => ({ name: `claimed-${i}.txt`, bytes: fixtureImage(f.file), type: "text/plain" }));
    const res = await uploadFiles(suite.url, token, files);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(201);
    expect(body.failed).toEqual([]);
    expect(body.created.map((i) => [i.contentType, i.width, i.height])).toEqual(FIXTURES.map((f) => [f.contentType, f.width, f.height]));
    for (const [i, image] of body.created.entries()) {
      expect(Object.keys(image).sort()).toEqual(IMAGE_FIELDS);
      expect(image.size).toBe(files[i]!.bytes.length);
      expect(image.sha256).toBe(sha256Hex(files[i]!.bytes));
      expect(image.visibility).toBe("private");
    }
  });

  test("a raw body with ?filename= works by POST (--data-binary) and by PUT (curl -T), with options in the query", async () => {
    const png = noisePng({ width: 64, height: 32, seed: 11 });
    const res = await uploadRaw(suite.url, token, png, {
      filename: "raw.png",
      visibility: "public",
      tags: "Sky,sea",
      description: "by POST",
    });
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(201);
    expect(body.created[0]).toMatchObject({
      filename: "raw.png",
      visibility: "public",
      tags: ["sky", "sea"],
      description: "by POST",
      width: 64,
      height: 32,
    });
    const put = await uploadRaw(suite.url, token, noisePng({ width: 8, height: 8, seed: 12 }), { filename: "put.png" }, "PUT");
    expect(put.status).toBe(201);
    expect((await bytesOf(await contentOf(suite.url, token, body.created[0]!.id))).equals(png)).toBe(true);
  });

  test("a raw body without ?filename= is 422 naming the field", async () => {
    const res = await uploadRaw(suite.url, token, noisePng({ width: 8, height: 8 }), {});
    expect(invalidFields(await expectProblem(res, 422, "validation_failed"))).toEqual(["filename"]);
  });

  test("options as form fields apply to the files after them", async () => {
    const res = await uploadFiles(suite.url, token, [{ name: "opt.png", bytes: noisePng({ width: 9, height: 9, seed: 13 }) }], {
      visibility: "public",
      tags: "a, B ,a",
      description: "line one\nline two",
      onConflict: "rename",
    });
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(201);
    expect(body.created[0]).toMatchObject({ visibility: "public", tags: ["a", "b"], description: "line one\nline two" });
  });

  test("invalid options fail each file with 422 and the field names", async () => {
    const res = await uploadFiles(suite.url, token, [{ name: "bad-opt.png", bytes: noisePng({ width: 9, height: 9, seed: 14 }) }], {
      visibility: "secret",
      onConflict: "overwrite",
    });
    const body = await expectProblem(res, 422, "validation_failed");
    expect(body.failed).toHaveLength(1);
    expect(body.failed[0]!.errors.map((e: { field: string }) => e.field).sort()).toEqual(["onConflict", "visibility"]);
  });

  test("things that are not accepted images are 415 unsupported_media_type, each judged alone (207)", async () => {
    const good = noisePng({ width: 10, height: 10, seed: 15 });
    const files = [
      { name: "good.png", bytes: good },
      ...REFUSED_FIXTURES.map((f) => ({ name: `refused-${f.file}.png`, bytes: fixtureImage(f.file), type: "image/png" })),
      { name: "empty.png", bytes: new Uint8Array(0) },
    ];
    const res = await uploadFiles(suite.url, token, files);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(207);
    expect(body.created.map((i: { filename: string }) => i.filename)).toEqual(["good.png"]);
    expect(body.failed.map((f) => [f.filename, f.status, f.code])).toEqual(
      files.slice(1).map((f) => [f.name, 415, "unsupported_media_type"]),
    );
    expect(body.failed.find((f) => f.filename === "refused-sample.pdf.png")!.detail).toContain("application/pdf");
    expect(body.failed.at(-1)!.detail).toContain("empty");
  });

  test("when every file fails, the status is the first failure's and the body is problem+json with the per-file list", async () => {
    const res = await uploadFiles(suite.url, token, [
      { name: "a.svg", bytes: fixtureImage("sample.svg") },
      { name: "b.png", bytes: pngOfSize(3_100_000, 3) },
    ]);
    const body = await expectProblem(res, 415, "unsupported_media_type");
    expect(body.created).toEqual([]);
    expect(body.failed.map((f: { code: string }) => f.code)).toEqual(["unsupported_media_type", "payload_too_large"]);
  });

  test("a file over --max-image-bytes is 413 payload_too_large, raw (known length) and multipart (counted)", async () => {
    const before = await usage(suite.url, token);
    const big = pngOfSize(3_100_000, 4);
    await expectProblem(await uploadRaw(suite.url, token, big, { filename: "big.png" }), 413, "payload_too_large");
    const res = await uploadFiles(suite.url, token, [
      { name: "big.png", bytes: big },
      { name: "after-big.png", bytes: noisePng({ width: 12, height: 12, seed: 16 }) },
    ]);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(207);
    expect(body.failed[0]).toMatchObject({ filename: "big.png", status: 413, code: "payload_too_large" });
    expect(body.created[0]!.filename).toBe("after-big.png");
    expect(await usage(suite.url, token)).toEqual({ images: before.images + 1, bytes: before.bytes + body.created[0]!.size });
  });

  test("50 files in one request are all stored and all read back byte-exact", async () => {
    const files = Array.from({ length: 50 }, (_, i) => ({
      name: `batch-${i}.png`,
      bytes: noisePng({ width: 20 + i, height: 10, seed: 100 + i }),
    }));
    const res = await uploadFiles(suite.url, token, files);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(201);
    expect(body.created).toHaveLength(50);
    for (const [i, image] of body.created.entries()) {
      expect(image.filename).toBe(`batch-${i}.png`);
      expect(image.sha256).toBe(sha256Hex(files[i]!.bytes));
    }
    const sample = body.created[37]!;
    expect((await bytesOf(await contentOf(suite.url, token, sample.id))).equals(Buffer.from(files[37]!.bytes))).toBe(true);
  });

  test("filenames: path parts stripped, NFC-normalised, unicode kept; control characters and >255 bytes refused", async () => {
    const img = (seed: number) => noisePng({ width: 6, height: 6, seed });
    const decomposed = "cafe\u0301.png"; // e + combining acute: NFC makes it "café.png"
    const res = await uploadFiles(suite.url, token, [
      { name: "../../etc/passwd.png", bytes: img(21) },
      { name: "C:\\Users\\me\\win.png", bytes: img(22) },
      { name: decomposed, bytes: img(23) },
      { name: "猫 ünï 🐈.png", bytes: img(24) },
      { name: `${"é".repeat(128)}.png`, bytes: img(25) },
      { name: "tab\there.png", bytes: img(26) },
    ]);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(207);
    expect(body.created.map((i: { filename: string }) => i.filename)).toEqual(["passwd.png", "win.png", "café.png", "猫 ünï 🐈.png"]);
    expect(body.failed.map((f: { status: number; code: string }) => [f.status, f.code])).toEqual([
      [422, "validation_failed"],
      [422, "validation_failed"],
    ]);
  });

  test("a file part without a filename fails alone; a request with no file part is 422", async () => {
    const boundary = "----pixvault-test-boundary";
    const png = noisePng({ width: 7, height: 7, seed: 27 });
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="named.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const headers = { "content-type": `multipart/form-data; boundary=${boundary}` };
    const res = await call(suite.url, "POST", "/api/v1/images", { token, body, headers });
    const result = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(207);
    expect(result.failed).toEqual([expect.objectContaining({ filename: null, status: 422, code: "validation_failed" })]);
    expect(result.created[0]!.filename).toBe("named.png");

    const onlyFields = `--${boundary}\r\nContent-Disposition: form-data; name="tags"\r\n\r\nx\r\n--${boundary}--\r\n`;
    await expectProblem(await call(suite.url, "POST", "/api/v1/images", { token, body: onlyFields, headers }), 422, "validation_failed");
  });

  test("malformed multipart is 400 bad_request and stores nothing", async () => {
    const before = await usage(suite.url, token);
    const cases: [string, string][] = [
      ["multipart/form-data", "--x\r\n"],
      ["multipart/form-data; boundary=abc", "this is not multipart at all"],
      [
        "multipart/form-data; boundary=abc",
        `--abc\r\nContent-Disposition: form-data; name="file"; filename="t.png"\r\n\r\n${"x".repeat(100)}`,
      ],
    ];
    for (const [type, body] of cases) {
      await expectProblem(
        await call(suite.url, "POST", "/api/v1/images", { token, body, headers: { "content-type": type } }),
        400,
        "bad_request",
      );
    }
    expect(await usage(suite.url, token)).toEqual(before);
  });

  test("uploading needs a token: 401 without one, and nothing is read", async () => {
    await expectProblem(
      await uploadFiles(suite.url, undefined, [{ name: "a.png", bytes: noisePng({ width: 5, height: 5 }) }]),
      401,
      "unauthorized",
    );
  });

  test("a client that disconnects half-way leaves no image, no blob and no temp file", async () => {
    const before = await usage(suite.url, token);
    const blobDir = join(suite.dataDir, "blobs");
    // Originals only: earlier tests' previews are still being made in the background.
    const blobsBefore = countOriginals(blobDir);
    const png = pngOfSize(1_500_000, 31);
    const { port } = new URL(suite.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /api/v1/images?filename=cut.png HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Type: image/png\r\nContent-Length: ${png.length}\r\n\r\n`,
        );
        socket.write(png.subarray(0, 600_000), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    for (let i = 0; i < 40 && countFiles(join(blobDir, ".tmp")) > 0; i++) await Bun.sleep(50);
    expect(countFiles(join(blobDir, ".tmp"))).toBe(0);
    expect(countOriginals(blobDir)).toBe(blobsBefore);
    expect(await usage(suite.url, token)).toEqual(before);
    expect((await listAll(suite.url, token, { q: "cut.png" })).length).toBe(0);
  });
});

describe("the storage quota", () => {
  const suite = useInProcessServer(["--user-quota-bytes", "400000"]);

  test("an upload past the quota is 413 quota_exceeded; what fits is kept; nothing is left behind", async () => {
    const token = await freshToken(suite.url);
    const first = await uploadOne(suite.url, token, { name: "q1.png", bytes: pngOfSize(250_000, 41) });
    expect(first.size).toBeGreaterThanOrEqual(250_000);
    const res = await uploadFiles(suite.url, token, [
      { name: "q2.png", bytes: pngOfSize(250_000, 42) },
      { name: "q3.png", bytes: pngOfSize(60_000, 43) },
    ]);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(207);
    expect(body.failed[0]).toMatchObject({ filename: "q2.png", status: 413, code: "quota_exceeded" });
    expect(body.created.map((i: { filename: string }) => i.filename)).toEqual(["q3.png"]);
    await expectProblem(await uploadRaw(suite.url, token, pngOfSize(200_000, 44), { filename: "q4.png" }), 413, "quota_exceeded");
    expect(await usage(suite.url, token)).toEqual({ images: 2, bytes: first.size + body.created[0]!.size });
    expect(countFiles(join(suite.dataDir, "blobs", ".tmp"))).toBe(0);
  });

  test("concurrent uploads cannot overrun the quota together", async () => {
    const token = await freshToken(suite.url);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => uploadRaw(suite.url, token, pngOfSize(120_000, 50 + i), { filename: `c${i}.png` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBe(3);
    expect(statuses.filter((s) => s === 413).length).toBe(3);
    const used = await usage(suite.url, token);
    expect(used.images).toBe(3);
    expect(used.bytes).toBeLessThanOrEqual(400_000);
  });
});

describe("photo metadata at upload (SPEC §8), before any media job has run", () => {
  // No background pool: whatever the answers show comes from the upload itself.
  const suite = useInProcessServer(["--preview-workers", "0"]);
  const PHONE = {
    width: 64,
    height: 48,
    taken: "2024:05:01 14:03:22",
    offset: "+02:00",
    orientation: 6,
    camera: { make: "Apple", model: "iPhone 15 Pro" },
    gps: { latitude: 48.8581556, longitude: 2.2945 },
  };
  const AS_SHOWN = {
    width: 48,
    height: 64,
    takenAt: "2024-05-01T14:03:22+02:00",
    camera: { make: "Apple", model: "iPhone 15 Pro", lens: null },
    previews: { status: "pending" },
  };

  test("a rotated phone JPEG answers its displayed size, date taken, camera and place at once, and a GET right after too", async () => {
    const token = await freshToken(suite.url);
    const created = await uploadOne(suite.url, token, { name: "phone.jpg", bytes: await exifJpeg(PHONE) });
    expect(created).toMatchObject(AS_SHOWN);
    expect(created.location?.latitude).toBeCloseTo(48.8581556, 4);
    expect(created.location?.longitude).toBeCloseTo(2.2945, 4);
    const read = await imageOf(suite.url, token, created.id);
    expect(read).toEqual(created);
    expect(await listAll(suite.url, token)).toEqual([created]);
  });

  test("the media job later writes the same values, from the whole file", async () => {
    const token = await freshToken(suite.url);
    const created = await uploadOne(suite.url, token, { name: "phone.jpg", bytes: await exifJpeg({ ...PHONE, seed: 1 }) });
    expect((await previewOf(suite.url, token, created.id)).status).toBe(200);
    const settled = await settledImage(suite.url, token, created.id);
    expect(settled.previews).toEqual({ status: "ready" });
    // The job's outcomes (previews, then analysis) are what changes; the photo fields are not.
    const { previews: _before, analysis: _pending, ...atUpload } = created;
    const { previews: _after, analysis: _made, ...afterJob } = settled;
    expect(afterJob).toEqual(atUpload);
  });

  test("a date without an offset is the camera's wall clock; no EXIF means no date, no camera, no place, the size as stored", async () => {
    const token = await freshToken(suite.url);
    const local = await uploadOne(suite.url, token, { name: "local.jpg", bytes: await exifJpeg({ taken: "2019:07:14 08:15:00" }) });
    expect(local).toMatchObject({ width: 60, height: 40, takenAt: "2019-07-14T08:15:00", camera: null, location: null });
    const plain = await uploadOne(suite.url, token, { name: "plain.png", bytes: noisePng({ width: 30, height: 20, seed: 7 }) });
    expect(plain).toMatchObject({ width: 30, height: 20, takenAt: null, camera: null, location: null });
  });

  test("the place is the owner's alone: another user reading the public image at once sees location null", async () => {
    const owner = await freshToken(suite.url);
    const other = await freshToken(suite.url);
    const bytes = await exifJpeg({ ...PHONE, seed: 2 });
    const created = await uploadOne(suite.url, owner, { name: `public-${Date.now()}.jpg`, bytes }, { visibility: "public" });
    expect(created.location).not.toBeNull();
    const seen = await imageOf(suite.url, other, created.id);
    expect(seen).toMatchObject({ ...AS_SHOWN, location: null });
    const anonymous = await imageOf(suite.url, undefined, created.id);
    expect(anonymous.location).toBeNull();
    const listed = (await listAll(suite.url, other, { scope: "public", sort: "taken" })).find((i) => i.id === created.id);
    expect(listed).toMatchObject({ takenAt: AS_SHOWN.takenAt, location: null });
  });
});

/** Original blobs under the blob directory (not previews, not temp files). */
function countOriginals(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isFile() && !e.parentPath.includes(".tmp") && imageIdOfBlob(e.name) === undefined,
    ).length;
  } catch {
    return 0;
  }
}

function countFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}
