// GET /api/v1/images/:id/content through a real server: exact bytes and headers, ranges,
// conditionals, the streamed path for large images, and blobs tampered with on disk.
import { beforeAll, describe, expect, test } from "bun:test";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { call, expectProblem, loginToken, registerUser } from "../support/accounts.ts";
import type { ImageBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, sha256Hex, uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { FIXTURES, fixtureImage, noisePng, pngOfSize } from "../support/images.ts";
import { useSuiteServer } from "../support/pixvault.ts";
import { createShare, openShare } from "../support/shares-api.ts";

const SEGMENT = 64 * 1024;
const STRIDE = SEGMENT + 16;
const HEADER = 64;
const WHOLE_BODY_BYTES = 16 * 1024 * 1024;

const suite = useSuiteServer();
let token: string;

beforeAll(async () => {
  const user = await registerUser(suite.url);
  token = await loginToken(suite.url, user.username, user.password);
});

function blobFile(id: string): string {
  return join(suite.dataDir, "blobs", id.slice(0, 2), id.slice(2, 4), id);
}

/** Byte offset in the blob file of plaintext byte `at` of segment `index`. */
function segmentByte(index: number, at = 0): number {
  return HEADER + index * STRIDE + at;
}

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await fs.open(path, "r+");
  try {
    const one = new Uint8Array(1);
    await handle.read(one, 0, 1, offset);
    one[0]! ^= 0x01;
    await handle.write(one, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

function quotedSha(bytes: Uint8Array): string {
  return `"${sha256Hex(bytes)}"`;
}

async function upload(bytes: Uint8Array, name: string): Promise<ImageBody> {
  return uploadOne(suite.url, token, { name, bytes });
}

/** The server logs an error line that names this image. */
function loggedErrorFor(id: string): Promise<boolean> {
  return suite.server.logged((l) => l.level === "error" && JSON.stringify(l).includes(id));
}

async function expectIntegrityError(id: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await contentOf(suite.url, token, id, headers);
  const body = await expectProblem(res, 500, "integrity_error");
  expect(res.headers.get("x-request-id")).toBeTruthy();
  // The client learns nothing about why: no reason, key id or path.
  expect(JSON.stringify(body)).not.toMatch(/commitment|authentication_failed|malformed|blobs\//);
  expect(await loggedErrorFor(id)).toBe(true);
}

/**
 * Reads a body chunk by chunk, keeping whatever arrived before an error; `failed` says whether
 * the stream was aborted rather than ended.
 */
async function readUntilEnd(res: Response): Promise<{ bytes: Buffer; failed: boolean }> {
  const chunks: Uint8Array[] = [];
  const reader = res.body!.getReader();
  let failed = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    failed = true;
  }
  return { bytes: Buffer.concat(chunks), failed };
}

describe("content of every accepted format", () => {
  const uploaded = new Map<string, ImageBody>();

  beforeAll(async () => {
    // One multipart request, each file claiming a type the server must ignore.
    const files = FIXTURES.map((f) => ({ name: `fx-${f.file}`, bytes: fixtureImage(f.file), type: "text/plain" }));
    const res = await uploadFiles(suite.url, token, files);
    const body = await jsonOf<UploadBody>(res);
    expect(res.status).toBe(201);
    for (const image of body.created) uploaded.set(image.filename, image);
  });

  for (const fixture of FIXTURES) {
    test(`${fixture.file}: byte-exact with its sniffed type, length, ETag and safe headers`, async () => {
      const original = fixtureImage(fixture.file);
      const image = uploaded.get(`fx-${fixture.file}`)!;
      expect(image).toBeDefined();
      expect(image.contentType).toBe(fixture.contentType);
      expect(image.sha256).toBe(sha256Hex(original));

      const res = await contentOf(suite.url, token, image.id);
      expect(res.status).toBe(200);
      const bytes = await bytesOf(res);
      expect(bytes.equals(original)).toBe(true);
      expect(res.headers.get("content-type")).toBe(fixture.contentType);
      expect(res.headers.get("content-length")).toBe(String(original.length));
      expect(res.headers.get("etag")).toBe(quotedSha(original));
      expect(res.headers.get("accept-ranges")).toBe("bytes");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(res.headers.get("content-disposition")).toBe(`inline; filename="fx-${fixture.file}"`);
    });
  }

  test("the type comes from the bytes: a PNG named x.jpg and claimed as image/jpeg is served as image/png, saved as x.jpg.png", async () => {
    const png = fixtureImage("sample.png");
    const image = await uploadOne(suite.url, token, { name: "x.jpg", bytes: png, type: "image/jpeg" });
    expect(image.contentType).toBe("image/png");
    const res = await contentOf(suite.url, token, image.id);
    expect((await bytesOf(res)).equals(png)).toBe(true);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe('inline; filename="x.jpg.png"');
    // The name itself is what was uploaded; only the name a download is saved under changes.
    expect(image.filename).toBe("x.jpg");
  });

  test("a GIF/HTML polyglot uploaded as invoice.html downloads as invoice.html.gif; a name of the right type stays", async () => {
    const polyglot = Buffer.concat([fixtureImage("sample.gif"), Buffer.from("<html><script>alert(document.domain)</script></html>")]);
    const cases: [string, Uint8Array, string][] = [
      ["invoice.html", polyglot, "invoice.html.gif"],
      ["Photo.JPG", fixtureImage("sample.jpg"), "Photo.JPG"],
      ["photo.jpeg", fixtureImage("sample.jpg"), "photo.jpeg"],
      ["scan.TIF", fixtureImage("sample.tiff"), "scan.TIF"],
      ["burst.heif", fixtureImage("sample.heic"), "burst.heif"],
      ["noext", fixtureImage("sample.webp"), "noext.webp"],
      // 255 bytes already: the name is cut (never inside a character) to make room.
      [`${"a".repeat(251)}.txt`, fixtureImage("sample.png"), `${"a".repeat(251)}.png`],
      [`${"é".repeat(125)}.tx`, fixtureImage("sample.png"), `${"é".repeat(125)}.png`],
    ];
    for (const [name, bytes, saved] of cases) {
      const image = await upload(bytes, name);
      const res = await call(suite.url, "GET", `/api/v1/images/${image.id}/content?download=1`, { token });
      await res.arrayBuffer();
      const header = res.headers.get("content-disposition")!;
      const exact = header.includes("filename*=")
        ? decodeURIComponent(header.split("filename*=UTF-8''")[1]!)
        : /filename="(.*)"/.exec(header)![1];
      expect({ name, saved: exact }).toEqual({ name, saved });
      expect(Buffer.byteLength(exact!)).toBeLessThanOrEqual(255);
      // The ASCII stand-in ends the same way.
      expect(/filename="([^"]*)"/.exec(header)![1]).toEndWith(saved.slice(saved.lastIndexOf(".")));
    }
  });

  test("image bytes carry a CSP that lets the browser's own viewer style them, and nothing more; errors keep the API's", async () => {
    const image = uploaded.get("fx-sample.png")!;
    const link = await createShare(suite.url, token, image.id);
    const answers = [
      await contentOf(suite.url, token, image.id),
      await contentOf(suite.url, token, image.id, { range: "bytes=0-9" }),
      await contentOf(suite.url, token, image.id, { "if-none-match": `"${image.sha256}"` }),
      await openShare(suite.url, link.token),
    ];
    for (const res of answers) {
      await res.arrayBuffer();
      const csp = res.headers.get("content-security-policy")!;
      const directives = new Map(
        csp
          .split(";")
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...values]) => [name!, values.join(" ")]),
      );
      expect({ status: res.status, directives: Object.fromEntries(directives) }).toEqual({
        status: res.status,
        directives: {
          "default-src": "'none'",
          "style-src": "'unsafe-inline'",
          "img-src": "'self' data:",
          "frame-ancestors": "'none'",
          "base-uri": "'none'",
          "form-action": "'none'",
        },
      });
    }
    const strict = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    const problems = [
      await contentOf(suite.url, token, image.id, { range: `bytes=${image.size}-` }),
      await contentOf(suite.url, token, "no-such-image"),
      await openShare(suite.url, `${link.token}x`),
      await call(suite.url, "GET", `/api/v1/images/${image.id}`, { token }),
    ];
    for (const res of problems) {
      await res.arrayBuffer();
      expect({ status: res.status, csp: res.headers.get("content-security-policy") }).toEqual({ status: res.status, csp: strict });
    }
  });

  test("a raw-body upload claiming image/gif is served with its sniffed type too", async () => {
    const jpeg = fixtureImage("sample.jpg");
    const res = await call(suite.url, "POST", "/api/v1/images?filename=raw-claims-gif.gif", {
      token,
      body: jpeg,
      headers: { "content-type": "image/gif" },
    });
    expect(res.status).toBe(201);
    const image = (await jsonOf<UploadBody>(res)).created[0]!;
    const content = await contentOf(suite.url, token, image.id);
    expect(content.headers.get("content-type")).toBe("image/jpeg");
    expect((await bytesOf(content)).equals(jpeg)).toBe(true);
  });

  test("?download=1 makes it an attachment; ?download=0 stays inline", async () => {
    const image = uploaded.get("fx-sample.gif")!;
    const attachment = await call(suite.url, "GET", `/api/v1/images/${image.id}/content?download=1`, { token });
    expect(attachment.status).toBe(200);
    expect(attachment.headers.get("content-disposition")).toBe('attachment; filename="fx-sample.gif"');
    expect((await bytesOf(attachment)).equals(fixtureImage("sample.gif"))).toBe(true);
    const inline = await call(suite.url, "GET", `/api/v1/images/${image.id}/content?download=0`, { token });
    await inline.arrayBuffer();
    expect(inline.headers.get("content-disposition")).toBe('inline; filename="fx-sample.gif"');
  });

  test("a unicode filename round-trips through filename*=UTF-8''…, with an ASCII stand-in", async () => {
    const name = "猫 ünï.png";
    const image = await upload(fixtureImage("sample.png"), name);
    expect(image.filename).toBe(name.normalize("NFC"));
    const res = await contentOf(suite.url, token, image.id);
    await res.arrayBuffer();
    const header = res.headers.get("content-disposition")!;
    const match = /^inline; filename="([\x20-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$/.exec(header);
    expect(match).not.toBeNull();
    expect(match![1]).not.toMatch(/["\\/%]/);
    expect(decodeURIComponent(match![2]!)).toBe(name.normalize("NFC"));
  });

  test("a hostile filename cannot break the header", async () => {
    // Raw upload: multipart clients percent-encode a quote in the filename themselves.
    const name = 'a"b%41;déx.png';
    const up = await uploadRaw(suite.url, token, fixtureImage("sample.png"), { filename: name });
    const image = (await jsonOf<UploadBody>(up)).created[0]!;
    expect(image.filename).toBe(name);
    const res = await call(suite.url, "GET", `/api/v1/images/${image.id}/content?download=1`, { token });
    await res.arrayBuffer();
    const header = res.headers.get("content-disposition")!;
    expect(header).toStartWith("attachment; filename=\"a_b_41;d_x.png\"; filename*=UTF-8''");
    expect(decodeURIComponent(header.split("filename*=UTF-8''")[1]!)).toBe(image.filename);
  });
});

describe("ranges and conditionals", () => {
  const original = pngOfSize(300_000, 7);
  let id: string;
  let etag: string;

  beforeAll(async () => {
    id = (await upload(original, "ranged.png")).id;
    etag = quotedSha(original);
  });

  const cases: [string, number, number][] = [
    ["bytes=0-99", 0, 99],
    ["bytes=100-", 100, original.length - 1],
    ["bytes=-500", original.length - 500, original.length - 1],
    ["bytes=65530-65545", 65530, 65545], // crosses the first segment boundary
    ["bytes=131000-262200", 131000, 262200], // spans three segments, ends in a fourth
    [`bytes=${original.length - 1}-`, original.length - 1, original.length - 1],
    [`bytes=${original.length - 10}-99999999`, original.length - 10, original.length - 1],
    ["bytes=-99999999", 0, original.length - 1],
  ];
  for (const [range, start, end] of cases) {
    test(`${range} → 206 with exactly bytes ${start}-${end}`, async () => {
      const res = await contentOf(suite.url, token, id, { range });
      expect(res.status).toBe(206);
      const bytes = await bytesOf(res);
      expect(bytes.equals(original.subarray(start, end + 1))).toBe(true);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${original.length}`);
      expect(res.headers.get("content-length")).toBe(String(end - start + 1));
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("etag")).toBe(etag);
      expect(res.headers.get("accept-ranges")).toBe("bytes");
    });
  }

  test("every segment boundary of the image reads byte-exact across it", async () => {
    for (let boundary = SEGMENT; boundary < original.length; boundary += SEGMENT) {
      const res = await contentOf(suite.url, token, id, { range: `bytes=${boundary - 3}-${boundary + 2}` });
      expect(res.status).toBe(206);
      expect((await bytesOf(res)).equals(original.subarray(boundary - 3, boundary + 3))).toBe(true);
    }
  });

  test("a range past the end → 416 range_not_satisfiable with Content-Range: bytes */size", async () => {
    for (const range of ["bytes=999999999-", `bytes=${original.length}-`, "bytes=-0"]) {
      const res = await contentOf(suite.url, token, id, { range });
      expect(res.headers.get("content-range")).toBe(`bytes */${original.length}`);
      await expectProblem(res, 416, "range_not_satisfiable");
    }
  });

  test("a range the server does not understand, or several ranges, get the whole body", async () => {
    for (const range of ["bytes=10-5", "items=0-10", "bytes=0-1,5-9", "bytes=abc"]) {
      const res = await contentOf(suite.url, token, id, { range });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-range")).toBeNull();
      expect((await bytesOf(res)).equals(original)).toBe(true);
    }
  });

  test("If-None-Match with the ETag → 304 with no body; a stale ETag → 200 with the bytes", async () => {
    const fresh = await contentOf(suite.url, token, id, { "if-none-match": etag });
    expect(fresh.status).toBe(304);
    expect(fresh.headers.get("etag")).toBe(etag);
    expect(fresh.headers.get("x-request-id")).toBeTruthy();
    expect((await fresh.arrayBuffer()).byteLength).toBe(0);

    const weakInList = await contentOf(suite.url, token, id, { "if-none-match": `"nope", W/${etag}` });
    expect(weakInList.status).toBe(304);
    await weakInList.arrayBuffer();

    const stale = await contentOf(suite.url, token, id, { "if-none-match": quotedSha(Buffer.from("older version")) });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).equals(original)).toBe(true);
  });

  test("If-Range with the ETag honours the range; a stale one sends the whole body", async () => {
    const same = await contentOf(suite.url, token, id, { range: "bytes=0-9", "if-range": etag });
    expect(same.status).toBe(206);
    expect((await bytesOf(same)).equals(original.subarray(0, 10))).toBe(true);
    const stale = await contentOf(suite.url, token, id, { range: "bytes=0-9", "if-range": '"stale"' });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).equals(original)).toBe(true);
  });

  test("HEAD describes the whole body without sending it", async () => {
    const res = await call(suite.url, "HEAD", `/api/v1/images/${id}/content`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(original.length));
    expect(res.headers.get("etag")).toBe(etag);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  test("after a range request the image still reads whole (the file was closed and reopens)", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await contentOf(suite.url, token, id, { range: `bytes=${i * 1000}-${i * 1000 + 10}` });
      await res.arrayBuffer();
    }
    const res = await contentOf(suite.url, token, id);
    expect(sha256Hex(await bytesOf(res))).toBe(sha256Hex(original));
  });
});

describe("a large image streams", () => {
  // Above the whole-body threshold, so it takes the streamed path.
  const original = pngOfSize(WHOLE_BODY_BYTES + 4 * 1024 * 1024, 11);
  let id: string;

  beforeAll(async () => {
    const res = await uploadRaw(suite.url, token, original, { filename: "large.png" });
    expect(res.status).toBe(201);
    id = (await jsonOf<UploadBody>(res)).created[0]!.id;
  });

  test("the full download is byte-exact", async () => {
    const res = await contentOf(suite.url, token, id);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(quotedSha(original));
    expect(res.headers.get("content-type")).toBe("image/png");
    // Streamed, yet with its exact length: browsers and curl show real progress.
    expect(res.headers.get("content-length")).toBe(String(original.length));
    expect(res.headers.get("transfer-encoding")).toBeNull();
    const bytes = await bytesOf(res);
    expect(bytes.length).toBe(original.length);
    expect(sha256Hex(bytes)).toBe(sha256Hex(original));
  });

  test("a Range in the middle is byte-exact, and one larger than the threshold streams byte-exact", async () => {
    const start = 10 * SEGMENT + 12345;
    const small = await contentOf(suite.url, token, id, { range: `bytes=${start}-${start + 200_000}` });
    expect(small.status).toBe(206);
    expect(small.headers.get("content-length")).toBe("200001");
    expect((await bytesOf(small)).equals(original.subarray(start, start + 200_001))).toBe(true);

    const big = await contentOf(suite.url, token, id, { range: `bytes=1000-` });
    expect(big.status).toBe(206);
    expect(big.headers.get("content-range")).toBe(`bytes 1000-${original.length - 1}/${original.length}`);
    expect(sha256Hex(await bytesOf(big))).toBe(sha256Hex(original.subarray(1000)));
  });

  test("a client that walks away mid-body does not stop the server from serving the next one", async () => {
    const res = await contentOf(suite.url, token, id);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    const again = await contentOf(suite.url, token, id, { range: "bytes=0-99" });
    expect((await bytesOf(again)).equals(original.subarray(0, 100))).toBe(true);
  });
});

describe("integrity: blobs changed on disk are never served", () => {
  test("a flipped byte in the only segment → 500 integrity_error, and metadata still answers", async () => {
    const original = noisePng({ width: 40, height: 40, seed: 21 });
    const image = await upload(original, "tamper-one.png");
    await flipByte(blobFile(image.id), segmentByte(0, 100));
    await expectIntegrityError(image.id);
    const meta = await call(suite.url, "GET", `/api/v1/images/${image.id}`, { token });
    expect(meta.status).toBe(200);
    expect((await jsonOf<{ image: ImageBody }>(meta)).image).toMatchObject({ id: image.id, sha256: sha256Hex(original) });
  });

  // 200 KB blobs are read whole at open; 300 KB ones with positional reads: both paths.
  for (const size of [200_000, 300_000]) {
    test(`${size} B: a flipped byte in the first segment → 500 integrity_error for a full or ranged GET`, async () => {
      const original = pngOfSize(size, size);
      const image = await upload(original, `tamper-first-${size}.png`);
      await flipByte(blobFile(image.id), segmentByte(0, 5000));
      await expectIntegrityError(image.id);
      await expectIntegrityError(image.id, { range: "bytes=4000-6000" });
      // Ranges that do not touch the damaged segment still authenticate and are served.
      const after = await contentOf(suite.url, token, image.id, { range: `bytes=${SEGMENT}-${SEGMENT + 99}` });
      expect(after.status).toBe(206);
      expect((await bytesOf(after)).equals(original.subarray(SEGMENT, SEGMENT + 100))).toBe(true);
    });

    test(`${size} B: a flipped byte in the last segment → 500 at open, even for a range far from it`, async () => {
      const image = await upload(pngOfSize(size, size + 1), `tamper-last-${size}.png`);
      const path = blobFile(image.id);
      const { size: blobSize } = await fs.stat(path);
      await flipByte(path, blobSize - 20 - 16);
      await expectIntegrityError(image.id);
      await expectIntegrityError(image.id, { range: "bytes=0-9" });
    });
  }

  test("a flipped tag byte or header byte → 500 integrity_error", async () => {
    const tag = await upload(pngOfSize(150_000, 31), "tamper-tag.png");
    await flipByte(blobFile(tag.id), segmentByte(0, SEGMENT + 3)); // inside segment 0's tag
    await expectIntegrityError(tag.id);
    const header = await upload(pngOfSize(150_000, 32), "tamper-header.png");
    await flipByte(blobFile(header.id), 60); // the nonce prefix
    await expectIntegrityError(header.id);
  });

  test("a truncated blob → 500 integrity_error (mid-segment and at a segment boundary)", async () => {
    const mid = await upload(pngOfSize(300_000, 41), "truncated-mid.png");
    const midPath = blobFile(mid.id);
    await fs.truncate(midPath, (await fs.stat(midPath)).size - 1000);
    await expectIntegrityError(mid.id);

    const edge = await upload(pngOfSize(300_000, 42), "truncated-edge.png");
    await fs.truncate(blobFile(edge.id), HEADER + 2 * STRIDE);
    await expectIntegrityError(edge.id);
    await expectIntegrityError(edge.id, { range: "bytes=0-9" });

    const empty = await upload(pngOfSize(1000, 43), "truncated-empty.png");
    await fs.truncate(blobFile(empty.id), 0);
    await expectIntegrityError(empty.id);
  });

  test("bytes appended to a blob → 500 integrity_error", async () => {
    const image = await upload(pngOfSize(100_000, 44), "appended.png");
    await fs.appendFile(blobFile(image.id), new Uint8Array(16));
    await expectIntegrityError(image.id);
  });

  test("a deleted blob → 500 integrity_error; metadata still answers", async () => {
    const image = await upload(pngOfSize(5000, 51), "deleted-blob.png");
    await fs.rm(blobFile(image.id));
    await expectIntegrityError(image.id);
    const meta = await call(suite.url, "GET", `/api/v1/images/${image.id}`, { token });
    expect(meta.status).toBe(200);
    await meta.arrayBuffer();
  });

  test("two images of one owner with their blob files swapped → both 500 (commitment mismatch)", async () => {
    const a = await upload(pngOfSize(20_000, 61), "swap-a.png");
    const b = await upload(pngOfSize(20_000, 62), "swap-b.png");
    const pa = blobFile(a.id);
    const pb = blobFile(b.id);
    await fs.rename(pa, `${pa}.swap`);
    await fs.rename(pb, pa);
    await fs.rename(`${pa}.swap`, pb);
    await expectIntegrityError(a.id);
    await expectIntegrityError(b.id);
  });

  test("the streamed path: a flipped byte in segment 100 of a large image never yields altered bytes", async () => {
    const original = pngOfSize(WHOLE_BODY_BYTES + 2 * 1024 * 1024, 71);
    const up = await uploadRaw(suite.url, token, original, { filename: "large-tampered.png" });
    expect(up.status).toBe(201);
    const id = (await jsonOf<UploadBody>(up)).created[0]!.id;
    const damagedAt = 100 * SEGMENT + 777;
    await flipByte(blobFile(id), segmentByte(100, 777));

    const res = await contentOf(suite.url, token, id);
    if (res.status === 500) {
      await expectProblem(res, 500, "integrity_error");
    } else {
      expect(res.status).toBe(200);
      const { bytes, failed } = await readUntilEnd(res);
      // The body is aborted (the connection closes without the last chunk, so the client sees
      // an error, not a clean short body), and what arrived is a prefix that stops before the
      // damaged segment, whose plaintext is never released unauthenticated.
      expect(failed).toBe(true);
      expect(bytes.length).toBeLessThan(original.length);
      expect(bytes.length).toBeLessThanOrEqual(100 * SEGMENT);
      expect(bytes.equals(original.subarray(0, bytes.length))).toBe(true);
      expect(bytes.length).toBeLessThan(damagedAt);
    }
    // A range inside the damaged segment fails before any byte; one before it is served.
    await expectIntegrityError(id, { range: `bytes=${damagedAt - 10}-${damagedAt + 10}` });
    const before = await contentOf(suite.url, token, id, { range: "bytes=0-999" });
    expect((await bytesOf(before)).equals(original.subarray(0, 1000))).toBe(true);
    // The log names the image for the operator.
    expect(await loggedErrorFor(id)).toBe(true);

    // Damage in the first segment is found before the headers go out: a clean 500, no body.
    await flipByte(blobFile(id), segmentByte(0, 5));
    await expectIntegrityError(id);
    await expectIntegrityError(id, { range: "bytes=0-" });
  });

  test("the server keeps serving intact images after all of that", async () => {
    const original = pngOfSize(70_000, 81);
    const image = await upload(original, "still-fine.png");
    const res = await contentOf(suite.url, token, image.id);
    expect(res.status).toBe(200);
    expect((await bytesOf(res)).equals(original)).toBe(true);
    expect(suite.server.proc.exitCode).toBeNull();
  });
});
