// Encryption at rest through a real server: a copy of the data directory without the master
// key holds no image byte, filename, tag or description, and failed uploads leave nothing behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import { connect } from "node:net";
import { join, relative } from "node:path";
import { call, expectProblem, loginToken, registerUser } from "../support/accounts.ts";
import type { ImageBody, ImagePage, MeBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { fixtureImage, noisePng, pngOfSize } from "../support/images.ts";
import { type RunningServer, useSuiteServer, startServer, tempDir } from "../support/pixvault.ts";
import { settledImage } from "../support/previews-api.ts";

const MASTER_KEY_FILE = "master.key";

interface DataFile {
  path: string; // relative to the data dir
  bytes: Buffer;
  mode: number;
}

/** Every regular file under `dir`, read whole. */
async function readTree(dir: string): Promise<DataFile[]> {
  const files: DataFile[] = [];
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    // A -shm or -journal file can vanish between listing and reading while the server runs.
    const bytes = await fs.readFile(path).catch(() => undefined);
    if (bytes) files.push({ path: relative(dir, path), bytes, mode: (await fs.stat(path)).mode });
  }
  return files;
}

/** The ways a secret could sit in a file in clear. */
function encodings(secret: string): Buffer[] {
  return [Buffer.from(secret, "utf8"), Buffer.from(secret, "utf16le")];
}

/** Which needles (by label) occur in which files. */
function findAll(files: DataFile[], needles: Map<string, Buffer[]>): string[] {
  const found: string[] = [];
  for (const file of files) {
    for (const [label, forms] of needles) {
      if (file.path.includes(label) || forms.some((f) => file.bytes.includes(f))) found.push(`${label} in ${file.path}`);
    }
  }
  return found;
}

/**
 * A few 64-byte windows spread over an image: none may be found in any stored file. The first
 * starts inside the PNG header but reaches the marker's random part, so it is unique.
 */
function windowsOf(bytes: Buffer): Buffer[] {
  const at = [40, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2), bytes.length - 64];
  return at.map((offset) => bytes.subarray(offset, offset + 64));
}

function marker(kind: string): string {
  return `pixvault-${kind}-marker-${randomBytes(8).toString("hex")}`;
}

describe("a copy of the data directory without the master key reveals nothing", () => {
  const dir = tempDir();
  const dataDir = join(dir.path, "data");
  let server: RunningServer | undefined;
  // label → encodings to search for; label doubles as a readable name in failures.
  const secrets = new Map<string, Buffer[]>();
  const imageBytes: Buffer[] = [];
  const digests: string[] = [];
  let username: string;

  beforeAll(async () => {
    server = await startServer(["--data-dir", dataDir]);
    const url = server.url;
    const user = await registerUser(url);
    username = user.username;
    const token = await loginToken(url, user.username, user.password);

    const images: ImageBody[] = [];
    for (let i = 0; i < 6; i++) {
      const inImage = marker("image").toUpperCase();
      const filename = `secret-${marker("name")}.png`;
      const tag = marker("tag");
      const description = `description ${marker("description")}`;
      // Small ones are a single segment; the larger ones span several.
      const bytes = noisePng({ width: i < 3 ? 50 : 180, height: i < 3 ? 40 : 150, seed: 100 + i, text: inImage });
      const visibility = i % 2 === 0 ? "private" : "public";
      const options = { visibility, tags: `${tag},plain`, description };
      // Half multipart, half raw bodies with the options in the query.
      const image =
        i < 3
          ? await uploadOne(url, token, { name: filename, bytes }, options)
          : (await jsonOf<UploadBody>(await uploadRaw(url, token, bytes, { filename, ...options }))).created[0]!;
      expect(image).toMatchObject({ filename, visibility, tags: [tag, "plain"] });
      images.push(image);
      imageBytes.push(bytes);
      digests.push(image.sha256);
      for (const s of [inImage, filename, tag, description]) secrets.set(s, encodings(s));
    }

    // Changed values are covered too: rename, new tags and description on one private, one public.
    for (const image of [images[0]!, images[1]!]) {
      const filename = `secret-${marker("renamed")}.png`;
      const tag = marker("newtag");
      const description = marker("newdescription");
      const res = await call(url, "PATCH", `/api/v1/images/${image.id}`, { token, json: { filename, tags: [tag], description } });
      expect(res.status).toBe(200);
      expect((await jsonOf<{ image: ImageBody }>(res)).image).toMatchObject({ filename, tags: [tag], description });
      for (const s of [filename, tag, description]) secrets.set(s, encodings(s));
    }
    // And the values read back through the API, so the markers really were stored.
    const listed = await call(url, "GET", "/api/v1/images?scope=mine", { token });
    const names = (await jsonOf<ImagePage>(listed)).items.map((i) => i.filename);
    expect(names.filter((n: string) => secrets.has(n))).toHaveLength(6);
    // Their previews are made in the background: wait for them, so the scan covers them too.
    for (const image of images) expect((await settledImage(url, token, image.id)).previews).toEqual({ status: "ready" });
  });

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  function digestNeedles(): Map<string, Buffer[]> {
    return new Map(digests.map((d) => [`sha256 ${d}`, [Buffer.from(d), Buffer.from(d, "hex")]]));
  }

  function needles(): Map<string, Buffer[]> {
    const all = new Map(secrets);
    for (const [i, bytes] of imageBytes.entries()) all.set(`image ${i} bytes`, windowsOf(bytes));
    return all;
  }

  test("the search finds every secret where it is in clear (so silence below means something)", () => {
    const originals: DataFile[] = imageBytes.map((bytes, i) => ({ path: `original-${i}.png`, bytes, mode: 0 }));
    // Each original holds its own marker and its own windows, and nothing else searched for.
    expect(findAll(originals, needles())).toHaveLength(2 * imageBytes.length);
    // A secret written as UTF-16LE or UTF-8 anywhere in a file is found.
    const [label, forms] = [...secrets][1]!;
    const planted = Buffer.concat([randomBytes(100), forms[1]!, randomBytes(100)]);
    expect(findAll([{ path: "x", bytes: planted, mode: 0 }], secrets)).toEqual([`${label} in x`]);
  });

  async function expectNothingInClear(): Promise<void> {
    const files = await readTree(dataDir);
    const paths = files.map((f) => f.path);
    // The scan covers what matters: the database, its WAL while it exists, and every blob.
    expect(paths).toContain("pixvault.db");
    // Six originals and their twelve previews.
    expect(paths.filter((p) => p.startsWith("blobs/"))).toHaveLength(18);
    const keyFile = files.find((f) => f.path === MASTER_KEY_FILE);
    expect(keyFile).toBeDefined();
    // The key file is excluded from the copy, but it holds no secret either.
    expect(findAll([keyFile!], needles())).toEqual([]);

    const copy = files.filter((f) => f.path !== MASTER_KEY_FILE);
    expect(findAll(copy, needles())).toEqual([]);

    // The plaintext digest is sealed: neither as hex nor as raw bytes in any file.
    expect(findAll(copy, digestNeedles())).toEqual([]);
  }

  test("while the server runs (the WAL holds the latest writes)", async () => {
    await expectNothingInClear();
  });

  test("database and blob files are readable by their owner only", async () => {
    const files = await readTree(dataDir);
    const guarded = files.filter((f) => f.path.startsWith("blobs/") || f.path.startsWith("pixvault.db") || f.path === MASTER_KEY_FILE);
    expect(guarded.length).toBeGreaterThanOrEqual(8);
    const open = guarded.filter((f) => (f.mode & 0o077) !== 0).map((f) => `${f.path} ${(f.mode & 0o777).toString(8)}`);
    expect(open).toEqual([]);
    for (const sub of ["", "blobs"]) expect((await fs.stat(join(dataDir, sub))).mode & 0o077).toBe(0);
  });

  test("after the server stopped, and in a copy whose WAL is checkpointed and whose rows are read", async () => {
    expect(await server!.stop()).toBe(0);
    // Nor does the server's log, which usually ends up beside such a copy.
    expect(findAll([{ path: "server log", bytes: Buffer.from(server!.output()), mode: 0 }], needles())).toEqual([]);
    await expectNothingInClear();

    // Whoever holds a copy can open it with sqlite: fold the WAL in and read every value.
    const copyDir = join(dir.path, "copy");
    await fs.cp(dataDir, copyDir, { recursive: true, filter: (src) => !src.endsWith(MASTER_KEY_FILE) });
    const db = new Database(join(copyDir, "pixvault.db"));
    const values: Buffer[] = [];
    try {
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      for (const { name } of tables) {
        for (const row of db.query<Record<string, unknown>, []>(`SELECT * FROM "${name}"`).all()) {
          for (const v of Object.values(row)) values.push(v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(String(v)));
        }
      }
      expect(tables.map((t) => t.name)).toContain("images");
    } finally {
      db.close();
    }
    const copy = await readTree(copyDir);
    expect(copy.find((f) => f.path === "pixvault.db")!.bytes.length).toBeGreaterThan(4096 * 4);
    expect(copy.map((f) => f.path)).not.toContain(MASTER_KEY_FILE);
    const rows: DataFile = { path: "every database value", bytes: Buffer.concat(values), mode: 0 };
    // The dump works: the username, which is not secret, is in it.
    expect(rows.bytes.includes(Buffer.from(username))).toBe(true);
    expect(findAll([...copy, rows], needles())).toEqual([]);
    expect(findAll([...copy, rows], digestNeedles())).toEqual([]);
  });
});

/** Stored blob files (not temp files) and temp files under a blob dir. */
async function blobCensus(blobDir: string): Promise<{ blobs: string[]; temps: string[] }> {
  const files = existsSync(blobDir) ? await fs.readdir(blobDir, { recursive: true, withFileTypes: true }) : [];
  const blobs: string[] = [];
  const temps: string[] = [];
  for (const f of files) {
    if (!f.isFile()) continue;
    const path = relative(blobDir, join(f.parentPath, f.name));
    (path.startsWith(".tmp/") ? temps : blobs).push(path);
  }
  return { blobs: blobs.sort(), temps };
}

async function usage(url: string, token: string): Promise<{ images: number; bytes: number }> {
  const res = await call(url, "GET", "/api/v1/me", { token });
  expect(res.status).toBe(200);
  return (await jsonOf<{ user: MeBody }>(res)).user.usage;
}

/** Polls until `check` passes (the server may notice a vanished client a little later). */
async function eventually(check: () => Promise<void>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await Bun.sleep(25);
    }
  }
}

/** Sends a request's head and part of its body over a raw socket, then drops the connection. */
async function sendAndVanish(port: number, head: string, body: Buffer, beforeDrop: () => Promise<void>): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.write(head);
  await new Promise<void>((resolve) => socket.write(body, () => resolve()));
  await beforeDrop();
  socket.destroy();
}

describe("rejected and aborted uploads leave no blob, temp file or row", () => {
  const suite = useSuiteServer();
  const blobDir = () => join(suite.dataDir, "blobs");
  let token: string;
  let before: { blobs: string[]; temps: string[] };
  let usageBefore: { images: number; bytes: number };

  beforeAll(async () => {
    const user = await registerUser(suite.url);
    token = await loginToken(suite.url, user.username, user.password);
    const taken = await uploadOne(suite.url, token, { name: "taken.png", bytes: pngOfSize(3000, 1) });
    // The background pool stays on, so a refused upload that queued previews would show below.
    expect((await settledImage(suite.url, token, taken.id)).previews).toEqual({ status: "ready" });
    before = await blobCensus(blobDir());
    usageBefore = await usage(suite.url, token);
    expect(before.blobs).toEqual([expect.any(String), `${before.blobs[0]}.display`, `${before.blobs[0]}.thumb`]);
    expect(usageBefore.images).toBe(1);
  });

  async function expectNothingLeft(): Promise<void> {
    await eventually(async () => {
      expect(await blobCensus(blobDir())).toEqual({ blobs: before.blobs, temps: [] });
    });
    expect(await usage(suite.url, token)).toEqual(usageBefore);
  }

  test("415: a PDF (multipart and raw), disguised as a PNG", async () => {
    const pdf = fixtureImage("sample.pdf");
    await expectProblem(
      await uploadFiles(suite.url, token, [{ name: "doc.png", bytes: pdf, type: "image/png" }]),
      415,
      "unsupported_media_type",
    );
    await expectProblem(await uploadRaw(suite.url, token, pdf, { filename: "doc.png" }), 415, "unsupported_media_type");
    await expectNothingLeft();
  });

  test("409: a name that is taken (the blob was written before the name was claimed)", async () => {
    const res = await uploadFiles(suite.url, token, [{ name: "taken.png", bytes: pngOfSize(200_000, 2) }]);
    await expectProblem(res, 409, "name_conflict");
    await expectNothingLeft();
  });

  test("a raw body whose client vanishes after 1 MB of a declared 5 MB", async () => {
    const png = pngOfSize(5_000_000, 3);
    const head =
      `POST /api/v1/images?filename=vanished.png HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${png.length}\r\n\r\n`;
    await sendAndVanish(suite.server.port, head, png.subarray(0, 1_000_000), async () => {
      // The upload is really under way: its temp file exists before the client goes.
      await eventually(async () => expect((await blobCensus(blobDir())).temps).toHaveLength(1));
    });
    await expectNothingLeft();
  });

  test("a multipart body whose client vanishes in the middle of a file", async () => {
    const boundary = `----pixvault${randomBytes(8).toString("hex")}`;
    const png = pngOfSize(3_000_000, 4);
    const partHead = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const total = partHead.length + png.length + `\r\n--${boundary}--\r\n`.length;
    const head =
      `POST /api/v1/images HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${total}\r\n\r\n`;
    await sendAndVanish(suite.server.port, head, Buffer.concat([partHead, png.subarray(0, 1_000_000)]), async () => {
      await eventually(async () => expect((await blobCensus(blobDir())).temps).toHaveLength(1));
    });
    await expectNothingLeft();
  });

  test("a multipart body that ends cleanly but without its closing boundary → 400, nothing kept", async () => {
    const boundary = `----pixvault${randomBytes(8).toString("hex")}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="unfinished.png"\r\n\r\n`),
      pngOfSize(100_000, 5),
    ]);
    const res = await call(suite.url, "POST", "/api/v1/images", {
      token,
      body,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request" });
    await expectNothingLeft();
  });

  test("a raw body shorter than its Content-Length is never stored as a shorter image", async () => {
    const png = pngOfSize(400_000, 6);
    const head =
      `POST /api/v1/images?filename=short.png HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${png.length + 10}\r\n\r\n`;
    // Everything but the last 10 bytes, then a half-close: the server sees the body end early.
    const socket = connect(suite.server.port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    socket.write(head);
    socket.end(png);
    await Bun.sleep(200);
    socket.destroy();
    await expectNothingLeft();
  });
});

describe("uploads over --max-image-bytes leave nothing behind", () => {
  const suite = useSuiteServer(["--max-image-bytes", "100000"]);
  let token: string;

  beforeAll(async () => {
    const user = await registerUser(suite.url);
    token = await loginToken(suite.url, user.username, user.password);
  });

  test("413 payload_too_large: raw (declared length) and multipart (found while streaming)", async () => {
    const big = pngOfSize(150_000, 7);
    await expectProblem(await uploadRaw(suite.url, token, big, { filename: "big.png" }), 413, "payload_too_large");
    await expectProblem(await uploadFiles(suite.url, token, [{ name: "big.png", bytes: big }]), 413, "payload_too_large");
    // One that fits still works, so the limit is the reason.
    await uploadOne(suite.url, token, { name: "fits.png", bytes: pngOfSize(90_000, 8) });
    await eventually(async () => {
      const census = await blobCensus(join(suite.dataDir, "blobs"));
      expect(census.blobs).toHaveLength(1);
      expect(census.temps).toEqual([]);
    });
    expect(await usage(suite.url, token)).toMatchObject({ images: 1 });
  });
});
