// Which server a client command talks to, with which token: PIXVAULT_SERVER and PIXVAULT_TOKEN
// win over client.json, and the stored token is only ever sent to the server it was made for.
import type { ClientEnvironment } from "../config-client.ts";
import { ConfigError } from "../config-values.ts";
import type { Connection } from "./api.ts";
import { readCredentials } from "./credentials.ts";

export function resolveConnection(env: ClientEnvironment): Connection {
  const stored = readCredentials(env.credentialsFile);
  const server = env.server ?? stored?.server;
  if (server === undefined) {
    throw new ConfigError("not logged in: run pixvault login --server URL (or set PIXVAULT_SERVER and PIXVAULT_TOKEN)");
  }
  const sameServer = stored !== undefined && stored.server === server;
  const token = env.token ?? (sameServer ? stored.token : undefined);
  if (token === undefined) {
    throw new ConfigError(`no token for ${server}: run pixvault login --server ${server} (or set PIXVAULT_TOKEN)`);
  }
  return { server, token, insecureSkipVerify: env.insecureSkipVerify || (sameServer && stored.insecureSkipVerify === true) };
}
