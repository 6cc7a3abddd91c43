// pixvault ls (SPEC §11): the caller's images (or everyone's public ones), filtered by tag, album
// or label; ids and names, a --long table, or one --json document.
import { requireAlbum } from "../client/albums.ts";
import { Api } from "../client/api.ts";
import { resolveConnection } from "../client/connection.ts";
import { type ListFilter, listAll, type RemoteImage } from "../client/images.ts";
import { formatBytes } from "../client/transfer-events.ts";
import { clientEnvironment, parseClientFlags } from "../config-client.ts";
import { ConfigError } from "../config-values.ts";
import { runClient } from "./client-run.ts";
import { textTable } from "./text-table.ts";

export function lsCommand(argv: string[]): Promise<number> {
  return runClient("ls", async () => {
    const flags = parseClientFlags("ls", argv, { strings: ["tag", "album", "label"], booleans: ["public", "long", "json"] });
    if (flags.booleans.has("long") && flags.booleans.has("json")) throw new ConfigError("--json: give --long or --json, not both");
    const api = new Api(resolveConnection(clientEnvironment()));
    const album = flags.strings.get("album");
    const filter: ListFilter = {
      scope: flags.booleans.has("public") ? "public" : "mine",
      ...(flags.strings.has("tag") ? { tag: flags.strings.get("tag")!.trim().toLowerCase() } : {}),
      ...(album !== undefined ? { album: (await requireAlbum(api, album)).id } : {}),
      ...(flags.strings.has("label") ? { label: flags.strings.get("label")! } : {}),
    };
    const images = await listAll(api, filter);
    if (flags.booleans.has("json")) console.log(JSON.stringify({ items: images }, null, 2));
    else if (flags.booleans.has("long")) console.log(longTable(images));
    else for (const image of images) console.log(`${image.id}  ${printable(image.filename)}`);
    return 0;
  });
}

function longTable(images: readonly RemoteImage[]): string {
  if (images.length === 0) return "no images";
  const rows = images.map((i) => [
    i.id,
    formatBytes(i.size),
    i.contentType,
    i.width !== null && i.height !== null ? `${i.width}x${i.height}` : "-",
    i.takenAt ? `${minutes(i.takenAt)} taken` : `${minutes(i.createdAt)} added`,
    i.visibility,
    printable(i.filename),
  ]);
  return textTable([["ID", "SIZE", "TYPE", "DIMENSIONS", "TAKEN/CREATED", "VISIBILITY", "FILENAME"], ...rows]);
}

/** 2026-07-14T18:02:11+02:00 → 2026-07-14 18:02 (the time as recorded; uploads are UTC). */
const minutes = (iso: string) => iso.slice(0, 16).replace("T", " ");

/** A name from the server shown on a terminal: control characters could move the cursor or retitle the window. */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
