// One resumable download into `<target>.part`: what the part already holds is asked for no
// more (Range from its size, If-Range with the validator it was started with, so changed content
// starts over), the part is renamed onto the target only when complete (and its sha256 checked
// when one is known). A broken connection is retried from the part a few times before giving up;
// the part stays for the next run either way.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { type Api, ApiError, ConnectionError, problemOf } from "./api.ts";

export interface DownloadOptions {
  /** A strong ETag (quoted) the part was started from; without one a part is never resumed. */
  readonly ifRange?: string;
  readonly expectedSize?: number;
  /** The sha256 (hex) the finished file must have. */
  readonly sha256?: string;
  /** Bytes that reached the part (negative when a part is started over). */
  readonly moved?: (bytes: number) => void;
  /** The validator of the bytes now in the part, when a response brings one (for a part resumed by a later run). */
  readonly onValidator?: (etag: string | undefined) => Promise<void> | void;
  readonly retryDelaysMs?: readonly number[];
  /** Ask with a POST of this JSON instead of a GET (never resumed: Range is a GET's). */
  readonly postJson?: unknown;
}

export interface Downloaded {
  readonly size: number;
  /** Bytes the part held when the last attempt began, not fetched again. */
  readonly resumedFrom: number;
}

export async function downloadResumable(api: Api, path: string, target: string, options: DownloadOptions = {}): Promise<Downloaded> {
  const delays = options.retryDelaysMs ?? [500, 2000, 5000];
  const state: { ifRange?: string } = options.ifRange === undefined ? {} : { ifRange: options.ifRange };
  for (let attempt = 0; ; attempt += 1) {
    let counted = 0;
    const moved = (n: number) => {
      counted += n;
      options.moved?.(n);
    };
    try {
      return await attemptDownload(api, path, target, { ...options, moved }, state);
    } catch (e) {
      options.moved?.(-counted); // the next attempt counts what the part holds again
      if (!(e instanceof ConnectionError) || attempt >= delays.length) throw e;
      await Bun.sleep(delays[attempt]!);
    }
  }
}

async function attemptDownload(
  api: Api,
  path: string,
  target: string,
  options: DownloadOptions & { moved: (bytes: number) => void },
  state: { ifRange?: string },
): Promise<Downloaded> {
  const part = `${target}.part`;
  const moved = options.moved;
  let have = options.postJson === undefined ? await sizeOf(part) : 0;
  if (have > 0 && (state.ifRange === undefined || (options.expectedSize !== undefined && have > options.expectedSize))) have = 0;
  if (have > 0 && have === options.expectedSize) {
    // Complete already (a run stopped between the last byte and the rename).
    if (options.sha256 === undefined || (await digestOf(part)).digest("hex") === options.sha256) {
      moved(have);
      await rename(part, target);
      return { size: have, resumedFrom: have };
    }
    have = 0;
  }
  const headers: Record<string, string> = { accept: "*/*" };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    headers["if-range"] = state.ifRange!;
  }
  const ask = (h: Record<string, string>) =>
    options.postJson === undefined ? api.send("GET", path, { headers: h }) : api.send("POST", path, { headers: h, json: options.postJson });
  let res = await ask(headers);
  if (res.status === 416) {
    await res.body?.cancel();
    have = 0;
    res = await ask({ accept: "*/*" });
  }
  let total: number;
  if (res.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
    if (!range || Number(range[1]) !== have) {
      await res.body?.cancel();
      throw new ApiError(206, "bad_range", "the server answered another range than asked for");
    }
    total = Number(range[3]);
  } else if (res.status === 200) {
    have = 0;
    total = Number(res.headers.get("content-length") ?? Number.NaN);
  } else {
    throw await problemOf(res);
  }
  const etag = res.headers.get("etag") ?? "";
  const validator = etag.startsWith('"') ? etag : undefined; // a weak tag cannot vouch for bytes
  if (validator === undefined) delete state.ifRange;
  else state.ifRange = validator;
  await options.onValidator?.(validator);
  const hash = options.sha256 !== undefined ? (have > 0 ? await digestOf(part, have) : createHash("sha256")) : undefined;
  moved(have);
  const file = await open(part, have > 0 ? "r+" : "w");
  let size = have;
  try {
    if (!res.body) throw new ApiError(res.status, "bad_response", "the answer has no body");
    for await (const chunk of res.body) {
      await file.write(chunk, 0, chunk.length, size);
      size += chunk.length;
      hash?.update(chunk);
      moved(chunk.length);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    // The stream broke: what arrived stays in the part for the next attempt.
    throw new ConnectionError(`the download broke off after ${size} bytes: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await file.truncate(size).catch(() => {});
    await file.close();
  }
  if ((Number.isFinite(total) && size !== total) || (options.expectedSize !== undefined && size !== options.expectedSize)) {
    throw new ConnectionError(`the download ended after ${size} of ${Number.isFinite(total) ? total : options.expectedSize} bytes`);
  }
  if (hash && hash.digest("hex") !== options.sha256) {
    await rm(part, { force: true });
    throw new ApiError(200, "checksum_mismatch", "the bytes received do not have the image's sha256; the partial file was removed");
  }
  await rename(part, target);
  return { size, resumedFrom: have };
}

async function sizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : 0;
  } catch {
    return 0;
  }
}

/** A sha256 over the first `limit` bytes of a file (all of it by default), left open for more. */
async function digestOf(path: string, limit?: number): Promise<Hash> {
  const hash = createHash("sha256");
  const stream = createReadStream(path, limit === undefined ? {} : { end: limit - 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash;
}
