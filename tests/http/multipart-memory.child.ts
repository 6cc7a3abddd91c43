// Run alone in a child process by multipart.test.ts: RSS readings of the test runner itself move
// with whatever earlier test files left running (preview workers, collectors, sockets), which
// made the bounded-memory checks fail at random. Here nothing else runs; the result is one JSON line.
//   bun tests/http/multipart-memory.child.ts parse|socket
import { parseMultipart } from "../../src/http/multipart.ts";

const BOUNDARY = "----pixvaultMemoryBoundary";
const LIMITS = { maxParts: 100, maxFieldBytes: 1024 };
const SIZE = 64 << 20;
const CHUNK = 64 * 1024;
const enc = new TextEncoder();
const head = enc.encode(
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`,
);
const tail = enc.encode(`\r\n--${BOUNDARY}--\r\n`);
const contentType = `multipart/form-data; boundary=${BOUNDARY}`;

/** A 64 MiB upload produced on demand, remembering how far production ran ahead of consumption. */
function hugeUpload(size = SIZE) {
  const block = new Uint8Array(CHUNK).map((_, i) => i % 251);
  const stats = { produced: 0, consumed: 0, maxAhead: 0 };
  let sent = -1;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent === -1) {
          controller.enqueue(head);
          sent = 0;
        } else if (sent < size) {
          controller.enqueue(block.slice());
          sent = stats.produced += CHUNK;
          stats.maxAhead = Math.max(stats.maxAhead, stats.produced - stats.consumed);
        } else {
          controller.enqueue(tail);
          controller.close();
        }
      },
    },
    { highWaterMark: 0 },
  );
  return { body, stats, block };
}

async function parse(size = SIZE) {
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  let peak = before;
  const { body, stats, block } = hugeUpload(size);
  const hash = new Bun.CryptoHasher("sha256");
  const request = new Request("http://pixvault.test/", { method: "POST", headers: { "content-type": contentType }, body });
  for await (const part of parseMultipart(request, LIMITS)) {
    if (part.kind !== "file") continue;
    for await (const chunk of part.body) {
      hash.update(chunk);
      stats.consumed += chunk.length;
      if (stats.consumed % (4 << 20) === 0) {
        peak = Math.max(peak, process.memoryUsage().rss);
        await Bun.sleep(0); // a slow consumer: the producer must wait for it
      }
    }
  }
  const expected = new Bun.CryptoHasher("sha256");
  for (let i = 0; i < size / CHUNK; i++) expected.update(block);
  return {
    consumed: stats.consumed,
    sameBytes: hash.digest("hex") === expected.digest("hex"),
    maxAhead: stats.maxAhead,
    growthMiB: (peak - before) / 2 ** 20,
  };
}

async function socket(size = SIZE) {
  const { body } = hugeUpload(size);
  let peak = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    maxRequestBodySize: 256 << 20,
    async fetch(request) {
      let total = 0;
      for await (const part of parseMultipart(request, LIMITS)) {
        if (part.kind !== "file") continue;
        for await (const chunk of part.body) {
          total += chunk.length;
          if (total % (1 << 20) < chunk.length) {
            peak = Math.max(peak, process.memoryUsage().rss);
            await Bun.sleep(8); // slower than the network: back-pressure must reach the socket
          }
        }
      }
      return Response.json({ total });
    },
  });
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
      duplex: "half",
    } as RequestInit);
    const { total } = (await response.json()) as { total: number };
    return { consumed: total, growthMiB: (Math.max(peak, before) - before) / 2 ** 20 };
  } finally {
    server.stop(true);
  }
}

const mode = process.argv[2];
const scenario = mode === "parse" ? parse : mode === "socket" ? socket : undefined;
if (!scenario) throw new Error(`usage: bun ${import.meta.path} parse|socket`);
// A 1 MiB warm-up first: what a fresh process allocates once (compiled code, the first socket's
// buffers) is not what a large upload costs.
await scenario(1 << 20);
const result = await scenario();
console.log(JSON.stringify(result));
