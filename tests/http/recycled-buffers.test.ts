// Whole-blob reads and small response bodies borrow their buffers (src/recycled-buffers.ts).
// What must never happen is one buffer lent to two borrowers at once: every image would then
// risk going out with another's bytes. What should happen is reuse, and nothing kept when idle.
import { describe, expect, test } from "bun:test";
import { borrow, giveBack, MAX_RECYCLED_BYTES } from "../../src/recycled-buffers.ts";
import { registerUser, loginToken } from "../support/accounts.ts";
import { contentOf, bytesOf, sha256Hex, uploadRaw } from "../support/images-api.ts";
import { pngOfSize } from "../support/images.ts";
import { useInProcessServer } from "../support/in-process.ts";

test("a buffer given back is lent again, once, to a borrower of its size class", () => {
  const first = borrow(300_000);
  expect(first.length).toBe(300_000);
  giveBack(first);
  // Given back twice by mistake: still only one loan.
  giveBack(first);
  const again = borrow(400_000);
  const other = borrow(400_000);
  expect(again.buffer).toBe(first.buffer);
  expect(other.buffer).not.toBe(first.buffer);
  // Another size class never gets it.
  giveBack(again);
  expect(borrow(70_000).buffer).not.toBe(first.buffer);
  giveBack(other);
});

test("buffers it never lent, and loans above the limit, are never kept", () => {
  const stranger = new Uint8Array(256 * 1024);
  giveBack(stranger);
  expect(borrow(256 * 1024).buffer).not.toBe(stranger.buffer);
  const large = borrow(MAX_RECYCLED_BYTES + 1);
  giveBack(large);
  expect(borrow(MAX_RECYCLED_BYTES + 1).buffer).not.toBe(large.buffer);
});

test("what is kept is freed after a quiet second", async () => {
  const kept = borrow(1_000_000);
  const buffer = kept.buffer;
  giveBack(kept);
  await Bun.sleep(1_300);
  expect(buffer.byteLength).toBe(0);
  expect(borrow(1_000_000).buffer).not.toBe(buffer);
});

describe("downloads that share recycled buffers", () => {
  const server = useInProcessServer();

  test("many at once, of different sizes and ranges, each get their own image's bytes", async () => {
    const user = await registerUser(server.url);
    const token = await loginToken(server.url, user.username, user.password);
    const images = await Promise.all(
      [40_000, 180_000, 300_000, 520_000, 900_000, 1_500_000].map(async (size, i) => {
        const bytes = pngOfSize(size, i + 1);
        const res = await uploadRaw(server.url, token, bytes, { filename: `image-${i}.png` });
        expect(res.status).toBe(201);
        const { created } = (await res.json()) as { created: { id: string }[] };
        return { id: created[0]!.id, bytes };
      }),
    );
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        images.flatMap(({ id, bytes }) => [
          (async () => {
            const res = await contentOf(server.url, token, id);
            expect(res.status).toBe(200);
            expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
            expect(sha256Hex(await bytesOf(res))).toBe(sha256Hex(bytes));
          })(),
          (async () => {
            const res = await contentOf(server.url, token, id, { range: "bytes=1000-30999" });
            expect(res.status).toBe(206);
            expect(Buffer.compare(await bytesOf(res), bytes.subarray(1000, 31000))).toBe(0);
          })(),
        ]),
      );
    }
  }, 60_000);
});
