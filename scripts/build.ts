// `npm run build`: compiles src/main.ts and everything it needs into the single file dist/pixvault:
// the web UI, the migrations, libsql's addon, and sharp + libvips, the HEIC decoder's worker and the
// label model's worker with its weights and tfjs's WASM (scripts/lib/executable.ts; scripts/check-compiled-media.ts checks that media stack compiled).
import type { BunPlugin } from "bun";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildClient } from "../src/web/build-client.ts";
import { compileExecutable, embedLibsqlAddon, WORKERS } from "./lib/executable.ts";

const root = join(import.meta.dir, "..");

/**
 * The web UI's built files, embedded: src/web/embedded-assets.ts (empty in source, where the
 * UI is built on first use) becomes a list of `with { type: "file" }` imports of them.
 */
async function embedWebUi(): Promise<BunPlugin> {
  const dir = join(root, "dist/web");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files = await buildClient();
  await Promise.all(files.map((f) => writeFile(join(dir, f.name), f.bytes)));
  const contents = [
    ...files.map((f, i) => `import f${i} from ${JSON.stringify(join(dir, f.name))} with { type: "file" };`),
    `export const EMBEDDED_WEB_FILES = [${files.map((f, i) => `{ name: ${JSON.stringify(f.name)}, file: f${i} }`).join(", ")}];`,
  ].join("\n");
  return {
    name: "embed-web-ui",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]web[\\/]embedded-assets\.ts$/ }, () => ({ contents, loader: "ts" }));
    },
  };
}

const outfile = join(root, "dist/pixvault");
await compileExecutable({
  srcDir: join(root, "src"),
  main: "main.ts",
  workers: WORKERS,
  outfile,
  plugins: [embedLibsqlAddon(), await embedWebUi()],
});
console.log(`built ${outfile}`);
