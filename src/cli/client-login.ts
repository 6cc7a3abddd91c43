// pixvault login / logout (SPEC §11): sign in with the password once, keep an API token named
// after this machine (never the password) in client.json; logout revokes that token and removes the file.
import { hostname } from "node:os";
import { Api, ApiError, AuthError, ConnectionError } from "../client/api.ts";
import { readCredentials, removeCredentials, type StoredCredentials, writeCredentials } from "../client/credentials.ts";
import { clientEnvironment, parseClientFlags, serverUrl } from "../config-client.ts";
import { ConfigError } from "../config-values.ts";
import { askLine, onTerminal } from "./client-prompt.ts";
import { runClient, secretFromStdin } from "./client-run.ts";
import { promptHidden } from "./passphrase.ts";

export function loginCommand(argv: string[]): Promise<number> {
  return runClient("login", async () => {
    const flags = parseClientFlags("login", argv, {
      strings: ["server", "username"],
      booleans: ["password-stdin", "insecure-skip-verify"],
    });
    const env = clientEnvironment();
    const given = flags.strings.get("server");
    const server = given !== undefined ? serverUrl(given) : env.server;
    if (server === undefined) throw new ConfigError("--server: required (the pixvault server's address, e.g. https://photos.example.org)");
    const insecureSkipVerify = flags.booleans.has("insecure-skip-verify") || env.insecureSkipVerify;
    const username =
      flags.strings.get("username") ?? (onTerminal() && !flags.booleans.has("password-stdin") ? await askLine("username: ") : "");
    if (username === "") throw new ConfigError("--username: required (standard input is not a terminal to ask on)");
    const password = await passwordFor(flags.booleans.has("password-stdin"), username, server);
    if (password === undefined) return 2;

    const api = new Api({ server, insecureSkipVerify });
    const session = await api.json<{ token: string; user: { username: string } }>(
      "POST",
      "/api/v1/sessions",
      { json: { username, password } },
      [201],
    );
    let made: { id: string; name: string; token: string };
    try {
      // A token outlives the session that makes it; the server asks for the password again (SPEC §13).
      made = await api.json("POST", "/api/v1/tokens", { token: session.token, json: { name: tokenName(), password } }, [201]);
    } finally {
      await api.send("DELETE", "/api/v1/sessions/current", { token: session.token }).then(
        (r) => r.body?.cancel(),
        () => {},
      );
    }
    const previous = readCredentialsQuietly(env.credentialsFile);
    const stored: StoredCredentials = {
      server,
      token: made.token,
      username: session.user.username,
      ...(insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    };
    writeCredentials(env.credentialsFile, stored);
    if (previous && previous.token !== made.token) await revokeQuietly(previous);
    console.log(`logged in to ${server} as ${session.user.username}; API token "${made.name}" stored in ${env.credentialsFile}`);
    if (insecureSkipVerify) console.error("pixvault login: warning: the server's TLS certificate is not checked (--insecure-skip-verify)");
    return 0;
  });
}

export function logoutCommand(argv: string[]): Promise<number> {
  return runClient("logout", async () => {
    parseClientFlags("logout", argv, {});
    const env = clientEnvironment();
    const stored = readCredentials(env.credentialsFile);
    const target = stored ?? (env.server && env.token ? { server: env.server, token: env.token } : undefined);
    if (!target) throw new ConfigError(`not logged in (no ${env.credentialsFile})`);
    const api = new Api({
      server: target.server,
      token: target.token,
      insecureSkipVerify: env.insecureSkipVerify || stored?.insecureSkipVerify === true,
    });
    let already = false;
    try {
      await api.call("DELETE", "/api/v1/sessions/current", {}, [204]);
    } catch (e) {
      if (!(e instanceof AuthError)) {
        if (stored && (e instanceof ConnectionError || e instanceof ApiError)) {
          console.error(`pixvault logout: the token could not be revoked; ${env.credentialsFile} is kept so you can try again`);
        }
        throw e;
      }
      already = true; // revoked, expired or its user gone: nothing left to revoke
    }
    if (stored) removeCredentials(env.credentialsFile);
    const what = already ? "the token was no longer valid" : "the token is revoked";
    console.log(`logged out of ${target.server}: ${what}${stored ? `; removed ${env.credentialsFile}` : ""}`);
    return 0;
  });
}

async function passwordFor(fromStdin: boolean, username: string, server: string): Promise<string | undefined> {
  if (fromStdin) return secretFromStdin("password-stdin");
  if (!onTerminal()) throw new ConfigError("--password-stdin: required (standard input is not a terminal to ask on)");
  const typed = await promptHidden(`password for ${username} at ${server}: `);
  if (typed === undefined || typed === "") console.error(`pixvault login: ${typed === undefined ? "cancelled" : "no password given"}`);
  return typed === "" ? undefined : typed;
}

/** The token's name in the account's token list: which machine holds it. */
function tokenName(): string {
  const host =
    hostname()
      .replace(/[^\p{L}\p{N}._-]/gu, "")
      .slice(0, 60) || "unknown host";
  return `pixvault CLI on ${host}`;
}

function readCredentialsQuietly(file: string): StoredCredentials | undefined {
  try {
    return readCredentials(file);
  } catch {
    return undefined; // a damaged file is replaced
  }
}

/** The token a new login replaces stops working too (best effort: its server may be gone). */
async function revokeQuietly(previous: StoredCredentials): Promise<void> {
  const api = new Api({ server: previous.server, token: previous.token, insecureSkipVerify: previous.insecureSkipVerify === true });
  await api.send("DELETE", "/api/v1/sessions/current").then(
    (r) => r.body?.cancel(),
    () => {},
  );
}
