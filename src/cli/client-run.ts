// Exit codes of the client commands (SPEC §11): 3 when the server refused the credentials (401),
// 1 when it refused otherwise or could not be reached, each in one line; bad flags and missing
// configuration are ConfigErrors, which main turns into exit 2.
import { ApiError, AuthError, ConnectionError } from "../client/api.ts";
import { ConfigError } from "../config-values.ts";

export async function runClient(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof AuthError) {
      const hint = command === "login" ? "" : " (run pixvault login again)";
      console.error(`pixvault ${command}: authentication failed: ${e.detail}${hint}`);
      return 3;
    }
    if (e instanceof ApiError || e instanceof ConnectionError) {
      console.error(`pixvault ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** A password (or another secret) piped on standard input, less its trailing newline (SPEC §3). */
export async function secretFromStdin(flag: string): Promise<string> {
  const text = await new Response(Bun.stdin.stream()).text();
  const secret = text.replace(/\r?\n$/, "");
  if (secret === "") throw new ConfigError(`--${flag}: standard input is empty`);
  return secret;
}
