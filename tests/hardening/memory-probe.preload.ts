// Preloaded into a server under test (BUN_OPTIONS=--preload, see memoryProbeEnv): on SIGUSR2 it
// collects all garbage, lets the allocators hand freed pages back, and prints what the process
// still holds as one JSON line. Only tests load it; the server itself has no such hook.
import { heapStats } from "bun:jsc";

const SETTLE_MS = 1000;

process.on("SIGUSR2", () => {
  Bun.gc(true);
  // Freed pages go back to the system a moment after a collection, not during it.
  setTimeout(() => {
    Bun.gc(true);
    const stats = heapStats();
    const line = {
      msg: "memory probe",
      rssBytes: process.memoryUsage.rss(),
      // Live JS objects plus the buffers they own (ArrayBuffers, strings held outside the heap).
      retainedBytes: stats.heapSize + stats.extraMemorySize,
      objectCount: stats.objectCount,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }, SETTLE_MS);
});

process.stdout.write(`${JSON.stringify({ msg: "memory probe ready" })}\n`);
