// pixvault push and pull against a real server: a folder tree there and back byte for byte, a
// second push that sends nothing, a pull resumed from a truncated .part, sha256 checks, --album on
// push/pull/ls, --dry-run, failures (exit 1 with a summary) and usage errors (exit 2).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call } from "../support/accounts.ts";
import { type ClientHome, loggedInClient } from "../support/client.ts";
import { exifJpeg } from "../support/exif-photos.ts";
import { fixtureImage, noisePng } from "../support/images.ts";
import { uploadOne } from "../support/images-api.ts";
import { type LogLine, useSuiteServer } from "../support/pixvault.ts";

interface Listed {
  id: string;
  filename: string;
  sha256: string;
  createdAt: string;
  takenAt: string | null;
  visibility: string;
  tags: string[];
}

const lsJson = async (home: ClientHome, ...args: string[]): Promise<Listed[]> => {
  const r = await home.run(["ls", "--json", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { items: Listed[] }).items;
};

function write(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, bytes);
}

describe("pixvault push and pull", () => {
  // 12 MiB: a 9 MiB image goes through resumable uploads, a 13 MiB one is refused.
  const suite = useSuiteServer(["--max-image-bytes", "12MiB"]);
  let client: Awaited<ReturnType<typeof loggedInClient>>;
  beforeAll(async () => {
    client = await loggedInClient(suite.url);
  });
  afterAll(() => client.home.remove());

  test("a folder tree goes up and comes back byte for byte; non-images are skipped; a second push sends nothing", async () => {
    const { home } = client;
    const tree: Record<string, Uint8Array | string> = {
      "photos/a.png": noisePng({ width: 64, height: 48, seed: 11 }),
      "photos/2024/b.jpg": fixtureImage("sample.jpg"),
      "photos/2024/deep/c.gif": fixtureImage("sample.gif"),
      "photos/2024/deep/d.webp": fixtureImage("sample.webp"),
      "photos/2024/e.heic": fixtureImage("sample.heic"),
      "photos/copies/a-again.png": noisePng({ width: 64, height: 48, seed: 11 }),
      "photos/notes.txt": "not a photo\n",
      "photos/2024/fake.png": fixtureImage("fake.png"),
      "photos/2024/deep/doc.pdf": fixtureImage("sample.pdf"),
    };
    for (const [path, bytes] of Object.entries(tree)) write(join(home.dir, path), bytes);

    const first = await home.run(["push", "photos", "--jobs", "3"]);
    expect(first.code, first.stderr).toBe(0);
    for (const sent of ["a.png", "2024/b.jpg", "2024/deep/c.gif", "2024/deep/d.webp", "2024/e.heic"]) {
      expect(first.stdout).toMatch(new RegExp(`^sent photos/${sent} \\(.+\\) as \\S+$`, "m"));
    }
    expect(first.stdout).toContain("skipped photos/notes.txt: not an image (text/plain)");
    expect(first.stdout).toContain("skipped photos/2024/fake.png: not an image (text/plain)");
    expect(first.stdout).toContain("skipped photos/2024/deep/doc.pdf: not an image (application/pdf)");
    expect(first.stdout).toMatch(/present photos\/copies\/a-again\.png \(\S+, the same bytes as photos\/a\.png\)/);
    expect(first.stdout).toMatch(/^push: 5 sent \(.+\), 1 already on the server, 3 skipped, 0 failed in [\d.]+ s$/m);
    const listed = await lsJson(home);
    expect(listed.map((i) => i.filename).sort()).toEqual(["a.png", "b.jpg", "c.gif", "d.webp", "e.heic"]);
    expect(listed.every((i) => i.visibility === "private")).toBe(true);

    const second = await home.run(["push", "photos"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^push: 0 sent \(0 B\), 6 already on the server, 3 skipped, 0 failed/m);
    expect(second.stdout).not.toMatch(/^sent /m);
    expect((await lsJson(home)).length).toBe(5);

    const pulled = await home.run(["pull", "--all", "--out", "back"]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toMatch(/^pull: 5 fetched \(.+\), 0 already in back, 0 failed/m);
    expect(readdirSync(join(home.dir, "back")).sort()).toEqual(["a.png", "b.jpg", "c.gif", "d.webp", "e.heic"]);
    const original: Record<string, string> = {
      "a.png": "photos/a.png",
      "b.jpg": "photos/2024/b.jpg",
      "c.gif": "photos/2024/deep/c.gif",
      "d.webp": "photos/2024/deep/d.webp",
      "e.heic": "photos/2024/e.heic",
    };
    for (const [name, from] of Object.entries(original)) {
      expect(Buffer.compare(readFileSync(join(home.dir, "back", name)), readFileSync(join(home.dir, from)))).toBe(0);
      // No date taken in these: the mtime is when the image was uploaded.
      const image = listed.find((i) => i.filename === name)!;
      expect(Math.abs(statSync(join(home.dir, "back", name)).mtimeMs - Date.parse(image.createdAt))).toBeLessThan(1000);
    }
    const again = await home.run(["pull", "--all", "--out", "back"]);
    expect(again.stdout).toMatch(/^pull: 0 fetched \(0 B\), 5 already in back, 0 failed/m);
  });

  test("a pull cut short resumes from its .part with Range; bytes that do not match the sha256 are thrown away", async () => {
    const { home } = client;
    const bytes = noisePng({ width: 200, height: 150, seed: 21 });
    write(join(home.dir, "resume/big.png"), bytes);
    expect((await home.run(["push", "resume/big.png"])).code).toBe(0);
    const id = (await lsJson(home)).find((i) => i.filename === "big.png")!.id;

    // A download that stopped after 1000 bytes (a killed run leaves NAME.part).
    write(join(home.dir, "out/big.png.part"), bytes.subarray(0, 1000));
    const logsBefore = suite.server.logs().length;
    const resumed = await home.run(["pull", id, "--out", "out"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("resumed after 1000 B");
    expect(Buffer.compare(readFileSync(join(home.dir, "out/big.png")), bytes)).toBe(0);
    expect(readdirSync(join(home.dir, "out"))).toEqual(["big.png"]);
    const isContent = (l: LogLine) => l.msg === "request" && l.route === "/api/v1/images/:id/content";
    expect(await suite.server.logged(isContent, { after: logsBefore })).toBe(true);
    const contentAnswers = suite.server.logs().slice(logsBefore).filter(isContent);
    expect(contentAnswers.map((l) => [l.status, l.bytesOut])).toEqual([[206, bytes.length - 1000]]);

    // A .part holding other bytes: the rest arrives, the whole fails its sha256, nothing is kept.
    write(join(home.dir, "bad/big.png.part"), Buffer.alloc(1000, 7));
    const bad = await home.run(["pull", id, "--out", "bad"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^failed bad\/big\.png \(\S+\): 200 checksum_mismatch: .+$/m);
    expect(bad.stdout).toMatch(/^pull: 0 fetched \(0 B\), 0 already in bad, 1 failed/m);
    expect(readdirSync(join(home.dir, "bad"))).toEqual([]);
    const retried = await home.run(["pull", id, "--out", "bad"]);
    expect(retried.code).toBe(0);
    expect(Buffer.compare(readFileSync(join(home.dir, "bad/big.png")), bytes)).toBe(0);
  });

  test("an image id that begins with '-' (1 id in 64) is taken as an id, not as flags", async () => {
    const { home } = client;
    const id = `-x${"A".repeat(20)}`; // the shape of an id; no image has it
    const pulled = await home.run(["pull", id, "--out", "dash"]);
    expect(pulled.stderr).not.toContain("unknown flag");
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toContain(id);
  });

  test("--album: push makes it and puts sent and already-present images in it; pull and ls take only its images", async () => {
    const { home, token } = await loggedInClient(suite.url);
    try {
      write(join(home.dir, "trip/x.png"), noisePng({ width: 30, height: 20, seed: 31 }));
      write(join(home.dir, "trip/y.png"), noisePng({ width: 30, height: 20, seed: 32 }));
      write(join(home.dir, "other/z.png"), noisePng({ width: 30, height: 20, seed: 33 }));
      expect((await home.run(["push", "trip/x.png", "other"])).code).toBe(0);

      const dry = await home.run(["push", "trip", "--album", "Trip 2026", "--dry-run"]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('would create album "Trip 2026"');
      expect(dry.stdout).toContain("would send trip/y.png");
      expect(dry.stdout).toMatch(/^push \(dry run\): would send 1 file\(s\) \(.+\), 1 already on the server/m);
      expect((await lsJson(home)).length).toBe(2);
      const albumsAfterDryRun = (await (await call(suite.url, "GET", "/api/v1/albums", { token })).json()) as { items: [] };
      expect(albumsAfterDryRun.items).toEqual([]);

      const pushed = await home.run(["push", "trip", "--album", "Trip 2026", "--tags", "Sea,sun", "--public"]);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout).toMatch(/^created album "Trip 2026" \(\S+\)$/m);
      const inAlbum = await lsJson(home, "--album", "Trip 2026");
      expect(inAlbum.map((i) => i.filename).sort()).toEqual(["x.png", "y.png"]);
      const y = inAlbum.find((i) => i.filename === "y.png")!;
      expect(y).toMatchObject({ visibility: "public", tags: ["sea", "sun"] });
      expect((await lsJson(home, "--tag", "sea")).map((i) => i.filename)).toEqual(["y.png"]);
      expect((await lsJson(home, "--public")).map((i) => i.id)).toContain(y.id);

      // The album exists now: a second push adds to it rather than making another.
      write(join(home.dir, "trip/w.png"), noisePng({ width: 30, height: 20, seed: 34 }));
      const more = await home.run(["push", "trip", "--album", "Trip 2026"]);
      expect(more.stdout).not.toContain("created album");
      expect((await lsJson(home, "--album", "Trip 2026")).length).toBe(3);

      const pulled = await home.run(["pull", "--album", "Trip 2026", "--out", "album"]);
      expect(pulled.code).toBe(0);
      expect(readdirSync(join(home.dir, "album")).sort()).toEqual(["w.png", "x.png", "y.png"]);
      const byTag = await home.run(["pull", "--tag", "SUN", "--out", "tagged"]);
      expect(readdirSync(join(home.dir, "tagged"))).toEqual(["y.png"]);
      expect(byTag.code).toBe(0);

      for (const args of [
        ["ls", "--album", "Nope"],
        ["pull", "--album", "Nope"],
      ]) {
        const r = await home.run(args);
        expect({ args, code: r.code, err: r.stderr }).toEqual({
          args,
          code: 2,
          err: 'pixvault: --album: you have no album named "Nope"\n',
        });
      }
    } finally {
      home.remove();
    }
  });

  test("same-named images and local files in the way get unique names; a type's extension is added", async () => {
    const { home, token } = await loggedInClient(suite.url);
    try {
      const privateCat = noisePng({ width: 10, height: 10, seed: 41 });
      const publicCat = noisePng({ width: 10, height: 10, seed: 42 });
      await uploadOne(suite.url, token, { name: "cat.png", bytes: privateCat });
      await uploadOne(suite.url, token, { name: "cat.png", bytes: publicCat }, { visibility: "public" });
      await uploadOne(suite.url, token, { name: "invoice.html", bytes: fixtureImage("sample.gif") });
      write(join(home.dir, "out/cat.png"), "my own file, not an image");
      const r = await home.run(["pull", "--all", "--out", "out"]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(join(home.dir, "out")).sort()).toEqual(["cat (1).png", "cat (2).png", "cat.png", "invoice.html.gif"]);
      expect(readFileSync(join(home.dir, "out/cat.png"), "utf8")).toBe("my own file, not an image");
      expect(Buffer.compare(readFileSync(join(home.dir, "out/cat (1).png")), privateCat)).toBe(0);
      expect(Buffer.compare(readFileSync(join(home.dir, "out/cat (2).png")), publicCat)).toBe(0);
      // The next run finds them where it put them.
      expect((await home.run(["pull", "--all", "--out", "out"])).stdout).toMatch(/0 fetched \(0 B\), 3 already in out/);
    } finally {
      home.remove();
    }
  });

  test("a pulled photo's mtime is when it was taken (EXIF DateTimeOriginal with its offset)", async () => {
    const { home } = client;
    write(join(home.dir, "taken/holiday.jpg"), await exifJpeg({ taken: "2024:05:01 14:03:22", offset: "+02:00", seed: 5 }));
    expect((await home.run(["push", "taken"])).code).toBe(0);
    const image = (await lsJson(home)).find((i) => i.filename === "holiday.jpg")!;
    expect(image.takenAt).toBe("2024-05-01T14:03:22+02:00");
    const r = await home.run(["pull", image.id, "--out", "taken-back"]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(home.dir, "taken-back/holiday.jpg")).mtime.toISOString()).toBe("2024-05-01T12:03:22.000Z");
  });

  test("some files failing is exit 1 with a summary; large files go through resumable uploads", async () => {
    const { home } = await loggedInClient(suite.url);
    try {
      const large = noisePng({ width: 1800, height: 1750, seed: 51 }); // ~9 MiB: resumable
      expect(large.length).toBeGreaterThan(8 * 1024 * 1024);
      write(join(home.dir, "mixed/large.png"), large);
      write(join(home.dir, "mixed/huge.png"), noisePng({ width: 2100, height: 2100, seed: 52 })); // over 12 MiB: refused
      write(join(home.dir, "mixed/small.png"), noisePng({ width: 20, height: 20, seed: 53 }));
      symlinkSync(join(home.dir, "gone.png"), join(home.dir, "mixed/broken.png")); // a file that cannot be read
      const logsBefore = suite.server.logs().length;
      const r = await home.run(["push", "mixed"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("failed mixed/broken.png: no such file or directory");
      expect(r.stderr).toMatch(/^failed mixed\/huge\.png: 413 payload_too_large: .+$/m);
      expect(r.stdout).toMatch(/^sent mixed\/large\.png \(.+\) as \S+$/m);
      expect(r.stdout).toMatch(/^push: 2 sent \(.+\), 0 already on the server, 0 skipped, 2 failed/m);
      // Each answer's log line may reach this process a little after the client has exited.
      const answered = (route: string) =>
        suite.server.logged((l) => l.msg === "request" && `${l.method} ${l.route} ${l.status}` === route, { after: logsBefore });
      expect(await answered("PATCH /api/v1/uploads/:id 204")).toBe(true);
      expect(await answered("POST /api/v1/uploads 413")).toBe(true);
      expect(await answered("POST /api/v1/images 201")).toBe(true);
      const listed = await lsJson(home);
      expect(listed.find((i) => i.filename === "large.png")?.sha256).toBe(new Bun.CryptoHasher("sha256").update(large).digest("hex"));
    } finally {
      home.remove();
    }
  });

  test("bad usage is exit 2 in one line, before anything is sent", async () => {
    const { home } = client;
    const cases: [string[], RegExp][] = [
      [["push"], /give the files or folders/],
      [["push", "no/such/dir"], /no\/such\/dir: no such file or directory/],
      [["push", ".", "--jobs", "0"], /--jobs: expected a whole number from 1 to 32/],
      [["push", ".", "--album", " "], /--album: give the album's name/],
      [["pull"], /say what to pull/],
      [["pull", "--all", "--tag", "x"], /give only one of/],
      [["pull", "--zip", "a.zip", "--all", "--out", "d"], /--out does not go with it/],
      [["pull", "--all", "--jobs", "x"], /--jobs: expected a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = await home.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const env = await home.run(["pull", "--all", "--out", "envjobs"], { env: { PIXVAULT_JOBS: "99" } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("--jobs (from PIXVAULT_JOBS)");
  });
});
