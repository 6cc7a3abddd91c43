// Builds the browser UI with Bun: src/web/client/main.ts (with its CSS and lazily loaded
// chunks, among them the zxcvbn dictionaries) into hashed files, plus the index.html that
// names them. Run in-process when serving from source, and by scripts/build.ts.
import { basename, join } from "node:path";

export interface BuiltFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const CLIENT = join(import.meta.dir, "client");
export const ASSET_PREFIX = "/assets/";

export async function buildClient(): Promise<BuiltFile[]> {
  const result = await Bun.build({
    entrypoints: [join(CLIENT, "main.ts")],
    target: "browser",
    format: "esm",
    splitting: true,
    minify: true,
    naming: { entry: "[name]-[hash].[ext]", chunk: "chunk-[hash].[ext]", asset: "[name]-[hash].[ext]" },
    publicPath: ASSET_PREFIX,
  });
  if (!result.success) throw new AggregateError(result.logs, "the web UI did not build");
  const files: BuiltFile[] = await Promise.all(
    result.outputs.map(async (o) => ({ name: basename(o.path), bytes: new Uint8Array(await o.arrayBuffer()) })),
  );
  const script = result.outputs.find((o) => o.kind === "entry-point" && o.path.endsWith(".js"));
  const style = result.outputs.find((o) => o.path.endsWith(".css"));
  if (!script || !style) throw new Error("the web UI build made no script or no stylesheet");
  const icon = await hashedCopy(join(CLIENT, "favicon.svg"));
  const html = (await Bun.file(join(CLIENT, "index.html")).text())
    .replace("%SCRIPT%", ASSET_PREFIX + basename(script.path))
    .replace("%STYLE%", ASSET_PREFIX + basename(style.path))
    .replace("%ICON%", ASSET_PREFIX + icon.name);
  return [{ name: "index.html", bytes: new TextEncoder().encode(html) }, icon, ...files];
}

async function hashedCopy(path: string): Promise<BuiltFile> {
  const bytes = await Bun.file(path).bytes();
  const hash = Bun.hash(bytes).toString(36).slice(0, 8);
  const [stem, ext] = basename(path).split(".");
  return { name: `${stem}-${hash}.${ext}`, bytes };
}
