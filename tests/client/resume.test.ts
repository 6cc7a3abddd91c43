// Transfers that break: a resumable upload cut mid-PATCH goes on from the server's offset; a
// download cut mid-body goes on from its .part; a zip resumes with Range/If-Range in the same run
// and in the next one, and starts over when the selection changed; a server without resumable
// uploads gets large files in one request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call } from "../support/accounts.ts";
import { type ClientHome, loggedInClient } from "../support/client.ts";
import { type CuttingProxy, startCuttingProxy } from "../support/cutting-proxy.ts";
import { noisePng } from "../support/images.ts";
import { type LogLine, useSuiteServer } from "../support/pixvault.ts";

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

describe("pixvault push and pull over a network that breaks", () => {
  const suite = useSuiteServer();
  let proxy: CuttingProxy;
  let client: { home: ClientHome; token: string };
  /** The client, talking to the server through the proxy. */
  const viaProxy = (args: string[]) => client.home.run(args, { env: { PIXVAULT_SERVER: proxy.url, PIXVAULT_TOKEN: client.token } });
  const requests = (since: number) =>
    suite.server
      .logs()
      .slice(since)
      .filter((l) => l.msg === "request");
  /** Waits for the request line `match` wants: it may reach this process a little after the client has exited. */
  const answered = (since: number, match: (l: LogLine) => boolean) =>
    suite.server.logged((l) => l.msg === "request" && match(l), { after: since });

  beforeAll(async () => {
    proxy = await startCuttingProxy(suite.url);
    client = await loggedInClient(suite.url);
  });
  afterAll(async () => {
    await proxy.close();
    client.home.remove();
  });

  test("a resumable upload cut in the middle of a PATCH goes on from the offset the server reports", async () => {
    const large = noisePng({ width: 1800, height: 1700, seed: 61 });
    writeFileSync(join(client.home.dir, "large.png"), large);
    const since = suite.server.logs().length;
    proxy.cut("upload", 3 * 1024 * 1024);
    const r = await viaProxy(["push", "large.png"]);
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.cuts).toBe(1);
    expect(r.stdout).toMatch(/^sent large\.png \(.+\) as \S+; resumed 1 time\(s\) after failures$/m);
    expect(await answered(since, (l) => l.method === "HEAD" && l.route === "/api/v1/uploads/:id")).toBe(true);
    // Not sent again from the start: the bytes after the cut went in PATCHes that add up to less than the file.
    const patched = requests(since)
      .filter((l) => l.method === "PATCH" && l.status === 204)
      .reduce((n, l) => n + Number(l.bytesIn), 0);
    expect(patched).toBeLessThan(large.length);
    const listed = (await (await call(suite.url, "GET", "/api/v1/images?q=large", { token: client.token })).json()) as {
      items: { sha256: string }[];
    };
    expect(listed.items.map((i) => i.sha256)).toEqual([sha256(large)]);
  });

  test("a download cut in the middle goes on from its .part and the file is whole", async () => {
    const bytes = noisePng({ width: 300, height: 300, seed: 62 });
    writeFileSync(join(client.home.dir, "mid.png"), bytes);
    expect((await client.home.run(["push", "mid.png"])).code).toBe(0);
    const id = (
      (await (await call(suite.url, "GET", "/api/v1/images?q=mid", { token: client.token })).json()) as { items: { id: string }[] }
    ).items[0]!.id;
    proxy.cut("download", 120_000);
    const before = proxy.cuts;
    const r = await viaProxy(["pull", id, "--out", "cut"]);
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.cuts).toBe(before + 1);
    expect(r.stdout).toMatch(/resumed after \d+(\.\d)? KiB/);
    expect(Buffer.compare(readFileSync(join(client.home.dir, "cut/mid.png")), bytes)).toBe(0);
    expect(existsSync(join(client.home.dir, "cut/mid.png.part"))).toBe(false);
  });

  test("pull --zip resumes with Range/If-Range (in the run and in the next one) and starts over when the selection changed", async () => {
    const { home, token } = client;
    mkdirSync(join(home.dir, "zipped"));
    for (const seed of [71, 72, 73]) writeFileSync(join(home.dir, "zipped", `z${seed}.png`), noisePng({ width: 120, height: 90, seed }));
    expect((await home.run(["push", "zipped", "--album", "Zipped"])).code).toBe(0);
    const albumId = (
      (await (await call(suite.url, "GET", "/api/v1/albums", { token })).json()) as { items: { id: string; name: string }[] }
    ).items.find((a) => a.name === "Zipped")!.id;
    const direct = async () => {
      const res = await call(suite.url, "GET", `/api/v1/images/archive?album=${albumId}`, { token });
      expect(res.status).toBe(200);
      return { etag: res.headers.get("etag")!, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const zip = await direct();

    // In the run: the connection breaks, the next attempt asks for the rest.
    proxy.cut("download", 40_000);
    const cutRun = await viaProxy(["pull", "--zip", "a.zip", "--album", "Zipped"]);
    expect(cutRun.code, cutRun.stderr).toBe(0);
    expect(cutRun.stdout).toMatch(/^pull: wrote a\.zip \(.+, resumed after .+\) in/m);
    expect(Buffer.compare(readFileSync(join(home.dir, "a.zip")), zip.bytes)).toBe(0);
    expect(existsSync(join(home.dir, "a.zip.part")) || existsSync(join(home.dir, "a.zip.part.etag"))).toBe(false);

    // In the next run: a killed run left half the zip and the ETag it came with.
    const half = Math.floor(zip.bytes.length / 2);
    writeFileSync(join(home.dir, "b.zip.part"), zip.bytes.subarray(0, half));
    writeFileSync(join(home.dir, "b.zip.part.etag"), zip.etag);
    const since = suite.server.logs().length;
    const next = await home.run(["pull", "--zip", "b.zip", "--album", "Zipped"]);
    expect(next.code, next.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(join(home.dir, "b.zip")), zip.bytes)).toBe(0);
    const isArchive = (l: LogLine) => l.method === "GET" && String(l.route).endsWith("/archive");
    expect(await answered(since, isArchive)).toBe(true);
    const archive = requests(since).filter(isArchive);
    expect(archive.map((l) => [l.status, l.bytesOut])).toEqual([[206, zip.bytes.length - half]]);

    // The album changed since: the old half is not glued to the new zip.
    writeFileSync(join(home.dir, "zipped/z74.png"), noisePng({ width: 120, height: 90, seed: 74 }));
    expect((await home.run(["push", "zipped", "--album", "Zipped"])).code).toBe(0);
    const changed = await direct();
    expect(changed.etag).not.toBe(zip.etag);
    writeFileSync(join(home.dir, "c.zip.part"), zip.bytes.subarray(0, half));
    writeFileSync(join(home.dir, "c.zip.part.etag"), zip.etag);
    const fresh = await home.run(["pull", "--zip", "c.zip", "--album", "Zipped"]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).not.toContain("resumed");
    expect(Buffer.compare(readFileSync(join(home.dir, "c.zip")), changed.bytes)).toBe(0);

    // --all and ids make zips too; an empty selection writes nothing.
    expect((await home.run(["pull", "--zip", "none.zip", "--tag", "no-such-tag"])).stdout).toContain(
      "no images selected; none.zip not written",
    );
    expect(existsSync(join(home.dir, "none.zip"))).toBe(false);
  });
});

describe("pixvault push to a server without resumable uploads", () => {
  const suite = useSuiteServer();
  test("a large file goes in one request, and the output says why", async () => {
    // A front that answers 404 for /api/v1/uploads, as a server from before SPEC §12 does.
    const front = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => {
        const url = new URL(req.url);
        if (url.pathname.startsWith("/api/v1/uploads")) return new Response("not found", { status: 404 });
        return fetch(`${suite.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          redirect: "manual",
        });
      },
    });
    const { home, token } = await loggedInClient(suite.url);
    try {
      const large = noisePng({ width: 1800, height: 1700, seed: 81 });
      writeFileSync(join(home.dir, "old-server.png"), large);
      const since = suite.server.logs().length;
      const r = await home.run(["push", "old-server.png"], {
        env: { PIXVAULT_SERVER: `http://127.0.0.1:${front.port}`, PIXVAULT_TOKEN: token },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("note: this server has no resumable uploads");
      expect(r.stdout).toMatch(/^sent old-server\.png \(.+\) as \S+; sent in one request/m);
      const isPost = (l: LogLine) => l.msg === "request" && l.route === "/api/v1/images" && l.method === "POST";
      expect(await suite.server.logged(isPost, { after: since })).toBe(true);
      const posts = suite.server.logs().slice(since).filter(isPost);
      expect(posts.map((l) => [l.status, l.bytesIn])).toEqual([[201, large.length]]);
    } finally {
      front.stop(true);
      home.remove();
    }
  });
});
