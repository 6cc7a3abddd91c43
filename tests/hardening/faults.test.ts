// Faults a real deployment meets: the process killed (kill -9) in the middle of uploads and of
// deletes, a disk that fills up, and the database locked by another process. Each time the
// user must find what was confirmed stored, byte-exact, and clear answers instead of 500s.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, expectProblem, SecretJar, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { BulkDeleteBody, Failure, ImageBody, UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { noisePng, pngOfSize } from "../support/images.ts";
import { imageIdOfBlob } from "../../src/domain/previews/ports.ts";
import { runCli, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { settledImage } from "../support/previews-api.ts";
import { openUpload, requestHead } from "./raw-http.ts";
import { blobIds, expectAlive, expectNoSecretsLogged, rememberMasterKey, tempBlobFiles } from "./server-probes.ts";

const jar = new SecretJar();
/** Each server's output, collected when this file's last test reads them. */
const servers: RunningServer[] = [];
let seed = 50_000;
const smallPng = (name: string) => ({ name, bytes: noisePng({ width: 24, height: 18, seed: seed++ }) });

/** A server on `dataDir` whose output is checked for secrets at the end of this file. */
async function serve(dataDir: string, args: string[] = []): Promise<RunningServer> {
  const server = await startServer(["--data-dir", dataDir, ...args]);
  rememberMasterKey(jar, dataDir);
  servers.push(server);
  return server;
}

/** Stops what a failed test left running, so its data dir (or mount) can go. */
async function stopAll(): Promise<void> {
  await Promise.all(servers.filter((s) => s.proc.exitCode === null).map((s) => s.stop("SIGKILL")));
}

afterAll(stopAll);

/** A temp dir for the enclosing describe block, removed after its servers are stopped. */
function scratchDir(prefix: string): { path: string } {
  const dir = tempDir(prefix);
  afterAll(async () => {
    await stopAll();
    dir.remove();
  });
  return dir;
}

async function kill9(server: RunningServer): Promise<void> {
  expect(await server.stop("SIGKILL")).not.toBe(0);
}

/** Every image the API lists for this user comes back byte-exact, by its filename. */
async function expectListedByteExact(server: RunningServer, member: SignedInUser, sent: Map<string, Uint8Array>): Promise<ImageBody[]> {
  const listed = await listAll(server.url, member.token);
  for (const item of listed) {
    const bytes = sent.get(item.filename);
    expect({ filename: item.filename, known: bytes !== undefined }).toEqual({ filename: item.filename, known: true });
    const res = await contentOf(server.url, member.token, item.id);
    expect({ id: item.id, status: res.status }).toEqual({ id: item.id, status: 200 });
    expect(sha256Hex(await bytesOf(res))).toBe(sha256Hex(bytes!));
  }
  return listed;
}

describe("kill -9, then a restart on the same data dir", () => {
  const dir = scratchDir("pixvault-crash-");

  test("during large uploads: the server starts, confirmed images are byte-exact, no temp file survives", async () => {
    const dataDir = join(dir.path, "uploads");
    let server = await serve(dataDir);
    const member = await signedInUser(server.url, jar);
    const sent = new Map<string, Uint8Array>();
    const confirmed = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const file = smallPng(`before-${i}.png`);
      sent.set(file.name, file.bytes);
      confirmed.add((await uploadOne(server.url, member.token, file)).filename);
    }

    // Four raw uploads that promise 40 MB and send 3 MB: in flight, with temp files on disk.
    const partial = pngOfSize(3 * 1024 * 1024, 7);
    const sockets = [];
    for (let i = 0; i < 4; i++) {
      const head = requestHead("POST", `/api/v1/images?filename=big-${i}.png`, {
        authorization: `Bearer ${member.token}`,
        "content-type": "application/octet-stream",
        "content-length": 40 * 1024 * 1024,
      });
      const socket = await openUpload(server.port, head);
      socket.write(partial);
      sockets.push(socket);
    }
    // The originals' temp files (`<id>.<random>.tmp`); the previews of the images stored above
    // (`<id>.<size>.<random>.tmp`) may be being written beside them.
    const uploadTemps = () => tempBlobFiles(dataDir).filter((name) => name.split(".").length === 3);
    for (let waited = 0; uploadTemps().length < 4 && waited < 100; waited++) await Bun.sleep(100);
    expect(uploadTemps().length).toBe(4);

    // Small uploads racing the kill: those answered 201 must survive it.
    const racing = Array.from({ length: 20 }, (_, i) => smallPng(`racing-${i}.png`));
    for (const file of racing) sent.set(file.name, file.bytes);
    const statuses: number[] = [];
    const answers = racing.map(async (file) => {
      const res = await uploadFiles(server.url, member.token, [file]);
      statuses.push(res.status);
      if (res.status === 201) confirmed.add((await jsonOf<UploadBody>(res)).created[0]!.filename);
    });
    await Promise.race([Promise.any(answers), Bun.sleep(2_000)]);
    await kill9(server);
    await Promise.allSettled(answers);
    // Answered before the kill means stored; a connection cut by it is the only other outcome.
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    for (const socket of sockets) socket.destroy();
    // The crash left the temp files behind, so the restart has something to sweep.
    expect(tempBlobFiles(dataDir).length).toBeGreaterThanOrEqual(4);

    server = await serve(dataDir);
    expect(tempBlobFiles(dataDir)).toEqual([]);
    const sweep = server.logs().find((l) => l.msg === "removed leftover temp files of interrupted uploads");
    expect(Number(sweep?.count)).toBeGreaterThanOrEqual(4);

    const listed = await expectListedByteExact(server, member, sent);
    const names = listed.map((i) => i.filename);
    for (const name of confirmed) expect(names).toContain(name);
    expect(names.some((n) => n.startsWith("big-"))).toBe(false);
    // No row without a blob: every listed image has its file (orphan blobs are fsck's business).
    expect(blobIds(dataDir)).toEqual(expect.arrayContaining(listed.map((i) => i.id)));
    await server.stop();
    await expectCleanAfterRepair(dataDir, listed.length);
  }, 60_000);

  test("during bulk deletes: acknowledged deletes stay deleted, every listed image is byte-exact", async () => {
    const dataDir = join(dir.path, "deletes");
    let server = await serve(dataDir);
    const member = await signedInUser(server.url, jar);
    const sent = new Map<string, Uint8Array>();
    const ids: string[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const files = Array.from({ length: 10 }, (_, i) => smallPng(`del-${batch}-${i}.png`));
      for (const f of files) sent.set(f.name, f.bytes);
      const res = await uploadFiles(server.url, member.token, files);
      expect(res.status).toBe(201);
      ids.push(...(await jsonOf<UploadBody>(res)).created.map((c) => c.id));
    }

    const acknowledged = new Set<string>();
    const answers: { status: number; failed: Failure[]; all: boolean }[] = [];
    const deletes = Array.from({ length: 8 }, (_, i) => ids.slice(i * 10, i * 10 + 10)).map(async (chunk) => {
      const res = await call(server.url, "POST", "/api/v1/images/delete", { token: member.token, json: { ids: chunk } });
      const body = await jsonOf<BulkDeleteBody>(res);
      answers.push({ status: res.status, failed: body.failed, all: body.deleted.length === chunk.length });
      for (const id of body.deleted) acknowledged.add(id);
    });
    // Kill as soon as the first bulk delete is answered, while the others are under way.
    await Promise.race([Promise.any(deletes), Bun.sleep(2_000)]);
    await kill9(server);
    await Promise.allSettled(deletes);
    expect(acknowledged.size).toBeGreaterThan(0);
    for (const answer of answers) expect(answer).toEqual({ status: 200, failed: [], all: true });

    server = await serve(dataDir);
    const listed = await expectListedByteExact(server, member, sent);
    for (const item of listed) expect(acknowledged.has(item.id)).toBe(false);
    expect(blobIds(dataDir)).toEqual(expect.arrayContaining(listed.map((i) => i.id)));
    expect(tempBlobFiles(dataDir)).toEqual([]);
    // The server that came back still changes things.
    const after = await call(server.url, "POST", "/api/v1/images/delete", { token: member.token, json: { all: true } });
    expect(after.status).toBe(200);
    expect(await listAll(server.url, member.token)).toEqual([]);
    await server.stop();
    await expectCleanAfterRepair(dataDir, 0);
  }, 60_000);
});

/** fsck --repair (server stopped, so no file is too young to judge), then fsck finds it clean. */
async function expectCleanAfterRepair(dataDir: string, images: number): Promise<void> {
  const repair = await runCli(["fsck", "--repair", "--min-age", "0", "--data-dir", dataDir]);
  expect(repair.code, repair.stdout + repair.stderr).toBe(0);
  const check = await runCli(["fsck", "--min-age", "0", "--data-dir", dataDir]);
  expect(check.code, check.stdout).toBe(0);
  expect(check.stdout).toContain(`fsck: ${images} images`);
  expect(check.stdout).toContain("clean");
  // One original per image, and previews (made in the background) only of those images.
  const blobs = blobIds(dataDir);
  const originals = new Set(blobs.filter((id) => imageIdOfBlob(id) === undefined));
  expect(originals.size).toBe(images);
  expect(blobs.filter((id) => !originals.has(imageIdOfBlob(id) ?? id))).toEqual([]);
}

/** Mounts an 8 MiB tmpfs; `skip` says why when this machine does not allow it (not root, no CAP_SYS_ADMIN). */
function smallDisk(): { path: string; skip?: string; remove(): void } {
  const dir = tempDir("pixvault-full-");
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", dir.path], { encoding: "utf8" });
  if (mounted.status === 0) {
    return {
      path: dir.path,
      remove: () => {
        if (spawnSync("umount", [dir.path]).status === 0) dir.remove();
      },
    };
  }
  const why = `${mounted.error?.message ?? ""} ${mounted.stderr}`.trim();
  dir.remove();
  if (/permission denied|not permitted|must be superuser|EPERM|only root/i.test(why)) {
    return { path: "", skip: `cannot mount a tmpfs here (${why}); run the suite as root to test a full disk`, remove: () => {} };
  }
  throw new Error(`mount -t tmpfs failed: ${why}`);
}

const disk = smallDisk();
if (disk.skip) console.warn(`SKIPPED disk-full test: ${disk.skip}`);

describe("a full disk (an 8 MiB tmpfs as the data dir)", () => {
  afterAll(async () => {
    await stopAll();
    disk.remove();
  });
  const freeBytes = () => {
    const s = statfsSync(disk.path);
    return s.bavail * s.bsize;
  };

  test.skipIf(disk.skip !== undefined)(
    "an upload larger than the space is 507 insufficient_storage; nothing stored is lost; freeing space makes uploads work again",
    async () => {
      const dataDir = join(disk.path, "data");
      // Previews on demand only: this test measures free space to the byte around uploads, and
      // previews written in the background would take some of it meanwhile.
      const server = await serve(dataDir, ["--preview-workers", "0"]);
      const member = await signedInUser(server.url, jar);
      const sent = new Map<string, Uint8Array>();
      for (let i = 0; i < 3; i++) {
        const bytes = pngOfSize(200_000, 100 + i);
        sent.set(`kept-${i}.png`, bytes);
        await uploadOne(server.url, member.token, { name: `kept-${i}.png`, bytes });
      }
      const free = freeBytes();

      // Raw: the whole request fails with a clear code, and its partial blob is gone.
      const huge = pngOfSize(12 * 1024 * 1024, 9);
      const raw = await uploadRaw(server.url, member.token, huge, { filename: "huge.png" });
      const problem = await expectProblem(raw, 507, "insufficient_storage");
      expect(problem.detail).toMatch(/storage/);
      expect(tempBlobFiles(dataDir)).toEqual([]);
      expect(freeBytes()).toBeGreaterThan(free - 256 * 1024);

      // Multipart: each file is judged alone; the small one before the huge one is stored.
      const small = smallPng("small-before-huge.png");
      sent.set(small.name, small.bytes);
      const mixed = await uploadFiles(server.url, member.token, [small, { name: "huge-too.png", bytes: huge }]);
      const mixedBody = await jsonOf<UploadBody>(mixed);
      expect(mixed.status).toBe(207);
      expect(mixedBody.created.map((c) => c.filename)).toEqual([small.name]);
      expect(mixedBody.failed).toMatchObject([{ filename: "huge-too.png", status: 507, code: "insufficient_storage" }]);
      expect(tempBlobFiles(dataDir)).toEqual([]);

      // Fill the disk to ~1 MiB with an image that fits; a 3 MiB one then does not.
      const filler = pngOfSize(freeBytes() - 1024 * 1024, 11);
      sent.set("filler.png", filler);
      const stored = await uploadOne(server.url, member.token, { name: "filler.png", bytes: filler });
      const next = pngOfSize(3 * 1024 * 1024, 12);
      await expectProblem(await uploadRaw(server.url, member.token, next, { filename: "next.png" }), 507, "insufficient_storage");
      expect(tempBlobFiles(dataDir)).toEqual([]);

      // Completely full (another file takes the rest): no route answers a bare 500.
      const hog = join(disk.path, "hog");
      try {
        writeFileSync(hog, Buffer.alloc(freeBytes()));
      } catch {
        // ENOSPC: it took what there was
      }
      const tiny = smallPng("tiny.png");
      const whileFull = await Promise.all([
        uploadRaw(server.url, member.token, tiny.bytes, { filename: tiny.name }),
        call(server.url, "POST", `/api/v1/images/${stored.id}/shares`, { token: member.token, json: {} }),
        ...Array.from({ length: 4 }, (_, i) =>
          call(server.url, "PATCH", `/api/v1/images/${stored.id}`, {
            token: member.token,
            json: { description: `${i} ${"a long description ".repeat(50)}` },
          }),
        ),
      ]);
      for (const res of whileFull) {
        const text = await res.text();
        // Written or refused as a full disk, never an internal error.
        expect({ status: res.status, text }).not.toMatchObject({ status: 500 });
        if (res.status >= 400) expect(JSON.parse(text).code).toBe("insufficient_storage");
        else expect(res.status).toBeLessThan(300);
      }
      if (whileFull[0]!.status === 201) sent.set(tiny.name, tiny.bytes);
      rmSync(hog, { force: true });
      expect(tempBlobFiles(dataDir)).toEqual([]);

      // Nothing stored before is lost.
      for (const [name, bytes] of sent) {
        const item = (await listAll(server.url, member.token, { q: name })).find((i) => i.filename === name);
        expect({ name, listed: item !== undefined }).toEqual({ name, listed: true });
        expect(sha256Hex(await bytesOf(await contentOf(server.url, member.token, item!.id)))).toBe(sha256Hex(bytes));
      }

      // Deleting the filler frees its space: the upload that failed now works.
      expect((await call(server.url, "DELETE", `/api/v1/images/${stored.id}`, { token: member.token })).status).toBe(204);
      const again = await uploadOne(server.url, member.token, { name: "next.png", bytes: next });
      expect(sha256Hex(await bytesOf(await contentOf(server.url, member.token, again.id)))).toBe(sha256Hex(next));
      await expectAlive(server);
      await server.stop();
    },
    60_000,
  );
});

describe("the database locked by another process", () => {
  const dir = scratchDir("pixvault-locked-");

  test("a write is 503 service_unavailable with Retry-After within the busy timeout, reads keep working", async () => {
    const dataDir = join(dir.path, "data");
    const server = await serve(dataDir);
    const member = await signedInUser(server.url, jar);
    const image = await uploadOne(server.url, member.token, smallPng("locked.png"));
    // Its previews are made in the background: counted once written, before the lock.
    expect((await settledImage(server.url, member.token, image.id)).previews).toEqual({ status: "ready" });
    const blobsBefore = blobIds(dataDir).length;

    // Another process takes the write lock and holds it for 9 s (killed sooner below).
    const holder = Bun.spawn(
      [
        "python3",
        "-c",
        "import sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(9)",
        join(dataDir, "pixvault.db"),
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    try {
      const first = await holder.stdout.getReader().read();
      expect(new TextDecoder().decode(first.value)).toContain("locked");

      const started = Date.now();
      const patch = call(server.url, "PATCH", `/api/v1/images/${image.id}`, { token: member.token, json: { description: "while locked" } });
      const upload = uploadRaw(server.url, member.token, smallPng("during-lock.png").bytes, { filename: "during-lock.png" });
      await Bun.sleep(200);

      // Reads do not wait for the writer (WAL), and the server is not frozen while writes wait.
      for (const read of [
        () => call(server.url, "GET", `/api/v1/images/${image.id}`, { token: member.token }),
        () => contentOf(server.url, member.token, image.id),
        () => call(server.url, "GET", "/api/v1/images", { token: member.token }),
        () => fetch(`${server.url}/healthz`),
      ]) {
        const t = Date.now();
        const res = await read();
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        expect(Date.now() - t).toBeLessThan(1_000);
      }

      for (const res of [await patch, await upload]) {
        const elapsed = Date.now() - started;
        expect(elapsed).toBeLessThan(7_000);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        await expectProblem(res, 503, "service_unavailable");
      }
      // The refused upload left no blob and no temp file.
      expect(blobIds(dataDir).length).toBe(blobsBefore);
      expect(tempBlobFiles(dataDir)).toEqual([]);
    } finally {
      holder.kill();
      await holder.exited;
    }

    // Lock gone: writes work again.
    const patched = await call(server.url, "PATCH", `/api/v1/images/${image.id}`, { token: member.token, json: { description: "after" } });
    expect(patched.status).toBe(200);
    expect((await jsonOf<{ image: ImageBody }>(patched)).image.description).toBe("after");
    await uploadOne(server.url, member.token, smallPng("after-lock.png"));
    await server.stop();
  }, 30_000);
});

describe("logs", () => {
  test("no password, token or master key of these runs appears in any server's output", () => {
    expect(servers.length).toBeGreaterThanOrEqual(5);
    expectNoSecretsLogged(
      servers.map((s) => s.output()),
      jar,
    );
  });
});
