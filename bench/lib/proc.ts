// What a server process costs, read from /proc: resident memory (now and peak) and CPU time,
// summed over its process tree so nginx's master and workers count as one server.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fmt } from "./stats.ts";

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // the process has gone; it costs nothing any more
  }
}

/** `pid` and every descendant, found by parent pid (the children file misses other threads' children). */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid) parentOf.set(Number(entry), ppid);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  return tree;
}

export interface Memory {
  /** VmRSS, MiB. */
  rss: number;
  /** VmHWM (peak RSS since start or since resetPeak), MiB. */
  peak: number;
}

/** VmRSS and VmHWM summed over `pids`, in MiB (the sum of peaks bounds the peak of the sum from above). */
export function memoryOf(pids: number[]): Memory {
  let rss = 0;
  let peak = 0;
  for (const pid of pids) {
    const status = read(`/proc/${pid}/status`);
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    rss += kib("VmRSS") / 1024;
    peak += kib("VmHWM") / 1024;
  }
  return { rss, peak };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, clear_refs "5"); false if not allowed. */
export function resetPeak(pids: number[]): boolean {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS while `run` goes, as a cross-check on VmHWM (or the only figure without clear_refs). */
export async function peakDuring<T>(pids: number[], run: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const reset = resetPeak(pids);
  let sampled = memoryOf(pids).rss;
  const timer = setInterval(() => (sampled = Math.max(sampled, memoryOf(pids).rss)), 25);
  try {
    const result = await run();
    const after = memoryOf(pids);
    return { result, peak: reset ? after.peak : Math.max(sampled, after.rss) };
  } finally {
    clearInterval(timer);
  }
}

/** CPU seconds (user + system) of `pids`, and of the first one's main thread (pixvault's JavaScript thread). */
export function cpuOf(pids: number[]): { all: number; main: number } {
  const seconds = (file: string) => {
    const stat = read(file);
    if (!stat) return 0;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  };
  const all = pids.reduce((sum, pid) => sum + seconds(`/proc/${pid}/stat`), 0);
  return { all, main: seconds(`/proc/${pids[0]}/task/${pids[0]}/stat`) };
}

export interface Cores {
  /** CPU seconds (user + system) the server spent meanwhile, all its threads and processes. */
  serverSeconds: number;
  /** Cores the server kept busy on average (all its threads and processes). */
  server: number;
  /** The same for the server's main thread alone. */
  serverMain: number;
  /** Cores this client process kept busy. */
  client: number;
}

export const describeCores = (c: Cores): string =>
  `server ${fmt(c.server, 2)} (main thread ${fmt(c.serverMain, 2)}), client ${fmt(c.client, 2)}`;

/** Runs `run` and says how busy the server and this client were meanwhile. */
export async function withCpu<T>(pids: number[], run: () => Promise<T>): Promise<{ result: T; cores: Cores; seconds: number }> {
  const server = cpuOf(pids);
  const client = process.cpuUsage();
  const t = performance.now();
  const result = await run();
  const wall = (performance.now() - t) / 1000;
  const after = cpuOf(pids);
  const c = process.cpuUsage(client);
  return {
    result,
    seconds: wall,
    cores: {
      serverSeconds: after.all - server.all,
      server: (after.all - server.all) / wall,
      serverMain: (after.main - server.main) / wall,
      client: (c.user + c.system) / 1e6 / wall,
    },
  };
}
