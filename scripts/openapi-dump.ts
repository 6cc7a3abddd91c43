// Writes the OpenAPI document the server serves at /api/v1/openapi.json, built in-process by
// the test app on a throwaway data directory (to the file named by the argument, or stdout).
import { writeFileSync } from "node:fs";
import { createTestApp } from "../src/test-app.ts";
import { VERSION } from "../src/version.ts";

/** The document of an app wired with every router, as a JSON string. */
export async function openApiDocument(): Promise<string> {
  // The test app ignores the environment: PIXVAULT_* settings of the caller must not point this at real data.
  const app = await createTestApp({ version: VERSION });
  try {
    const res = await app.request("/api/v1/openapi.json");
    if (res.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
    return JSON.stringify(await res.json(), null, 2);
  } finally {
    await app.close();
  }
}

if (import.meta.main) {
  const document = await openApiDocument();
  const target = process.argv[2];
  if (target) writeFileSync(target, `${document}\n`);
  else process.stdout.write(`${document}\n`);
}
