// The load suite's clients: each one, as one of a few users, mixes uploads (multipart and raw),
// listings, full and ranged reads, archives, share-link downloads and deletes, and checks every
// answer against what it knows the server must hold. A 404 is right only for an image some
// client is deleting; anything else unexpected is a failure with its reason.
import { call, type SecretJar, type SignedInUser } from "../support/accounts.ts";
import { uploadFiles, uploadRaw, sha256Hex } from "../support/images-api.ts";
import { noisePng, pngChunk } from "../support/images.ts";
import type { Rng } from "./rng.ts";

export interface StoredImage {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** What one user holds: images confirmed stored, and those a client has started to delete. */
export class Holdings {
  readonly images = new Map<string, StoredImage>();
  readonly deleting = new Set<string>();
  constructor(readonly member: SignedInUser) {}

  /** A stored image no client is deleting, or undefined. */
  pick(rng: Rng): StoredImage | undefined {
    const ids = [...this.images.keys()].filter((id) => !this.deleting.has(id));
    return ids.length === 0 ? undefined : this.images.get(ids[rng.int(ids.length)]!);
  }

  pickSome(rng: Rng, max: number): StoredImage[] {
    const picked = new Map<string, StoredImage>();
    for (let i = 0; i < max; i++) {
      const image = this.pick(rng);
      if (image) picked.set(image.id, image);
    }
    return [...picked.values()];
  }

  /** An id may be missing only while (or after) a client deletes it. */
  mayBeGone(id: string): boolean {
    return this.deleting.has(id) || !this.images.has(id);
  }
}

// Mostly small images, a few past 1 MiB (those stream segment by segment on the way out).
const SIZES = [
  { width: 16, height: 12, weight: 6 },
  { width: 64, height: 48, weight: 6 },
  { width: 160, height: 120, weight: 4 },
  { width: 320, height: 240, weight: 2 },
  { width: 640, height: 560, weight: 1 },
];
const BASES = SIZES.flatMap((s, i) => Array.from({ length: s.weight }, () => noisePng({ width: s.width, height: s.height, seed: 7 + i })));

let stamp = 0;

/** A PNG nobody uploaded before: a base image with a unique tEXt chunk before IEND. */
function uniquePng(rng: Rng): Buffer {
  const base = rng.pick(BASES);
  const iend = base.length - 12;
  stamp += 1;
  return Buffer.concat([base.subarray(0, iend), pngChunk("tEXt", Buffer.from(`Comment\0load ${stamp}`, "latin1")), base.subarray(iend)]);
}

type Operation = "multipart" | "raw" | "list" | "read" | "range" | "archive" | "share" | "delete";
const WEIGHTS: [Operation, number][] = [
  ["multipart", 12],
  ["raw", 10],
  ["list", 12],
  ["read", 16],
  ["range", 10],
  ["archive", 7],
  ["share", 6],
  ["delete", 9],
];
const MIN_IMAGES = 4;
const MAX_IMAGES = 60;

export interface LoadTally {
  readonly counts: Map<string, number>;
  readonly failures: string[];
  serverErrors: number;
  connectionErrors: number;
  /** Archive downloads cut because one of their images was deleted while they streamed. */
  archivesCutByDelete: number;
}

export function newTally(): LoadTally {
  return { counts: new Map(), failures: [], serverErrors: 0, connectionErrors: 0, archivesCutByDelete: 0 };
}

export interface ClientContext {
  readonly url: string;
  readonly holdings: Holdings;
  readonly tally: LoadTally;
  readonly jar: SecretJar;
  readonly rng: Rng;
  readonly name: string;
}

/** Runs operations until the deadline (and at most `maxOps`). */
export async function runClient(ctx: ClientContext, deadline: number, maxOps: number): Promise<void> {
  for (let n = 0; n < maxOps && Date.now() < deadline; n++) {
    const op = chooseOperation(ctx);
    ctx.tally.counts.set(op, (ctx.tally.counts.get(op) ?? 0) + 1);
    try {
      await OPERATIONS[op](ctx, n);
    } catch (e) {
      ctx.tally.connectionErrors += 1;
      ctx.tally.failures.push(`${op}: request failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function chooseOperation({ holdings, rng }: ClientContext): Operation {
  const live = holdings.images.size - holdings.deleting.size;
  if (live < MIN_IMAGES) return rng.pick(["multipart", "raw"] as const);
  if (live > MAX_IMAGES) return "delete";
  let r = rng.int(WEIGHTS.reduce((sum, [, w]) => sum + w, 0));
  for (const [op, w] of WEIGHTS) {
    if (r < w) return op;
    r -= w;
  }
  return "read";
}

/** Records a wrong answer; a 5xx is also counted on its own. */
function wrong(ctx: ClientContext, what: string, res: Response, detail = ""): void {
  if (res.status >= 500) ctx.tally.serverErrors += 1;
  ctx.tally.failures.push(`${what}: ${res.status} ${detail}`.trim());
}

function stored(ctx: ClientContext, created: { id: string; sha256: string }, bytes: Uint8Array): void {
  const sha256 = sha256Hex(bytes);
  if (created.sha256 !== sha256) ctx.tally.failures.push(`upload ${created.id}: server says sha256 ${created.sha256}, sent ${sha256}`);
  ctx.holdings.images.set(created.id, { id: created.id, bytes, sha256 });
}

const token = (ctx: ClientContext) => ctx.holdings.member.token;

const OPERATIONS: Record<Operation, (ctx: ClientContext, n: number) => Promise<void>> = {
  async multipart(ctx, n) {
    const files = Array.from({ length: 1 + ctx.rng.int(3) }, (_, i) => ({ name: `${ctx.name}-${n}-${i}.png`, bytes: uniquePng(ctx.rng) }));
    const options: Record<string, string> = ctx.rng.int(4) === 0 ? { visibility: "public" } : {};
    const res = await uploadFiles(ctx.url, token(ctx), files, options);
    const body = (await res.json()) as { created?: { id: string; sha256: string; filename: string }[] };
    if (res.status !== 201 || body.created?.length !== files.length)
      return wrong(ctx, "multipart upload", res, JSON.stringify(body).slice(0, 300));
    for (const [i, created] of body.created.entries()) stored(ctx, created, files[i]!.bytes);
  },

  async raw(ctx, n) {
    const bytes = uniquePng(ctx.rng);
    const res = await uploadRaw(ctx.url, token(ctx), bytes, { filename: `${ctx.name}-${n}.png` }, ctx.rng.pick(["POST", "PUT"]));
    const body = (await res.json()) as { created?: { id: string; sha256: string }[] };
    if (res.status !== 201 || body.created?.length !== 1) return wrong(ctx, "raw upload", res, JSON.stringify(body).slice(0, 300));
    stored(ctx, body.created[0]!, bytes);
  },

  async list(ctx) {
    const query = new URLSearchParams({ limit: String(1 + ctx.rng.int(100)), sort: ctx.rng.pick(["newest", "oldest", "size"]) });
    const res = await call(ctx.url, "GET", `/api/v1/images?${query}`, { token: token(ctx) });
    if (res.status !== 200) return wrong(ctx, "list", res, await res.text());
    const body = (await res.json()) as { items: { id: string; sha256: string }[] };
    for (const item of body.items) {
      const known = ctx.holdings.images.get(item.id);
      if (known && known.sha256 !== item.sha256)
        ctx.tally.failures.push(`list: ${item.id} has sha256 ${item.sha256}, uploaded ${known.sha256}`);
    }
  },

  async read(ctx) {
    const image = ctx.holdings.pick(ctx.rng);
    if (!image) return;
    const res = await call(ctx.url, "GET", `/api/v1/images/${image.id}/content`, { token: token(ctx) });
    await checkContent(ctx, "read", image, res, 200, image.bytes);
  },

  async range(ctx) {
    const image = ctx.holdings.pick(ctx.rng);
    if (!image) return;
    const start = ctx.rng.int(image.bytes.length);
    const end = Math.min(image.bytes.length - 1, start + ctx.rng.int(200_000));
    const res = await call(ctx.url, "GET", `/api/v1/images/${image.id}/content`, {
      token: token(ctx),
      headers: { range: `bytes=${start}-${end}` },
    });
    await checkContent(ctx, "range read", image, res, 206, image.bytes.subarray(start, end + 1));
  },

  async archive(ctx) {
    const images = ctx.holdings.pickSome(ctx.rng, 2 + ctx.rng.int(3));
    if (images.length === 0) return;
    const res = await call(ctx.url, "GET", `/api/v1/images/archive?ids=${images.map((i) => i.id).join(",")}`, { token: token(ctx) });
    if (res.status === 404) {
      const body = (await res.json()) as { missing?: string[] };
      if (!(body.missing ?? []).every((id) => ctx.holdings.mayBeGone(id))) wrong(ctx, "archive", res, JSON.stringify(body));
      return;
    }
    let zip: Buffer;
    try {
      zip = Buffer.from(await res.arrayBuffer());
    } catch (e) {
      // Headers are out before the entries stream: an image deleted meanwhile cuts the
      // download (an incomplete zip, never a wrong one). Only that may cut it.
      if (!images.some((i) => ctx.holdings.mayBeGone(i.id))) throw e;
      ctx.tally.archivesCutByDelete += 1;
      return;
    }
    if (res.status !== 200 || res.headers.get("content-type") !== "application/zip") return wrong(ctx, "archive", res);
    if (Number(res.headers.get("content-length")) !== zip.length)
      ctx.tally.failures.push(`archive: Content-Length ${res.headers.get("content-length")}, got ${zip.length}`);
    // Entries are stored, not deflated: each image's bytes appear whole in the zip.
    for (const image of images)
      if (zip.indexOf(image.bytes) < 0) ctx.tally.failures.push(`archive: ${image.id} is not in the zip byte-exact`);
  },

  async share(ctx) {
    const image = ctx.holdings.pick(ctx.rng);
    if (!image) return;
    const made = await call(ctx.url, "POST", `/api/v1/images/${image.id}/shares`, { token: token(ctx), json: { expiresInSeconds: 600 } });
    if (made.status === 404 && ctx.holdings.mayBeGone(image.id)) return void (await made.arrayBuffer());
    if (made.status !== 201) return wrong(ctx, "share create", made, await made.text());
    const link = (await made.json()) as { token: string };
    ctx.jar.add(link.token);
    const res = await fetch(`${ctx.url}/s/${link.token}`);
    await checkContent(ctx, "share download", image, res, 200, image.bytes);
  },

  async delete(ctx) {
    const images = ctx.rng.int(5) < 3 ? ctx.holdings.pickSome(ctx.rng, 1) : ctx.holdings.pickSome(ctx.rng, 2 + ctx.rng.int(3));
    if (images.length === 0) return;
    const ids = images.map((i) => i.id);
    for (const id of ids) ctx.holdings.deleting.add(id);
    try {
      if (ids.length === 1) {
        const res = await call(ctx.url, "DELETE", `/api/v1/images/${ids[0]}`, { token: token(ctx) });
        if (res.status !== 204) return wrong(ctx, "delete", res, await res.text());
      } else {
        const res = await call(ctx.url, "POST", "/api/v1/images/delete", { token: token(ctx), json: { ids } });
        const body = (await res.json()) as { deleted?: string[]; failed?: unknown[] };
        if (res.status !== 200 || [...(body.deleted ?? [])].sort().join() !== [...ids].sort().join()) {
          return wrong(ctx, "bulk delete", res, JSON.stringify(body).slice(0, 300));
        }
      }
      for (const id of ids) ctx.holdings.images.delete(id);
    } finally {
      for (const id of ids) ctx.holdings.deleting.delete(id);
    }
  },
};

async function checkContent(
  ctx: ClientContext,
  what: string,
  image: StoredImage,
  res: Response,
  status: number,
  expected: Uint8Array,
): Promise<void> {
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status === 404 && ctx.holdings.mayBeGone(image.id)) return;
  if (res.status !== status) return wrong(ctx, `${what} ${image.id}`, res, body.toString("utf8", 0, 300));
  if (!body.equals(expected)) ctx.tally.failures.push(`${what} ${image.id}: ${body.length} bytes, not the ${expected.length} uploaded`);
}
