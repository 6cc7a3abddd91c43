// Proves the streaming multipart reader: exact bytes, browser and curl encodings, limits, broken bodies, bounded memory.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { AppError } from "../../src/domain/errors.ts";
import { isMultipart, parseMultipart, type MultipartLimits, type UploadPart } from "../../src/http/multipart.ts";

const BOUNDARY = "----pixvaultBoundary7MA4YWxkTrZu0gW";
const LIMITS: MultipartLimits = { maxParts: 100, maxFieldBytes: 1024 };
const enc = new TextEncoder();

type Piece = string | Uint8Array;
const bytes = (...pieces: Piece[]) => Buffer.concat(pieces.map((p) => (typeof p === "string" ? enc.encode(p) : p)));
const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (name: string, disposition: string, type = "image/png") =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${disposition}\r\nContent-Type: ${type}\r\n\r\n`;
const closing = `--${BOUNDARY}--\r\n`;

function multipartRequest(body: RequestInit["body"], contentType = `multipart/form-data; boundary=${BOUNDARY}`): Request {
  return new Request("http://pixvault.test/api/v1/images", { method: "POST", headers: { "content-type": contentType }, body });
}

/** Feeds a body in small pieces, so parts and delimiters straddle chunk edges. */
function trickle(body: Uint8Array, size = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, (at += size)));
    },
  });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

type Seen =
  | { kind: "field"; name: string; value: string }
  | { kind: "file"; name: string; filename: string | undefined; contentType: string | undefined; data: Buffer };

async function collect(request: Request, limits = LIMITS): Promise<Seen[]> {
  const seen: Seen[] = [];
  for await (const part of parseMultipart(request, limits)) {
    if (part.kind === "field") seen.push(part);
    else
      seen.push({ kind: "file", name: part.name, filename: part.filename, contentType: part.contentType, data: await readAll(part.body) });
  }
  return seen;
}

/**
 * Runs a memory scenario of multipart-memory.child.ts in its own process: this runner's RSS also
 * moves with what earlier test files left running, which is not the reader's doing.
 */
async function inAChild<T>(scenario: "parse" | "socket"): Promise<T> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "multipart-memory.child.ts"), scenario], { stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as T;
}

async function failureOf(work: Promise<unknown>): Promise<AppError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the multipart reading to fail");
}

// Every byte value, plus strings that look like (but are not) the delimiter.
const BINARY = bytes(new Uint8Array(Array.from({ length: 256 }, (_, i) => i)), `\r\n--\r\n--${BOUNDARY.slice(0, -1)}\r\n-- x`, "\r\n");
const TWO_FILES_THREE_FIELDS = bytes(
  "preamble is ignored\r\n",
  field("visibility", "public"),
  fileHead("file", '; filename="a.png"'),
  BINARY,
  "\r\n",
  field("tags", "cats,dogs"),
  fileHead("file", '; filename="b.gif"', "image/gif"),
  "GIF89a",
  "\r\n",
  field("description", "line one\r\nline two"),
  closing,
);
const EXPECTED: Seen[] = [
  { kind: "field", name: "visibility", value: "public" },
  { kind: "file", name: "file", filename: "a.png", contentType: "image/png", data: BINARY },
  { kind: "field", name: "tags", value: "cats,dogs" },
  { kind: "file", name: "file", filename: "b.gif", contentType: "image/gif", data: Buffer.from("GIF89a") },
  { kind: "field", name: "description", value: "line one\r\nline two" },
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on("unhandledRejection", onUnhandled));
afterAll(() => process.off("unhandledRejection", onUnhandled));
afterEach(async () => {
  await Bun.sleep(5);
  expect(unhandled).toEqual([]);
});

describe("well-formed bodies", () => {
  test("two files and three fields come out in order, byte for byte", async () => {
    expect(await collect(multipartRequest(TWO_FILES_THREE_FIELDS))).toEqual(EXPECTED);
  });

  test("the same body split into 7-byte chunks gives the same parts", async () => {
    expect(await collect(multipartRequest(trickle(TWO_FILES_THREE_FIELDS)))).toEqual(EXPECTED);
  });

  test("a body built by FormData parses back to the same fields and files", async () => {
    const form = new FormData();
    form.append("visibility", "private");
    form.append("file", new File([BINARY], "ünï.png", { type: "image/png" }));
    form.append("file", new File([new Uint8Array(70_000).fill(7)], "big.webp", { type: "image/webp" }));
    form.append("onConflict", "rename");
    const seen = await collect(new Request("http://pixvault.test/", { method: "POST", body: form }));
    expect(seen).toEqual([
      { kind: "field", name: "visibility", value: "private" },
      { kind: "file", name: "file", filename: "ünï.png", contentType: "image/png", data: BINARY },
      { kind: "file", name: "file", filename: "big.webp", contentType: "image/webp", data: Buffer.alloc(70_000, 7) },
      { kind: "field", name: "onConflict", value: "rename" },
    ]);
  });

  test("fields are delivered wherever they sit, before or after the files", async () => {
    const body = bytes(fileHead("file", '; filename="x.png"'), "PNG", "\r\n", field("visibility", "public"), field("tags", "a"), closing);
    const seen = await collect(multipartRequest(body));
    expect(seen.filter((p) => p.kind === "field")).toEqual([
      { kind: "field", name: "visibility", value: "public" },
      { kind: "field", name: "tags", value: "a" },
    ]);
  });

  test("a file part without a filename is a file with filename undefined", async () => {
    const body = bytes(fileHead("file", ""), "PNG", "\r\n", fileHead("file", '; filename=""', "application/octet-stream"), "\r\n", closing);
    const seen = await collect(multipartRequest(body));
    expect(seen).toEqual([
      { kind: "file", name: "file", filename: undefined, contentType: "image/png", data: Buffer.from("PNG") },
      { kind: "file", name: "file", filename: undefined, contentType: "application/octet-stream", data: Buffer.alloc(0) },
    ]);
  });

  test("unicode filenames: raw UTF-8 (browsers, curl) and RFC 5987 filename*", async () => {
    const body = bytes(
      fileHead("file", '; filename="ünï 📷.png"'),
      "1\r\n",
      fileHead("file", "; filename*=UTF-8''%C3%BCn%C3%AF%20%F0%9F%93%B7.png"),
      "2\r\n",
      closing,
    );
    const names = (await collect(multipartRequest(body))).map((p) => (p.kind === "file" ? p.filename : p.value));
    expect(names).toEqual(["ünï 📷.png", "ünï 📷.png"]);
  });

  test("a 300-byte filename and a path-like filename pass through raw", async () => {
    const long = `${"é".repeat(148)}.png`;
    expect(Buffer.byteLength(long)).toBe(300);
    const body = bytes(fileHead("file", `; filename="${long}"`), "1\r\n", fileHead("file", '; filename="../../x.png"'), "2\r\n", closing);
    const names = (await collect(multipartRequest(body))).map((p) => (p.kind === "file" ? p.filename : p.value));
    expect(names).toEqual([long, "../../x.png"]);
  });

  test("50 files in one request", async () => {
    const pieces: Piece[] = [];
    for (let i = 0; i < 50; i++) pieces.push(fileHead("file", `; filename="f${i}.png"`), `content of ${i}`, "\r\n");
    const seen = await collect(multipartRequest(bytes(...pieces, closing)));
    expect(seen).toHaveLength(50);
    for (const [i, part] of seen.entries()) expect(part).toMatchObject({ filename: `f${i}.png`, data: Buffer.from(`content of ${i}`) });
  });

  test("a consumer that skips a file body without reading still gets the next part", async () => {
    const big = new Uint8Array(3 << 20).fill(1);
    const body = bytes(
      fileHead("file", '; filename="skip.png"'),
      big,
      "\r\n",
      fileHead("file", '; filename="keep.png"'),
      "KEEP\r\n",
      field("tags", "t"),
      closing,
    );
    const names: string[] = [];
    let kept: Buffer | undefined;
    for await (const part of parseMultipart(multipartRequest(trickle(body, 64 * 1024)), LIMITS)) {
      names.push(part.kind === "file" ? `file:${part.filename}` : `field:${part.name}`);
      if (part.kind === "file" && part.filename === "keep.png") kept = await readAll(part.body);
    }
    expect(names).toEqual(["file:skip.png", "file:keep.png", "field:tags"]);
    expect(kept).toEqual(Buffer.from("KEEP"));
  });

  test("a consumer that stops early cancels the rest of the request body", async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          controller.enqueue(enc.encode(++pulls === 1 ? fileHead("file", '; filename="a.png"') : "x".repeat(1000)));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    for await (const part of parseMultipart(multipartRequest(body), LIMITS)) {
      expect(part.kind).toBe("file");
      break;
    }
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(100);
  });

  test("a header block over maxHeaderBytes is cut, never buffered: the name arrives shortened", async () => {
    // The caller's 1-255 byte rule then rejects the name; memory stays at the header limit.
    const body = bytes(fileHead("file", `; filename="${"n".repeat(1 << 20)}.png"`), "PNG\r\n", closing);
    const [file] = await collect(multipartRequest(body), { ...LIMITS, maxHeaderBytes: 2048 });
    expect(file).toMatchObject({ kind: "file", data: Buffer.from("PNG") });
    expect((file as { filename: string }).filename.length).toBeLessThan(2048);
  });

  test("isMultipart recognises only multipart/form-data", () => {
    expect(isMultipart(multipartRequest("x"))).toBe(true);
    expect(isMultipart(multipartRequest("x", "Multipart/Form-Data;boundary=a"))).toBe(true);
    expect(isMultipart(multipartRequest("x", "image/png"))).toBe(false);
    expect(isMultipart(multipartRequest("x", "multipart/form-dataX; boundary=a"))).toBe(false);
    expect(isMultipart(new Request("http://pixvault.test/", { method: "POST", body: "x" }))).toBe(false);
  });
});

describe("broken bodies", () => {
  test("a missing or invalid boundary is bad_request", async () => {
    for (const contentType of [
      "multipart/form-data",
      "multipart/form-data; boundary=",
      `multipart/form-data; boundary=${"a".repeat(71)}`,
      "image/png",
    ]) {
      const error = await failureOf(collect(multipartRequest(TWO_FILES_THREE_FIELDS, contentType)));
      expect(error.code).toBe("bad_request");
    }
  });

  test("a body cut inside a file fails that file's body, never ending it early", async () => {
    const cut = TWO_FILES_THREE_FIELDS.subarray(0, TWO_FILES_THREE_FIELDS.indexOf(BINARY) + 100);
    for (const body of [cut, trickle(cut, 5)]) {
      const parts = parseMultipart(multipartRequest(body), LIMITS);
      expect((await parts.next()).value).toMatchObject({ kind: "field", name: "visibility" });
      const file = (await parts.next()).value as Extract<UploadPart, { kind: "file" }>;
      expect(file.filename).toBe("a.png");
      const received: Uint8Array[] = [];
      const error = await failureOf(
        (async () => {
          for await (const chunk of file.body) received.push(chunk);
        })(),
      );
      expect(error.code).toBe("bad_request");
      expect(Buffer.concat(received).length).toBeLessThanOrEqual(100);
      expect((await failureOf(parts.next())).code).toBe("bad_request");
    }
  });

  test("a body ending without the closing boundary is bad_request", async () => {
    const bodies = [
      bytes(field("tags", "a"), fileHead("file", '; filename="x.png"'), "PNG"), // inside the file: its body fails
      bytes(field("tags", "a"), fileHead("file", '; filename="x.png"'), "PNG\r\n"), // CRLF but no delimiter after it
      bytes(field("tags", "a"), `--${BOUNDARY}\r\n`), // a delimiter, then nothing
      bytes(field("tags", "a")), // the last field is never closed
    ];
    for (const body of bodies) expect((await failureOf(collect(multipartRequest(body)))).code).toBe("bad_request");
  });

  test("a body cut inside a skipped file still fails the request", async () => {
    const cut = bytes(fileHead("file", '; filename="skip.png"'), new Uint8Array(500_000));
    const parts = parseMultipart(multipartRequest(trickle(cut, 32 * 1024)), LIMITS);
    expect((await parts.next()).value).toMatchObject({ kind: "file", filename: "skip.png" });
    expect((await failureOf(parts.next())).code).toBe("bad_request");
  });

  test("garbage and an empty body are bad_request", async () => {
    const garbage = new Uint8Array(100_000).map((_, i) => (i * 7919) % 251);
    for (const body of [garbage, "", "--not-the-boundary\r\n\r\nhello\r\n--not-the-boundary--"]) {
      expect((await failureOf(collect(multipartRequest(body)))).code).toBe("bad_request");
    }
  });

  test("too many parts is payload_too_large", async () => {
    const pieces: Piece[] = [];
    for (let i = 0; i < 6; i++) pieces.push(field(`f${i}`, "v"));
    const error = await failureOf(collect(multipartRequest(bytes(...pieces, closing)), { ...LIMITS, maxParts: 5 }));
    expect(error.code).toBe("payload_too_large");
    expect(error.detail).toContain("5 parts");
    // Exactly at the limit is fine.
    expect(await collect(multipartRequest(bytes(...pieces.slice(0, 5), closing)), { ...LIMITS, maxParts: 5 })).toHaveLength(5);
  });

  test("an oversized field is payload_too_large and names the field", async () => {
    const error = await failureOf(collect(multipartRequest(bytes(field("description", "x".repeat(1025)), closing))));
    expect(error.code).toBe("payload_too_large");
    expect(error.detail).toContain('"description"');
    expect(await collect(multipartRequest(bytes(field("description", "x".repeat(1024)), closing)))).toHaveLength(1);
  });

  test("a file body is read once and not after moving on", async () => {
    const parts = parseMultipart(multipartRequest(TWO_FILES_THREE_FIELDS), LIMITS);
    await parts.next();
    const file = (await parts.next()).value as Extract<UploadPart, { kind: "file" }>;
    await parts.next();
    await expect(readAll(file.body)).rejects.toThrow("read once");
    await parts.return(undefined);
  });

  test("reading a file body after moving on throws instead of returning a file with a hole", async () => {
    const parts = parseMultipart(multipartRequest(trickle(TWO_FILES_THREE_FIELDS, 64)), LIMITS);
    await parts.next();
    const file = (await parts.next()).value as Extract<UploadPart, { kind: "file" }>;
    const reading = file.body[Symbol.asyncIterator]();
    await reading.next();
    await parts.next();
    await expect(reading.next()).rejects.toThrow("abandoned");
    await parts.return(undefined);
  });
});

describe("streaming", () => {
  const SIZE = 64 << 20;
  const CHUNK = 64 * 1024;

  test("the body is read only as parts are wanted", async () => {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (++pulls > 200) return controller.close();
          controller.enqueue(enc.encode(pulls === 200 ? closing : field(`f${pulls}`, "v".repeat(1000))));
        },
      },
      { highWaterMark: 0 },
    );
    const parts = parseMultipart(multipartRequest(body), { maxParts: 500, maxFieldBytes: 1024 });
    expect((await parts.next()).value).toMatchObject({ name: "f1" });
    await Bun.sleep(20);
    // A field is emitted when the next delimiter arrives, so one or two pieces are read ahead; not 200.
    expect(pulls).toBeLessThanOrEqual(3);
    let count = 1;
    while (!(await parts.next()).done) count++;
    expect(count).toBe(199);
  });

  test("a 64 MiB file streams through with bounded buffering and memory", async () => {
    const result = await inAChild<{ consumed: number; sameBytes: boolean; maxAhead: number; growthMiB: number }>("parse");
    expect({ consumed: result.consumed, sameBytes: result.sameBytes }).toEqual({ consumed: SIZE, sameBytes: true });
    // Production never runs more than a few chunks ahead of the consumer: the module buffers KiB, not MiB.
    expect(result.maxAhead).toBeLessThanOrEqual(4 * CHUNK);
    console.log(
      `64 MiB upload: producer ahead by at most ${result.maxAhead / 1024} KiB, peak RSS growth ${result.growthMiB.toFixed(1)} MiB`,
    );
    expect(result.growthMiB).toBeLessThan(40);
  }, 60_000);
});

describe("over a real socket", () => {
  let server: ReturnType<typeof Bun.serve>;
  let handle: (request: Request) => Promise<unknown>;
  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      maxRequestBodySize: 256 << 20,
      async fetch(request) {
        try {
          return Response.json({ ok: await handle(request) });
        } catch (error) {
          return Response.json({ code: (error as AppError).code }, { status: 400 });
        }
      },
    });
  });
  afterAll(() => server.stop(true));
  const url = () => `http://127.0.0.1:${server.port}/upload`;

  test("a streamed request body gives the same parts, byte for byte", async () => {
    let seen: Seen[] = [];
    handle = async (request) => (seen = await collect(request));
    const response = await fetch(url(), {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      body: trickle(TWO_FILES_THREE_FIELDS, 1000),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(seen).toEqual(EXPECTED);
  });

  test("50 files in one streamed request", async () => {
    const pieces: Piece[] = [];
    for (let i = 0; i < 50; i++) pieces.push(fileHead("file", `; filename="f${i}.png"`), new Uint8Array(20_000).fill(i), "\r\n");
    let seen: Seen[] = [];
    handle = async (request) => (seen = await collect(request));
    const response = await fetch(url(), {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      body: trickle(bytes(...pieces, closing), 16 * 1024),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(
      seen.map((p) => (p.kind === "file" ? [p.filename, p.data.equals(Buffer.alloc(20_000, Number(p.filename?.slice(1, -4))))] : [])),
    ).toEqual(Array.from({ length: 50 }, (_, i) => [`f${i}.png`, true]));
  });

  test("a 64 MiB upload over the socket keeps memory bounded", async () => {
    const result = await inAChild<{ consumed: number; growthMiB: number }>("socket");
    expect(result.consumed).toBe(64 << 20);
    console.log(`64 MiB upload over a socket: peak RSS growth ${result.growthMiB.toFixed(1)} MiB (client and server in one process)`);
    expect(result.growthMiB).toBeLessThan(40);
  }, 60_000);

  test("a client that disconnects mid-file makes that file's body reject, without hanging", async () => {
    let settle!: (outcome: string) => void;
    const outcome = new Promise<string>((resolve) => (settle = resolve));
    let received = 0;
    handle = async (request) => {
      for await (const part of parseMultipart(request, LIMITS)) {
        if (part.kind !== "file") continue;
        try {
          for await (const chunk of part.body) received += chunk.length;
          settle("ended as if complete");
        } catch (error) {
          settle(`rejected:${(error as AppError).code}`);
          throw error;
        }
      }
    };
    const socket = connect(server.port as number, "127.0.0.1", () => {
      socket.write(
        `POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 10000000\r\n\r\n`,
      );
      socket.write(bytes(field("tags", "a"), fileHead("file", '; filename="gone.png"'), new Uint8Array(300_000)));
      setTimeout(() => socket.destroy(), 100);
    });
    socket.on("error", () => {});
    const result = await Promise.race([outcome, Bun.sleep(5000).then(() => "timed out")]);
    expect(result).toBe("rejected:bad_request");
    expect(received).toBeLessThanOrEqual(300_000);
  });
});
