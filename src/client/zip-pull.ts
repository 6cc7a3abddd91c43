// pixvault pull --zip FILE: the selection's zip from GET /api/v1/images/archive, written through
// FILE.part and resumed by a later run with Range + If-Range (the ETag it started from is kept in
// FILE.part.etag, so a selection that changed meanwhile starts over instead of mixing two zips).
import { readFile, rm, writeFile } from "node:fs/promises";
import type { Api } from "./api.ts";
import { downloadResumable } from "./download.ts";
import { archiveRequest, type Selection } from "./selection.ts";
import type { TransferEvents } from "./transfer-events.ts";

export interface ZipPulled {
  readonly size: number;
  readonly resumedFrom: number;
  /** A POST (too many ids for a URL): such a download starts over when broken. */
  readonly resumable: boolean;
}

/** Writes the zip to `file`; undefined when the selection is empty (nothing written). */
export async function pullZip(api: Api, file: string, selection: Selection, events: TransferEvents): Promise<ZipPulled | undefined> {
  const request = await archiveRequest(api, selection);
  if (request === undefined) return undefined;
  const validatorFile = `${file}.part.etag`;
  const stored = request.ids === undefined ? await readFile(validatorFile, "utf8").catch(() => undefined) : undefined;
  const head = request.ids === undefined ? await api.send("HEAD", request.path) : undefined;
  const size = Number(head?.headers.get("content-length") ?? Number.NaN);
  events.begin(1, Number.isFinite(size) && head?.status === 200 ? size : 0);
  const done = await downloadResumable(api, request.path, file, {
    ...(stored?.startsWith('"') ? { ifRange: stored.trim() } : {}),
    ...(request.ids !== undefined ? { postJson: { ids: request.ids } } : {}),
    moved: (n) => events.moved(n),
    onValidator: async (etag) => {
      if (etag === undefined) await rm(validatorFile, { force: true });
      else await writeFile(validatorFile, etag);
    },
  });
  await rm(validatorFile, { force: true });
  events.end();
  return { size: done.size, resumedFrom: done.resumedFrom, resumable: request.ids === undefined };
}
