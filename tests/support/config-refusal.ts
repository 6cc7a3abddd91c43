// What `serve` says of a set of flags: the ConfigError's one line, or "accepted" (other errors are bugs and throw).
import { ConfigError, parseServeConfig } from "../../src/config.ts";

export function serveRefusal(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseServeConfig(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return "accepted";
}
