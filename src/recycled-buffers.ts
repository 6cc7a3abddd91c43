// Large buffers that a request borrows and gives back, so the next request fills memory that is
// already mapped instead of fresh pages.
//
// mimalloc hands a freed buffer of 64 KiB or more back to the kernel 10 ms after it was freed
// (its purge delay, read from the environment once, at exec). Between two downloads the buffers
// of the last one are often idle that long, so the next one faulted its pages in again: ~45 page
// faults per 500 KB download, at ~11 µs each on this machine's VM. Borrowed buffers brought that
// to ~8, and the server's CPU per MiB downloaded down by 40–55 % (issue #17, bench/RESULTS.md).
//
// Only what the borrower alone holds may come back: giveBack() takes a buffer once per loan, and
// only one this module lent, so a stray or repeated giveBack() can never lend one buffer twice.
// Kept buffers are freed after a quiet second, so an idle server holds none of them.

const MIN_CLASS = 64 * 1024;
/** Larger requests are plain allocations: they are rare, and their memory goes back at once. */
export const MAX_RECYCLED_BYTES = 2 * 1024 * 1024;
/** At most this much is kept between loans. */
const KEPT_LIMIT = 8 * 1024 * 1024;
const IDLE_MS = 1_000;

const kept = new Map<number, ArrayBuffer[]>();
let keptBytes = 0;
const lent = new WeakSet<ArrayBuffer>();
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let lastGiven = 0;

function classOf(size: number): number {
  let c = MIN_CLASS;
  while (c < size) c *= 2;
  return c;
}

/** `size` bytes, unzeroed: the caller overwrites them before reading any. */
export function borrow(size: number): Uint8Array<ArrayBuffer> {
  if (size > MAX_RECYCLED_BYTES) return Buffer.allocUnsafe(size) as Uint8Array<ArrayBuffer>;
  const capacity = classOf(size);
  let buffer = kept.get(capacity)?.pop();
  if (buffer) keptBytes -= capacity;
  else buffer = new ArrayBuffer(capacity);
  lent.add(buffer);
  return new Uint8Array(buffer, 0, size);
}

/** Returns a borrowed buffer; the caller and everyone it gave a view to must be done with it. */
export function giveBack(view: Uint8Array): void {
  const buffer = view.buffer as ArrayBuffer;
  if (!lent.delete(buffer)) return;
  if (keptBytes + buffer.byteLength > KEPT_LIMIT) return;
  let shelf = kept.get(buffer.byteLength);
  if (!shelf) kept.set(buffer.byteLength, (shelf = []));
  shelf.push(buffer);
  keptBytes += buffer.byteLength;
  // One timer for a busy spell, not one per response: it re-arms itself until a quiet second.
  lastGiven = performance.now();
  if (!idleTimer) armIdleTimer(IDLE_MS);
}

function armIdleTimer(ms: number): void {
  idleTimer = setTimeout(freeKeptWhenQuiet, ms);
  idleTimer.unref();
}

/** Frees what is kept once nothing came back for IDLE_MS (detaching frees at once; the collector would wait). */
function freeKeptWhenQuiet(): void {
  const quietFor = performance.now() - lastGiven;
  if (quietFor < IDLE_MS) return armIdleTimer(IDLE_MS - quietFor);
  idleTimer = undefined;
  for (const shelf of kept.values()) for (const buffer of shelf.splice(0)) buffer.transfer(0);
  keptBytes = 0;
}
