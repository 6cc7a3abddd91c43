// How pixvault becomes one executable: shared by scripts/build.ts (dist/pixvault),
// scripts/check-compiled-media.ts (a throwaway executable built from a copy of src/media, so the
// check proves what the real build does) and scripts/third-party-notices.ts (what the build bundles).
//
// No plugin is needed for sharp: its CommonJS entry requires its addon by a literal specifier
// (`@img/sharp-linux-x64/sharp.node`), which the bundler embeds, and
// src/media/sharp-loader.ts imports libvips-cpp.so `with { type: "file" }`, which embeds it too
// (extracting and dlopen'ing both at run time is the loader's job). What the build must add by hand
// are the workers: `new Worker(path)` is not followed by the bundler.
import type { BunPlugin } from "bun";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Worker entry points, relative to src/. In the executable each one is embedded under this name
 * (relative to the common root of the entry points, src/), which is the path its spawner passes
 * to `new Worker` when compiled (see media/heic-decoder.ts).
 */
export const WORKERS = ["media/heic-decode.worker.ts", "media/labels/labels.worker.ts"];

/**
 * libsql picks its native addon with a computed require (`@libsql/${target}`), which the
 * bundler cannot follow (oven-sh/bun#18909); name this platform's addon statically so
 * it is embedded in the executable.
 */
export function embedLibsqlAddon(): BunPlugin {
  // The one platform the executable is built for.
  const target = "linux-x64-gnu";
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

export interface ExecutableOptions {
  /** The source root: `main` and every worker are paths relative to it. */
  readonly srcDir: string;
  readonly main: string;
  readonly workers: readonly string[];
  readonly outfile: string;
  readonly plugins?: BunPlugin[];
}

/** Compiles `main` and its workers into one executable (exits with the bundler's messages on failure). */
export async function compileExecutable(options: ExecutableOptions): Promise<void> {
  const result = await Bun.build({
    entrypoints: [options.main, ...options.workers].map((p) => join(options.srcDir, p)),
    compile: { outfile: options.outfile },
    target: "bun",
    minify: true,
    bytecode: true,
    // tfjs-core (the label model's runtime) sets up its platform in a module imported only for its
    // side effect, which its package.json's sideEffects list and /* @__PURE__ */ annotations let the
    // bundler drop; compiled, the label worker then fails on `env().platform`. The flag keeps every
    // annotated call.
    ignoreDCEAnnotations: true,
    plugins: options.plugins ?? [],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    process.exit(1);
  }
}
