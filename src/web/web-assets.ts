// The web UI's files, loaded once: from the executable's embedded files, or built from source
// on first use. Text files are gzipped once here, not per request.
import { gzipSync } from "node:zlib";
import { EMBEDDED_WEB_FILES } from "./embedded-assets.ts";
import type { BuiltFile } from "./build-client.ts";

interface WebAsset {
  readonly contentType: string;
  readonly body: Uint8Array;
  /** Present when gzip pays (text); served to clients that accept it. */
  readonly gzipped?: Uint8Array;
  /** Unquoted; the same bytes always give the same tag. */
  readonly etag: string;
  /** Named by content hash: cacheable forever. index.html is not. */
  readonly immutable: boolean;
}

export type WebAssets = ReadonlyMap<string, WebAsset>;

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

let loading: Promise<WebAssets> | undefined;

export function webAssets(): Promise<WebAssets> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

async function load(): Promise<WebAssets> {
  const files: BuiltFile[] = EMBEDDED_WEB_FILES
    ? await Promise.all(EMBEDDED_WEB_FILES.map(async (f) => ({ name: f.name, bytes: await Bun.file(f.file).bytes() })))
    : await (await import("./build-client.ts")).buildClient();
  return new Map(files.map((f) => [f.name, toAsset(f)]));
}

function toAsset(file: BuiltFile): WebAsset {
  const ext = file.name.slice(file.name.lastIndexOf(".") + 1);
  const contentType = TYPES[ext] ?? "application/octet-stream";
  const text = contentType.startsWith("text/") || ext === "svg";
  const gzipped = text && file.bytes.length > 1024 ? new Uint8Array(gzipSync(file.bytes, { level: 9 })) : undefined;
  return {
    contentType,
    body: file.bytes,
    ...(gzipped ? { gzipped } : {}),
    etag: Bun.hash(file.bytes).toString(36),
    immutable: file.name !== "index.html",
  };
}
