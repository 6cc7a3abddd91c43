// The browser suites drive dist/pixvault copied alone into a directory of their own, so the UI
// must come from inside the executable; tests/support/pixvault.ts then starts it (PIXVAULT_BIN).
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const built = join(import.meta.dir, "../../dist/pixvault");

/** Copies the built executable into `dir` and makes it the one servers start from; returns its path. */
export function useBuiltBinary(dir: string): string {
  if (!existsSync(built)) throw new Error("dist/pixvault is missing: run `npm run build` first");
  const bin = join(dir, "pixvault");
  copyFileSync(built, bin);
  Bun.spawnSync(["chmod", "755", bin]);
  process.env.PIXVAULT_BIN = bin;
  return bin;
}
