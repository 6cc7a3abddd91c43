// contentResponse: full, ranged, conditional and HEAD answers, safe filenames, and bodies that fail or are abandoned.
import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { AppError } from "../../src/domain/errors.ts";
import { contentResponse, type ContentSource } from "../../src/http/content-response.ts";
import { onError } from "../../src/http/errors.ts";
import { listen } from "../../src/http/listen.ts";
import { createLogger } from "../../src/logger.ts";
import type { Problem } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";

const ETAG = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const MODIFIED = new Date("2026-03-01T12:00:00Z");
/** Bytes that differ from their neighbours, so a body shifted by any offset would not compare equal. */
function bytesOf(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >>> 11) + 3) & 0xff;
  return bytes;
}

interface FakeOptions {
  size?: number;
  chunkSize?: number;
  filename?: string;
  cacheControl?: string;
  /** The n-th chunk (1-based) throws an integrity error instead of being yielded. */
  failAtChunk?: number;
}

/** A source over known bytes that counts what the response asked of it. */
function fakeSource(options: FakeOptions = {}) {
  const data = bytesOf(options.size ?? 100);
  const chunkSize = options.chunkSize ?? 16;
  const seen = { reads: 0, chunks: 0, closes: 0, finalized: 0, streamErrors: [] as unknown[] };
  const source: ContentSource = {
    size: data.length,
    etag: ETAG,
    contentType: "image/png",
    filename: options.filename ?? "cat.png",
    lastModified: MODIFIED,
    ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
    async *read(start, end) {
      seen.reads++;
      try {
        for (let at = start; at <= end; at += chunkSize) {
          seen.chunks++;
          if (seen.chunks === options.failAtChunk) throw new AppError("integrity_error", "chunk failed authentication");
          yield data.slice(at, Math.min(at + chunkSize, end + 1));
        }
      } finally {
        seen.finalized++;
      }
    },
    close() {
      seen.closes++;
    },
    onStreamError(error) {
      seen.streamErrors.push(error);
    },
  };
  return { source, data, seen };
}

// Most tests here exercise the streamed path (bodies past WHOLE_BODY_BYTES); `whole` picks
// the path that decrypts small bodies in full so Bun sends their Content-Length.
function appFor(source: ContentSource, download = false, whole = false) {
  const app = new Hono();
  app.get("/image", (c) => contentResponse(c.req.raw, source, { download, ...(whole ? {} : { wholeBodyBytes: 0 }) }));
  app.onError(onError(createLogger(() => {})));
  return app;
}

const get = (source: ContentSource, headers: Record<string, string> = {}, method = "GET") =>
  appFor(source).request("/image", { method, headers });

async function bodyOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** Runs `use` against a real server (src/http/listen.ts) on an ephemeral port, so framing and aborts cross a socket. */
/** Over a real socket, through the same listener `pixvault serve` uses. */
async function overSocket(source: ContentSource, use: (url: string) => Promise<void>, whole = false) {
  const server = await listen(appFor(source, false, whole).fetch, { host: "127.0.0.1", port: 0 });
  try {
    await use(`${server.url}/image`);
  } finally {
    server.closeConnections();
    await server.stop();
  }
}

describe("a full response", () => {
  test("is byte-exact with every representation header, and closes the source once", async () => {
    const { source, data, seen } = fakeSource({ size: 1000, chunkSize: 64 });
    const res = await get(source);
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual(data);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "image/png",
      "content-length": "1000",
      etag: `"${ETAG}"`,
      "accept-ranges": "bytes",
      "last-modified": "Sun, 01 Mar 2026 12:00:00 GMT",
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
      "content-disposition": 'inline; filename="cat.png"',
    });
    expect(res.headers.has("content-range")).toBe(false);
    expect(seen).toMatchObject({ reads: 1, closes: 1, finalized: 1 });
  });

  test("uses the source's Cache-Control when it has one", async () => {
    const { source } = fakeSource({ cacheControl: "public, max-age=60" });
    expect((await get(source)).headers.get("cache-control")).toBe("public, max-age=60");
  });

  test("of zero bytes is a 200 with Content-Length 0 and nothing read", async () => {
    const { source, seen } = fakeSource({ size: 0 });
    const res = await get(source);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("0");
    expect((await bodyOf(res)).length).toBe(0);
    expect(seen).toMatchObject({ reads: 0, closes: 1 });
  });

  test("download=true makes it an attachment", async () => {
    const { source } = fakeSource();
    const res = await appFor(source, true).request("/image");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="cat.png"');
  });
});

describe("Range", () => {
  // [Range header, first byte, last byte] on a 100-byte image.
  const satisfiable: [string, number, number][] = [
    ["bytes=0-9", 0, 9],
    ["bytes=10-", 10, 99],
    ["bytes=-5", 95, 99],
    ["bytes=90-500", 90, 99],
    ["bytes=-500", 0, 99],
    ["bytes=99-99", 99, 99],
    ["BYTES=3-4", 3, 4],
    ["bytes=0-1,", 0, 1],
  ];
  test.each(satisfiable)("%s is a 206 of bytes %d-%d", async (range, first, last) => {
    const { source, data, seen } = fakeSource({ size: 100, chunkSize: 7 });
    const res = await get(source, { range });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes ${first}-${last}/100`);
    expect(res.headers.get("content-length")).toBe(String(last - first + 1));
    expect(await bodyOf(res)).toEqual(data.slice(first, last + 1));
    expect(seen.closes).toBe(1);
  });

  const unsatisfiable: [string, number][] = [
    ["bytes=100-", 100],
    ["bytes=500-600", 100],
    ["bytes=-0", 100],
    ["bytes=0-", 0],
    ["bytes=-5", 0],
  ];
  test.each(unsatisfiable)("%s on %d bytes is a 416 problem naming the size", async (range, size) => {
    const { source, seen } = fakeSource({ size });
    const res = await get(source, { range });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("content-range")).toBe(`bytes */${size}`);
    expect(await jsonOf(res)).toMatchObject({ status: 416, code: "range_not_satisfiable" });
    expect(seen).toMatchObject({ reads: 0, closes: 1 });
  });

  const ignored = [
    "bytes=abc",
    "bytes=5-2",
    "items=0-5",
    "bytes=",
    "bytes=--5",
    "bytes=0x1-2",
    "bytes 0-5",
    "bytes=0-1,5-6",
    "bytes=0-0,-1",
  ];
  test.each(ignored)("%s is ignored: 200 with the whole body", async (range) => {
    const { source, data } = fakeSource();
    const res = await get(source, { range });
    expect(res.status).toBe(200);
    expect(res.headers.has("content-range")).toBe(false);
    expect(await bodyOf(res)).toEqual(data);
  });

  test("If-Range with the strong ETag honours the range; anything else sends the whole body", async () => {
    const ranged = await get(fakeSource().source, { range: "bytes=0-9", "if-range": `"${ETAG}"` });
    expect(ranged.status).toBe(206);
    for (const ifRange of ['"stale"', `W/"${ETAG}"`, ETAG, MODIFIED.toUTCString()]) {
      const { source, data } = fakeSource();
      const res = await get(source, { range: "bytes=0-9", "if-range": ifRange });
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toEqual(data);
    }
  });
});

describe("If-None-Match", () => {
  const matching = [`"${ETAG}"`, `"other", "${ETAG}"`, "*", `W/"${ETAG}"`, `"a,b" ,W/"${ETAG}"`];
  test.each(matching)("%s is a 304 without decrypting anything", async (ifNoneMatch) => {
    const { source, seen } = fakeSource();
    const res = await get(source, { "if-none-match": ifNoneMatch, range: "bytes=500-" });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(`"${ETAG}"`);
    expect(res.body).toBeNull();
    expect(seen).toMatchObject({ reads: 0, closes: 1 });
  });

  test("a different tag gets the full 200", async () => {
    const { source, data } = fakeSource();
    const res = await get(source, { "if-none-match": `"other", W/"${ETAG.slice(1)}"` });
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual(data);
  });
});

describe("HEAD", () => {
  test("has the GET headers, no body, reads nothing and closes the source", async () => {
    const { source, seen } = fakeSource({ size: 1000 });
    const res = await get(source, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("1000");
    expect(res.headers.get("etag")).toBe(`"${ETAG}"`);
    expect(res.headers.get("content-disposition")).toBe('inline; filename="cat.png"');
    expect((await bodyOf(res)).length).toBe(0);
    expect(seen).toMatchObject({ reads: 0, closes: 1 });
  });

  test("ignores Range (defined for GET only) and still answers If-None-Match", async () => {
    const ranged = fakeSource({ size: 1000 });
    const res = await get(ranged.source, { range: "bytes=0-9" }, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("1000");
    const cached = fakeSource();
    expect((await get(cached.source, { "if-none-match": `"${ETAG}"` }, "HEAD")).status).toBe(304);
    expect(ranged.seen.reads + cached.seen.reads).toBe(0);
  });
});

describe("other methods", () => {
  test("a POST that answers with the content ignores Range and If-None-Match", async () => {
    const { source, data } = fakeSource();
    const app = new Hono();
    app.post("/image", (c) => contentResponse(c.req.raw, source));
    const res = await app.request("/image", { method: "POST", headers: { range: "bytes=0-9", "if-none-match": "*" } });
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual(data);
  });
});

describe("Content-Disposition", () => {
  const decodeStar = (header: string) => {
    const star = /filename\*=UTF-8''([^;\s]+)/.exec(header);
    return star ? decodeURIComponent(star[1] ?? "") : undefined;
  };
  const names: [string, string][] = [
    ["ünïcødé 猫.png", "_n_c_d_ _.png"],
    ['a"b\r\nX-Evil: 1.png', "a_b__X-Evil: 1.png"],
    ["..\\..\\x.png", ".._.._x.png"],
    ["50%.png", "50_.png"],
    ["it's (1)*猫.png", "it's (1)*_.png"],
  ];
  test.each(names)("%j gets one safe header line whose filename* decodes back", async (filename, fallback) => {
    const { source } = fakeSource({ filename });
    const res = await get(source);
    expect(res.status).toBe(200);
    const header = res.headers.get("content-disposition") ?? "";
    expect(header).not.toMatch(/[\r\n\x00-\x1f\x7f]/);
    expect(res.headers.has("x-evil")).toBe(false);
    expect(header.startsWith(`inline; filename="${fallback}"`)).toBe(true);
    // The quoted fallback is the only quoted string: no `"` from the name escapes it.
    expect(header.split('"').length).toBe(3);
    expect(decodeStar(header) ?? fallback).toBe(filename);
    if (decodeStar(header) !== undefined) expect(header).toMatch(/filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
  });

  test("a lone surrogate (not UTF-8 encodable) becomes U+FFFD instead of a 500", async () => {
    const res = await get(fakeSource({ filename: "\ud800x.png" }).source);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`inline; filename="_x.png"; filename*=UTF-8''%EF%BF%BDx.png`);
  });

  test("a plain ASCII name has no filename*", async () => {
    const header = (await get(fakeSource({ filename: "cat.png" }).source)).headers.get("content-disposition");
    expect(header).toBe('inline; filename="cat.png"');
  });
});

describe("a source that fails", () => {
  test("at the first chunk is an error response, never a 200, and is closed once", async () => {
    const { source, seen } = fakeSource({ failAtChunk: 1 });
    const res = await get(source);
    expect(res.status).toBe(500);
    expect(await jsonOf(res)).toMatchObject({ code: "integrity_error" });
    expect(seen.closes).toBe(1);
    expect(seen.streamErrors).toEqual([]);
  });

  test("that yields nothing for a non-empty image fails before the headers", async () => {
    const { source, seen } = fakeSource({ size: 0 });
    const res = await get({ ...source, size: 100 });
    expect(res.status).toBe(500);
    expect(await jsonOf(res)).toMatchObject({ code: "internal_error" });
    expect(seen.closes).toBe(1);
  });

  test("later aborts the body in-process: the reader rejects and the error is reported", async () => {
    const { source, seen } = fakeSource({ size: 100, chunkSize: 10, failAtChunk: 3 });
    const res = await get(source);
    expect(res.status).toBe(200);
    expect(
      await res.arrayBuffer().then(
        () => "ended",
        () => "rejected",
      ),
    ).toBe("rejected");
    expect(seen.streamErrors.length).toBe(1);
    expect(seen).toMatchObject({ closes: 1, finalized: 1 });
  });

  test("later aborts the body over a real socket and reports the error", async () => {
    const { source, seen } = fakeSource({ size: 64 * 1024 * 8, chunkSize: 64 * 1024, failAtChunk: 4 });
    await overSocket(source, async (url) => {
      // A body this small is sent with one write once it is all read, so the connection may
      // be cut before the status line went out; a bigger one is cut after some bytes.
      let received = 0;
      const outcome = await fetch(url).then(
        async (res) => {
          expect(res.status).toBe(200);
          return res.arrayBuffer().then(
            (b) => {
              received = b.byteLength;
              return "ended";
            },
            () => "rejected",
          );
        },
        () => "reset",
      );
      // Either way the client can tell the body is broken: it never looks complete.
      expect(outcome === "reset" || outcome === "rejected" || received < source.size).toBe(true);
    });
    expect(seen.streamErrors.length).toBe(1);
    expect((seen.streamErrors[0] as AppError).code).toBe("integrity_error");
    expect(seen.closes).toBe(1);
  });
  test("a close() that throws is reported, never turned into an error response", async () => {
    const { source, data, seen } = fakeSource();
    const res = await get({ ...source, close: () => Promise.reject(new Error("EBADF")) });
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual(data);
    expect(String(seen.streamErrors[0])).toContain("EBADF");
  });
});

describe("an abandoned body", () => {
  test("cancelled in-process stops the source and closes it", async () => {
    const { source, seen } = fakeSource({ size: 64 * 1000, chunkSize: 64 });
    const res = await get(source);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(seen.chunks).toBeLessThan(5);
    expect(seen).toMatchObject({ closes: 1, finalized: 1 });
  });

  test("a client that disconnects over a real socket stops decryption", async () => {
    const chunk = 64 * 1024;
    const { source, seen } = fakeSource({ size: chunk * 1000, chunkSize: chunk });
    await overSocket(source, async (url) => {
      const abort = new AbortController();
      const res = await fetch(url, { signal: abort.signal });
      await res.body!.getReader().read();
      abort.abort();
      for (let i = 0; i < 50 && seen.closes === 0; i++) await Bun.sleep(10);
      const pulled = seen.chunks;
      await Bun.sleep(100);
      // Only what loopback socket buffers absorbed (a few MiB) was read, then nothing more.
      expect(seen.chunks).toBe(pulled);
      expect(pulled).toBeLessThan(250);
    });
    expect(seen).toMatchObject({ closes: 1, finalized: 1 });
  });
});

describe("over a real socket", () => {
  test("full and ranged bodies arrive byte-exact, with Content-Range and HEAD's length", async () => {
    const { source, data } = fakeSource({ size: 300_000, chunkSize: 65_536 });
    await overSocket(source, async (url) => {
      const full = await fetch(url);
      expect(full.status).toBe(200);
      expect(await bodyOf(full)).toEqual(data);
      const part = await fetch(url, { headers: { range: "bytes=70000-" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe("bytes 70000-299999/300000");
      expect(await bodyOf(part)).toEqual(data.slice(70_000));
      const head = await fetch(url, { method: "HEAD" });
      expect(head.headers.get("content-length")).toBe("300000");
      const unsatisfiable = await fetch(url, { headers: { range: "bytes=300000-" } });
      expect(unsatisfiable.status).toBe(416);
      expect(unsatisfiable.headers.get("content-range")).toBe("bytes */300000");
    });
  });

  test("a body below WHOLE_BODY_BYTES arrives with its exact Content-Length, byte-exact", async () => {
    const { source, data, seen } = fakeSource({ size: 300_000, chunkSize: 65_536 });
    await overSocket(
      source,
      async (url) => {
        const res = await fetch(url);
        expect(res.headers.get("content-length")).toBe("300000");
        expect(res.headers.get("transfer-encoding")).toBeNull();
        expect(await bodyOf(res)).toEqual(data);
        const part = await fetch(url, { headers: { range: "bytes=100-199" } });
        expect(part.headers.get("content-length")).toBe("100");
        expect(await bodyOf(part)).toEqual(data.slice(100, 200));
      },
      true,
    );
    expect(seen.closes).toBe(2);
  });

  // Bun.serve would drop it and send chunked (oven-sh/bun#10507); the node:http listener keeps it.
  test("a streamed body arrives with its exact Content-Length, not chunked, byte-exact", async () => {
    const { source, data } = fakeSource({ size: 300_000, chunkSize: 65_536 });
    await overSocket(source, async (url) => {
      const res = await fetch(url);
      expect(res.headers.get("content-length")).toBe("300000");
      expect(res.headers.get("transfer-encoding")).toBeNull();
      expect(await bodyOf(res)).toEqual(data);
    });
  });
});

describe("beforeLastByte (share links count what delivers the image's end)", () => {
  /** An app whose hook counts its calls and, once `refuse` is set, refuses as a used-up link does. */
  function counted(size = 100) {
    const { source, seen } = fakeSource({ size });
    const hook = { calls: 0, refuse: false };
    const app = new Hono();
    app.get("/image", (c) =>
      contentResponse(c.req.raw, source, {
        beforeLastByte: async () => {
          hook.calls++;
          if (hook.refuse) throw new AppError("link_exhausted", "used up");
        },
      }),
    );
    app.onError(onError(createLogger(() => {})));
    const request = (headers: Record<string, string> = {}, method = "GET") => app.request("/image", { method, headers });
    return { request, hook, seen };
  }

  test("runs for a whole GET and for every range that reaches the last byte, never for HEAD, 304 or a range short of it", async () => {
    const { request, hook } = counted(100);
    const expectCalls = async (headers: Record<string, string>, status: number, calls: number, method = "GET") => {
      const res = await request(headers, method);
      await res.arrayBuffer();
      expect({ headers, method, status: res.status, calls: hook.calls }).toEqual({ headers, method, status, calls });
    };
    await expectCalls({}, 200, 1);
    await expectCalls({ range: "bytes=0-" }, 206, 2);
    await expectCalls({ range: "bytes=-1" }, 206, 3);
    await expectCalls({ range: "bytes=50-99" }, 206, 4);
    await expectCalls({ range: "bytes=50-5000" }, 206, 5);
    await expectCalls({ range: "bytes=0-98" }, 206, 5);
    await expectCalls({}, 200, 5, "HEAD");
    await expectCalls({ "if-none-match": `"${ETAG}"` }, 304, 5);
    // A stale If-Range turns the range into the whole body: that counts.
    await expectCalls({ range: "bytes=0-9", "if-range": '"stale"' }, 200, 6);
  });

  test("a hook that throws refuses the request before a byte is read, and the source is closed", async () => {
    const { request, hook, seen } = counted(100);
    hook.refuse = true;
    for (const headers of [{}, { range: "bytes=10-" }] as Record<string, string>[]) {
      const res = await request(headers);
      expect(res.status).toBe(410);
      expect((await jsonOf<Problem>(res)).code).toBe("link_exhausted");
    }
    expect(seen.reads).toBe(0);
    expect(seen.closes).toBe(2);
    // A range short of the end is not refused: it is not a download.
    const partial = await request({ range: "bytes=0-9" });
    expect(partial.status).toBe(206);
    expect((await partial.arrayBuffer()).byteLength).toBe(10);
  });
});
