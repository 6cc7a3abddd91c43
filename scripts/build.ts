// `npm run build`: compiles src/main.ts and everything it needs into the single file dist/pixvault.
import type { BunPlugin } from "bun";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildClient } from "../src/web/build-client.ts";

const root = join(import.meta.dir, "..");

/**
 * libsql picks its native addon with a computed require (`@libsql/${target}`), which the
 * bundler cannot follow (oven-sh/bun#18909); name this platform's addon statically so
 * it is embedded in the executable.
 */
function embedLibsqlAddon(target: string): BunPlugin {
  return {
    name: "embed-libsql-addon",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/]index\.js$/ }, async ({ path }) => {
        const source = await readFile(path, "utf8");
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text of libsql's loader, matched byte for byte
        const computed = "return require(`@libsql/${target}`);";
        if (!source.includes(computed)) throw new Error(`libsql changed: ${computed} not found in ${path}`);
        return {
          contents: source.replace(computed, `return require("@libsql/${target}/index.node");`),
          loader: "js",
        };
      });
    },
  };
}

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

const result = await Bun.build({
  // Workers are separate entry points in a compiled executable (see password-policy.ts).
  entrypoints: [join(root, "src/main.ts"), join(root, "src/domain/password-strength.worker.ts")],
  compile: { outfile: join(root, "dist/pixvault") },
  target: "bun",
  minify: true,
  bytecode: true,
  plugins: [embedLibsqlAddon("linux-x64-gnu"), await embedWebUi()],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${result.outputs.map((o) => o.path).join(", ")}`);
