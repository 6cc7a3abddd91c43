// pixvault pull (SPEC §11): the selected images that are missing in --out, each under its own
// safe, unique name, fetched --jobs at a time through a resumable `.part` (sha256 checked), with
// the file's mtime set to when the photo was taken (else uploaded).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { type Api, AuthError } from "./api.ts";
import { downloadResumable } from "./download.ts";
import type { RemoteImage } from "./images.ts";
import { describeError } from "./local-files.ts";
import { numbered, safeLocalName } from "./local-names.ts";
import { mapLimited } from "./pool.ts";
import { type Selection, selectImages } from "./selection.ts";
import { formatBytes, type TransferEvents } from "./transfer-events.ts";

export interface PullRequest {
  readonly out: string;
  readonly selection: Selection;
  readonly jobs: number;
}

export interface PullSummary {
  readonly fetched: number;
  readonly fetchedBytes: number;
  readonly present: number;
  readonly failed: number;
}

interface Planned {
  readonly image: RemoteImage;
  readonly name: string;
  readonly present: boolean;
}

export async function pull(api: Api, request: PullRequest, events: TransferEvents): Promise<PullSummary> {
  const { images, missing } = await selectImages(api, request.selection);
  await mkdir(request.out, { recursive: true });
  let failed = 0;
  for (const id of missing) {
    failed += 1;
    events.failed(`failed ${id}: no such image of yours`);
  }
  const plan = await planNames(request.out, images);
  let present = 0;
  for (const p of plan) {
    if (!p.present) continue;
    present += 1;
    events.file(`present ${join(request.out, p.name)} (${p.image.id})`);
  }
  const toFetch = plan.filter((p) => !p.present);
  events.begin(
    toFetch.length,
    toFetch.reduce((n, p) => n + p.image.size, 0),
  );
  let fetched = 0;
  let fetchedBytes = 0;
  await mapLimited(toFetch, request.jobs, async ({ image, name }) => {
    const target = join(request.out, name);
    try {
      const done = await downloadResumable(api, `/api/v1/images/${encodeURIComponent(image.id)}/content`, target, {
        ifRange: `"${image.sha256}"`,
        expectedSize: image.size,
        sha256: image.sha256,
        moved: (n) => events.moved(n),
      });
      const when = photoTime(image);
      await utimes(target, new Date(), when);
      fetched += 1;
      fetchedBytes += image.size;
      const resumed = done.resumedFrom > 0 ? `; resumed after ${formatBytes(done.resumedFrom)}` : "";
      events.file(`fetched ${target} (${formatBytes(image.size)}) from ${image.id}${resumed}`);
    } catch (e) {
      if (e instanceof AuthError) throw e;
      failed += 1;
      events.failed(`failed ${target} (${image.id}): ${describeError(e)}`);
    }
  });
  events.end();
  return { fetched, fetchedBytes, present, failed };
}

/** takenAt, else createdAt: what the file's mtime says. */
function photoTime(image: RemoteImage): Date {
  const taken = image.takenAt ? new Date(image.takenAt) : undefined;
  return taken && !Number.isNaN(taken.getTime()) ? taken : new Date(image.createdAt);
}

/**
 * A name per image, oldest image first: its safe filename, else "name (1).ext", … — skipping names
 * given in this run and files that hold something else. A file that already holds the image (same
 * size, and the mtime pull sets or the same sha256) is the image's, and it is not fetched again.
 */
async function planNames(dir: string, images: readonly RemoteImage[]): Promise<Planned[]> {
  const taken = new Set<string>(); // lowercased: the name must be free on case-insensitive filesystems too
  const plan: Planned[] = [];
  for (const image of images) {
    const base = safeLocalName(image.filename, image.contentType);
    for (let n = 0; ; n += 1) {
      const name = n === 0 ? base : numbered(base, n);
      const key = name.toLowerCase();
      if (taken.has(key) || taken.has(`${key}.part`)) continue;
      const holds = await fileHolds(join(dir, name), image);
      if (holds === "other") continue;
      taken.add(key);
      taken.add(`${key}.part`);
      plan.push({ image, name, present: holds === "image" });
      break;
    }
  }
  return plan;
}

async function fileHolds(path: string, image: RemoteImage): Promise<"nothing" | "image" | "other"> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    return "nothing";
  }
  if (!info.isFile() || info.size !== image.size) return "other";
  // rsync's quick check: the size and the mtime pull gave it. Otherwise the bytes decide.
  if (Math.abs(info.mtimeMs - photoTime(image).getTime()) < 1000) return "image";
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex") === image.sha256 ? "image" : "other";
}
