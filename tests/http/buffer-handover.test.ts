// Transfers free their buffers early (src/buffer-handover.ts). What must never happen is freeing
// bytes someone else still reads: a slice, a buffer never handed over, or a neighbour in a pool.
import { expect, test } from "bun:test";
import { handOver, release } from "../../src/buffer-handover.ts";

test("a chunk handed over whole is freed when released", () => {
  const chunk = handOver(new Uint8Array(64 * 1024).fill(1));
  release(chunk);
  expect(chunk.byteLength).toBe(0);
  // What AES-GCM's update returns: a view one byte short of its own buffer.
  const sealed = handOver(new Uint8Array(new ArrayBuffer(64 * 1024 + 1), 0, 64 * 1024));
  release(sealed);
  expect(sealed.byteLength).toBe(0);
});

test("slices, chunks never handed over and views of part of a buffer keep their bytes", () => {
  const whole = handOver(new Uint8Array(1024).fill(2));
  const slice = whole.subarray(10, 20);
  release(slice);
  expect(whole.byteLength).toBe(1024);
  expect(slice[0]).toBe(2);

  const stranger = new Uint8Array(1024).fill(3);
  release(stranger);
  expect(stranger.byteLength).toBe(1024);

  // Two small Buffers cut from one slab (what a pool hands out): releasing one must not wipe the other.
  const slab = new ArrayBuffer(8192);
  const first = handOver(new Uint8Array(slab, 0, 100).fill(4));
  const neighbour = new Uint8Array(slab, 100, 100).fill(5);
  release(first);
  expect(neighbour.byteLength).toBe(100);
  expect(neighbour[0]).toBe(5);
});
