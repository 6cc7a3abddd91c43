// `npm run build`: compiles src/main.ts and everything it needs into the single file dist/pixvault.
import type { BunPlugin } from "bun";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

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

const result = await Bun.build({
  // Workers are separate entry points in a compiled executable (see password-policy.ts).
  entrypoints: [join(root, "src/main.ts"), join(root, "src/domain/password-strength.worker.ts")],
  compile: { outfile: join(root, "dist/pixvault") },
  target: "bun",
  minify: true,
  bytecode: true,
  plugins: [embedLibsqlAddon("linux-x64-gnu")],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${result.outputs.map((o) => o.path).join(", ")}`);
