// Zips of a selection, through HTTP against a real server, read back by real `unzip` and
// Python's zipfile: exact length, same bytes every time, ranges and resumed downloads, access
// checked before the first byte, bounded work when the client goes away.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { promises as fs, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { call, expectProblem, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { fixtureImage, noisePng, pngOfSize } from "../support/images.ts";
import { uploadOne, uploadRaw } from "../support/images-api.ts";
import { settledImage } from "../support/previews-api.ts";
import { blobPath } from "../../src/store/blob-layout.ts";
import { analysedImage } from "../support/analysis-api.ts";
import { useSuiteServer, tempDir } from "../support/pixvault.ts";
import { pythonZipView } from "../support/zip.ts";

const suite = useSuiteServer();
// Every zip a test writes to disk lives under one directory, removed when the file is done.
const scratch = tempDir("pixvault-zip-");
afterAll(() => scratch.remove());
let ann: SignedInUser;
let bob: SignedInUser;
const originals = new Map<string, Uint8Array>(); // id → bytes
const annIds: string[] = [];
let annPublicSameName: ImageBody;
let bobPrivate: ImageBody;
let bobPublic: ImageBody;
let big: ImageBody[] = [];

function archive(token: string | undefined, selection: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(suite.url, "POST", "/api/v1/images/archive", { json: selection, headers, ...(token ? { token } : {}) });
}

function archiveGet(token: string | undefined, query: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(suite.url, "GET", `/api/v1/images/archive?${query}`, { headers, ...(token ? { token } : {}) });
}

/** Writes the zip to disk and checks it with `unzip -t` and `python3 -m zipfile -t`; returns the path. */
function checkedZip(bytes: Uint8Array, name = "a.zip"): { path: string; dir: string } {
  const dir = mkdtempSync(join(scratch.path, "zip-"));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const unzip = spawnSync("unzip", ["-t", path], { encoding: "utf8" });
  expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
  expect(unzip.stdout).toContain("No errors detected");
  expect(pythonZipView(path).ok).toBe(true);
  return { path, dir };
}

/** Entry name → bytes, extracted by unzip into a fresh directory. */
function extracted(path: string): Map<string, Buffer> {
  const out = join(`${path}.d`);
  const r = spawnSync("unzip", ["-q", "-d", out, path], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return new Map(readdirSync(out).map((name) => [name, readFileSync(join(out, name))]));
}

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  ann = await signedInUser(suite.url);
  bob = await signedInUser(suite.url);
  const files = [
    { name: "cat.png", bytes: fixtureImage("sample.png") },
    { name: "dog.jpg", bytes: fixtureImage("sample.jpg") },
    { name: "bird.gif", bytes: fixtureImage("sample.gif") },
    { name: "fish.webp", bytes: fixtureImage("sample.webp") },
  ];
  for (const f of files) {
    const image = await uploadOne(suite.url, ann.token, f);
    originals.set(image.id, f.bytes);
    annIds.push(image.id);
  }
  // The same name in another namespace (public): the archive must still name entries uniquely.
  const samePublic = noisePng({ width: 64, height: 64, seed: 7 });
  annPublicSameName = await uploadOne(suite.url, ann.token, { name: "CAT.png", bytes: samePublic }, { visibility: "public" });
  originals.set(annPublicSameName.id, samePublic);
  const bobPrivateBytes = noisePng({ width: 32, height: 32, seed: 8 });
  bobPrivate = await uploadOne(suite.url, bob.token, { name: "secret.png", bytes: bobPrivateBytes });
  const bobPublicBytes = noisePng({ width: 48, height: 48, seed: 9 });
  bobPublic = await uploadOne(suite.url, bob.token, { name: "shared.png", bytes: bobPublicBytes }, { visibility: "public" });
  originals.set(bobPublic.id, bobPublicBytes);
  // Three images of several segments each, for ranges, resumes and disconnects.
  big = [];
  for (let i = 0; i < 3; i += 1) {
    const bytes = noisePng({ width: 1400, height: 1000, seed: 100 + i }); // ~4 MiB of noise, 60+ segments
    const res = await uploadRaw(suite.url, ann.token, bytes, { filename: `big-${i}.png` });
    expect(res.status).toBe(201);
    const image = (await jsonOf<UploadBody>(res)).created[0]!;
    originals.set(image.id, bytes);
    big.push(image);
  }
});

describe("an archive of a selection", () => {
  test("is a zip with an exact Content-Length that unzip and Python accept, entries byte-exact", async () => {
    const ids = [...annIds, annPublicSameName.id, bobPublic.id];
    const res = await archive(ann.token, { ids });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers.get("content-disposition")).toMatch(
      new RegExp(`^attachment; filename="pixvault-${today}-6-images-[0-9a-f]{8}\\.zip"$`),
    );
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    const length = Number(res.headers.get("content-length"));
    const bytes = await bytesOf(res);
    expect(bytes.length).toBe(length);
    const { path } = checkedZip(bytes);
    const files = extracted(path);
    // Names in selection order; the second cat is renamed, whatever its case.
    const names = pythonZipView(path).names;
    expect(names).toEqual(["cat.png", "dog.jpg", "bird.gif", "fish.webp", "CAT (1).png", "shared.png"]);
    const byName = new Map([...files].map(([name, data]) => [name, data]));
    ids.forEach((id, i) => {
      const name = names[i]!;
      expect(byName.get(name)!.equals(Buffer.from(originals.get(id)!))).toBe(true);
    });
  });

  test("entries carry the images' upload times", async () => {
    const res = await archive(ann.token, { ids: [annIds[1]] });
    const { path } = checkedZip(await bytesOf(res));
    const meta = await jsonOf<{ image: ImageBody }>(await call(suite.url, "GET", `/api/v1/images/${annIds[1]}`, { token: ann.token }));
    const created = new Date(meta.image.createdAt);
    const view = pythonZipView(path);
    expect(view.sizes[0]).toBe(originals.get(annIds[1]!)!.length);
    // DOS time has two-second resolution.
    const even = new Date(Math.floor(created.getTime() / 2000) * 2000).toISOString().slice(0, 19);
    expect(view.times[0]).toBe(even);
  });

  test("GET ?ids= gives the same bytes and ETag as POST, every time", async () => {
    const ids = [annIds[2]!, annIds[0]!];
    const a = await archive(ann.token, { ids });
    const b = await archiveGet(ann.token, `ids=${ids.join(",")}`);
    const c = await archiveGet(ann.token, `ids=${ids.join(",")}`);
    expect(a.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
    expect(b.headers.get("etag")).toBe(a.headers.get("etag"));
    const [ab, bb, cb] = await Promise.all([bytesOf(a), bytesOf(b), bytesOf(c)]);
    expect(bb.equals(ab)).toBe(true);
    expect(cb.equals(ab)).toBe(true);
  });

  test("each selection downloads under its own name (date, count, a fingerprint), the same one every time", async () => {
    const name = async (res: Response) => {
      await res.arrayBuffer();
      return /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1];
    };
    const one = await name(await archiveGet(ann.token, `ids=${annIds[0]}`));
    const two = await name(await archiveGet(ann.token, `ids=${annIds[0]},${annIds[1]}`));
    const otherTwo = await name(await archive(ann.token, { ids: [annIds[2], annIds[3]] }));
    expect(one).toMatch(/^pixvault-\d{4}-\d{2}-\d{2}-1-image-[0-9a-f]{8}\.zip$/);
    expect(two).toMatch(/^pixvault-\d{4}-\d{2}-\d{2}-2-images-[0-9a-f]{8}\.zip$/);
    expect(new Set([one, two, otherTwo]).size).toBe(3);
    // Same selection, same name and ETag: a download resumed with Range/If-Range finds its file.
    const again = await archive(ann.token, { ids: [annIds[0], annIds[1]] });
    expect(await name(again)).toBe(two!);
    const first = await archiveGet(ann.token, `ids=${annIds[0]},${annIds[1]}`);
    await first.arrayBuffer();
    expect(again.headers.get("etag")).toBe(first.headers.get("etag"));
  });

  test("an entry always ends with an extension of its sniffed type: a GIF uploaded as invoice.html is invoice.html.gif", async () => {
    // Its own user: the {all:true} test counts ann's images.
    const cy = await signedInUser(suite.url);
    const upload = (name: string, bytes: Uint8Array) => uploadOne(suite.url, cy.token, { name, bytes });
    const ids = [
      (await upload("invoice.html", fixtureImage("sample.gif"))).id,
      (await upload("invoice.html.gif", fixtureImage("sample.gif"))).id,
      (await upload("cat.gif", noisePng({ width: 8, height: 8, seed: 70 }))).id,
      (await upload("photo.JPEG", fixtureImage("sample.jpg"))).id,
    ];
    const res = await archive(cy.token, { ids });
    const { path } = checkedZip(await bytesOf(res));
    const unzipList = spawnSync("unzip", ["-Z1", path], { encoding: "utf8" }).stdout.trim().split("\n");
    // Names stay unique after the extension is added; an extension of the right type stays as given.
    expect(unzipList).toEqual(["invoice.html.gif", "invoice.html (1).gif", "cat.gif.png", "photo.JPEG"]);
    expect(pythonZipView(path).names).toEqual(unzipList);
    expect(extracted(path).get("invoice.html.gif")!.equals(fixtureImage("sample.gif"))).toBe(true);
  });

  test("{all:true} zips all of the caller's own images; anonymous callers get 401", async () => {
    const res = await archive(ann.token, { all: true });
    expect(res.status).toBe(200);
    const { path } = checkedZip(await bytesOf(res));
    expect(pythonZipView(path).names).toHaveLength(annIds.length + 1 + big.length);
    await expectProblem(await archive(undefined, { all: true }), 401, "unauthorized");
    const viaGet = await archiveGet(ann.token, "all=1");
    expect(viaGet.status).toBe(200);
    expect(Number(viaGet.headers.get("content-length"))).toBe((await bytesOf(viaGet)).length);
  });

  test("public images of others can be zipped by anyone, also without a login", async () => {
    const res = await archiveGet(undefined, `ids=${bobPublic.id},${annPublicSameName.id}`);
    expect(res.status).toBe(200);
    const { path } = checkedZip(await bytesOf(res));
    expect(pythonZipView(path).names).toEqual(["shared.png", "CAT.png"]);
  });
});

describe("every id is checked before the first byte", () => {
  test("another user's private image, or an unknown id, is 404 listing exactly those ids; no zip starts", async () => {
    const res = await archive(ann.token, { ids: [annIds[0], bobPrivate.id, "no-such-image", annIds[1]] });
    const body = await expectProblem(res, 404, "not_found");
    expect(body.missing).toEqual([bobPrivate.id, "no-such-image"]);
    // Bob's private image is just as unknown to an anonymous caller.
    const anon = await archiveGet(undefined, `ids=${annIds[0]}`);
    expect((await expectProblem(anon, 404, "not_found")).missing).toEqual([annIds[0]!]);
  });

  test("bad selections are 4xx problem+json: empty, duplicate, 10,001 ids, over-long ids, not JSON", async () => {
    await expectProblem(await archive(ann.token, { ids: [] }), 422, "validation_failed");
    await expectProblem(await archive(ann.token, { ids: [annIds[0], annIds[0]] }), 422, "validation_failed");
    await expectProblem(await archiveGet(ann.token, `ids=${annIds[0]},${annIds[0]}`), 422, "validation_failed");
    const many = Array.from({ length: 10_001 }, (_, i) => `id${i}`);
    await expectProblem(await archive(ann.token, { ids: many }), 422, "validation_failed");
    await expectProblem(await archive(ann.token, { ids: ["x".repeat(65)] }), 422, "validation_failed");
    await expectProblem(await archiveGet(ann.token, "ids="), 422, "validation_failed");
    await expectProblem(await archive(ann.token, { ids: annIds, all: true }), 422, "validation_failed");
    const notJson = await call(suite.url, "POST", "/api/v1/images/archive", {
      token: ann.token,
      body: "ids=1,2",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("ranges and resumed downloads", () => {
  const ids = () => big.map((b) => b.id);

  test("a Range gives 206 with exactly those bytes of the full archive; If-Range with an old ETag gives 200", async () => {
    const full = await bytesOf(await archiveGet(ann.token, `ids=${ids().join(",")}`));
    const start = 1_000_000;
    const end = 6_500_000; // spans the end of one entry's data, headers, and the next entry
    const part = await archiveGet(ann.token, `ids=${ids().join(",")}`, { range: `bytes=${start}-${end}` });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes ${start}-${end}/${full.length}`);
    expect((await bytesOf(part)).equals(full.subarray(start, end + 1))).toBe(true);
    const tail = await archiveGet(ann.token, `ids=${ids().join(",")}`, { range: "bytes=-22" });
    expect((await bytesOf(tail)).equals(full.subarray(full.length - 22))).toBe(true);
    const stale = await archiveGet(ann.token, `ids=${ids().join(",")}`, { range: "bytes=0-9", "if-range": '"0000"' });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).length).toBe(full.length);
  });

  test("curl -C - resumes a broken download into the exact archive", async () => {
    const url = `${suite.url}/api/v1/images/archive?ids=${ids().join(",")}`;
    const full = await bytesOf(await archiveGet(ann.token, `ids=${ids().join(",")}`));
    const dir = mkdtempSync(join(scratch.path, "resume-"));
    const path = join(dir, "partial.zip");
    writeFileSync(path, full.subarray(0, 3_333_333)); // what a broken download left behind
    const r = spawnSync("curl", ["-sS", "-f", "-C", "-", "-H", `authorization: Bearer ${ann.token}`, "-o", path, url], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path).equals(full)).toBe(true);
    checkedZip(readFileSync(path));
  });
});

describe("streaming", () => {
  test("a client that disconnects half-way stops the work: no blob stays open", async () => {
    // Far larger than what socket buffers hold, so the server is mid-archive when the client leaves.
    const huge: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await uploadRaw(suite.url, ann.token, pngOfSize(40 * 1024 * 1024, 500 + i), { filename: `huge-${i}.png` });
      expect(res.status).toBe(201);
      huge.push((await jsonOf<UploadBody>(res)).created[0]!.id);
    }
    // Their previews and analysis read the same blobs in the background; only the archive may hold one.
    for (const id of huge) {
      await settledImage(suite.url, ann.token, id, 120_000);
      await analysedImage(suite.url, ann.token, id, 120_000);
    }
    const pid = suite.server.proc.pid;
    const hugeBlobs = huge.map((id) => blobPath(join(suite.dataDir, "blobs"), id));
    const openBlobs = () =>
      readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return hugeBlobs.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          return false;
        }
      }).length;
    // A raw client that reads the first bytes, then stops reading: the server fills the socket
    // buffers and waits, mid-entry, with that entry's blob open. Then the client hangs up.
    const { port, hostname } = new URL(suite.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(`GET /api/v1/images/archive?ids=${huge.join(",")} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ann.token}\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once("data", () => resolve()));
    socket.pause();
    let waiting = 0;
    while (openBlobs() !== 1 && waiting++ < 100) await Bun.sleep(10);
    expect(openBlobs()).toBe(1); // mid-archive: exactly the entry being read, held by back-pressure
    socket.destroy();
    let closed = false;
    for (let i = 0; i < 50 && !closed; i += 1) {
      await Bun.sleep(20);
      closed = openBlobs() === 0;
    }
    expect(closed).toBe(true);
  });

  test("an entry that fails authentication half-way aborts the response and is logged with its id", async () => {
    const victim = big[1]!;
    const blob = blobPath(join(suite.dataDir, "blobs"), victim.id);
    const handle = await fs.open(blob, "r+");
    const one = new Uint8Array(1);
    const at = 64 + 5 * (65536 + 16) + 100; // inside segment 5, past the header
    await handle.read(one, 0, 1, at);
    one[0]! ^= 0x40;
    await handle.write(one, 0, 1, at);
    await handle.close();

    const res = await archiveGet(ann.token, `ids=${big.map((b) => b.id).join(",")}`);
    expect(res.status).toBe(200);
    const declared = Number(res.headers.get("content-length"));
    let received = 0;
    let failed = false;
    try {
      for await (const chunk of res.body!) received += chunk.length;
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    expect(received).toBeLessThan(declared);
    expect(await suite.server.logged((l) => l.msg === "integrity error" && l.imageId === victim.id)).toBe(true);
  });
});
