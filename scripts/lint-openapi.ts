// `npm run lint:openapi`: dumps the served OpenAPI document and lints it with Redocly's
// recommended rules (redocly.yaml); exits non-zero on any error.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openApiDocument } from "./openapi-dump.ts";

const root = join(import.meta.dir, "..");
// A fixed path (git-ignored): .redocly.lint-ignore.yaml names its exceptions by file.
const target = ".cache/openapi.json";
mkdirSync(join(root, ".cache"), { recursive: true });
writeFileSync(join(root, target), `${await openApiDocument()}\n`);

// Run by Bun, so no Node.js is needed; no telemetry, no update check (CI has no network to spare).
const cli = join(root, "node_modules/@redocly/cli/bin/cli.js");
const lint = Bun.spawnSync([process.execPath, cli, "lint", target, "--config", "redocly.yaml"], {
  cwd: root,
  env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_NOTIFICATIONS: "true" },
  stdio: ["ignore", "inherit", "inherit"],
});
process.exit(lint.exitCode ?? 1);
