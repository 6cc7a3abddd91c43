// Writes the OpenAPI document the server serves at /api/v1/openapi.json, built in-process
// from createApp on a throwaway data directory (to the file named by the argument, or stdout).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { composeServices } from "../src/compose/services.ts";
import { openStorage } from "../src/compose/storage.ts";
import { parseStorageConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { VERSION } from "../src/version.ts";

/** The document of an app wired with every router, as a JSON string. */
export async function openApiDocument(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "pixvault-openapi-"));
  try {
    const logger = createLogger(() => {});
    // An empty environment: PIXVAULT_* settings of the caller must not point this at real data.
    const storage = await openStorage(parseStorageConfig(["--data-dir", join(dir, "data")], {}).config, logger);
    try {
      const { accounts, images } = composeServices(storage, { maxImageBytes: 1024 * 1024 }, logger);
      const app = createApp({ logger, version: VERSION, readiness: {}, accounts, images });
      const res = await app.request("/api/v1/openapi.json");
      if (res.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
      return JSON.stringify(await res.json(), null, 2);
    } finally {
      storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const document = await openApiDocument();
  const target = process.argv[2];
  if (target) writeFileSync(target, `${document}\n`);
  else process.stdout.write(`${document}\n`);
}
