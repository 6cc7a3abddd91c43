// pixvault push (SPEC §11): walk the paths, judge and hash every file, send the images the server
// does not hold yet (by sha256, so a second push of the same folder sends nothing), --jobs at a
// time, renamed on a name clash; then put every pushed image (sent or already there) in --album.
import { basename } from "node:path";
import { addToAlbum, createAlbum, findAlbum } from "./albums.ts";
import { type Api, AuthError } from "./api.ts";
import { listImages } from "./images.ts";
import { describeError, errnoText, type Scan, scanFile, walk } from "./local-files.ts";
import { mapLimited } from "./pool.ts";
import { formatBytes, type TransferEvents } from "./transfer-events.ts";
import type { TusOptions } from "./tus-upload.ts";
import { uploadFile, type UploadState } from "./upload.ts";

export interface PushRequest {
  readonly paths: readonly string[];
  readonly visibility: "private" | "public";
  readonly tags: readonly string[];
  readonly albumName?: string;
  readonly jobs: number;
  readonly dryRun: boolean;
  readonly tus?: TusOptions;
}

export interface PushSummary {
  readonly sent: number;
  readonly sentBytes: number;
  /** Images the server already held (or sent once in this run under another path). */
  readonly present: number;
  readonly skipped: number;
  readonly failed: number;
}

interface Candidate {
  readonly path: string;
  readonly scan: Extract<Scan, { kind: "image" }>;
}

export async function push(api: Api, request: PushRequest, events: TransferEvents): Promise<PushSummary> {
  const walked = await walk(request.paths);
  let failed = 0;
  let skipped = 0;
  const fail = (line: string) => {
    failed += 1;
    events.failed(line);
  };
  for (const line of walked.unreadable) fail(`failed ${line}`);

  const scans = await mapLimited(walked.files, request.jobs, async ({ path }) => {
    // A download pull has not finished: never an image to keep.
    if (path.endsWith(".part")) return { path, skip: "an unfinished download (.part)" };
    try {
      return { path, scan: await scanFile(path) };
    } catch (e) {
      return { path, error: errnoText(e) };
    }
  });
  const onServer = await serverDigests(api);
  const album = request.albumName === undefined ? undefined : await albumFor(api, request.albumName, request.dryRun, events);

  const toSend: Candidate[] = [];
  const sentInRun = new Map<string, Candidate>(); // sha256 → the file sent for it
  const sameAs: { path: string; sha256: string }[] = [];
  const albumIds: string[] = [];
  let present = 0;
  for (const item of scans) {
    if ("error" in item) fail(`failed ${item.path}: ${item.error}`);
    else if ("skip" in item) {
      skipped += 1;
      events.note(`skipped ${item.path}: ${item.skip}`);
    } else if (item.scan.kind === "other") {
      skipped += 1;
      events.note(`skipped ${item.path}: not an image${item.scan.detected ? ` (${item.scan.detected})` : ""}`);
    } else if (onServer.has(item.scan.sha256)) {
      present += 1;
      albumIds.push(onServer.get(item.scan.sha256)!);
      events.file(`present ${item.path} (${onServer.get(item.scan.sha256)})`);
    } else if (sentInRun.has(item.scan.sha256)) {
      present += 1;
      sameAs.push({ path: item.path, sha256: item.scan.sha256 });
    } else {
      const candidate = { path: item.path, scan: item.scan };
      sentInRun.set(item.scan.sha256, candidate);
      toSend.push(candidate);
    }
  }

  if (request.dryRun) {
    for (const c of toSend) events.note(`would send ${c.path} (${formatBytes(c.scan.size)})`);
    for (const s of sameAs) events.note(`present ${s.path} (the same bytes as ${sentInRun.get(s.sha256)!.path})`);
    return { sent: toSend.length, sentBytes: toSend.reduce((n, c) => n + c.scan.size, 0), present, skipped, failed };
  }

  events.begin(
    toSend.length,
    toSend.reduce((n, c) => n + c.scan.size, 0),
  );
  const state: UploadState = { resumableMissing: false };
  const settings = {
    visibility: request.visibility,
    tags: request.tags,
    ...(album ? { albumId: album.id } : {}),
    ...(request.tus ? { tus: request.tus } : {}),
  };
  const sentIds = new Map<string, string>(); // sha256 → image id
  let sentBytes = 0;
  await mapLimited(toSend, request.jobs, async ({ path, scan }) => {
    const file = { path, filename: basename(path), size: scan.size, sha256: scan.sha256 };
    let counted = 0;
    const moved = (n: number) => {
      counted += n;
      events.moved(n);
    };
    try {
      const wasMissing = state.resumableMissing;
      const sent = await uploadFile(api, file, settings, state, moved);
      if (state.resumableMissing && !wasMissing)
        events.note("note: this server has no resumable uploads (/api/v1/uploads); large files go in one request");
      sentIds.set(scan.sha256, sent.id);
      sentBytes += scan.size;
      albumIds.push(sent.id);
      events.file(`sent ${path} (${formatBytes(scan.size)}) as ${sent.id}${sent.note ? `; ${sent.note}` : ""}`);
    } catch (e) {
      if (e instanceof AuthError) throw e;
      events.moved(-counted);
      fail(`failed ${path}: ${describeError(e)}`);
    }
  });
  for (const { path, sha256 } of sameAs) {
    const id = sentIds.get(sha256);
    if (id === undefined) continue; // its twin failed, and said so
    albumIds.push(id);
    events.file(`present ${path} (${id}, the same bytes as ${sentInRun.get(sha256)!.path})`);
  }
  if (album && albumIds.length > 0) {
    try {
      await addToAlbum(api, album.id, albumIds);
    } catch (e) {
      if (e instanceof AuthError) throw e;
      fail(`failed to add ${albumIds.length} image(s) to album "${album.name}": ${describeError(e)}`);
    }
  }
  events.end();
  return { sent: sentIds.size, sentBytes, present, skipped, failed };
}

/** sha256 → id of every image the caller holds (one listing, 200 a page). */
async function serverDigests(api: Api): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for await (const page of listImages(api, { scope: "mine" })) for (const image of page) digests.set(image.sha256, image.id);
  return digests;
}

async function albumFor(api: Api, name: string, dryRun: boolean, events: TransferEvents) {
  const found = await findAlbum(api, name);
  if (found) return found;
  if (dryRun) {
    events.note(`would create album "${name.trim()}"`);
    return undefined;
  }
  const created = await createAlbum(api, name);
  events.note(`created album "${created.name}" (${created.id})`);
  return created;
}
