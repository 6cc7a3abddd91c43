// The client commands' flags and environment (SPEC §11): where client.json lives, the
// PIXVAULT_SERVER / PIXVAULT_TOKEN / PIXVAULT_INSECURE_SKIP_VERIFY / PIXVAULT_JOBS twins, and each
// command's own flags, parsed strictly (an unknown flag is exit 2 naming it).
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeParseError } from "./config.ts";
import { ConfigError, parseDuration, parseHttpUrl, parseInteger } from "./config-values.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** What the environment says about the server to talk to; client.json fills in the rest. */
export interface ClientEnvironment {
  /** `$XDG_CONFIG_HOME/pixvault/client.json`, else `~/.config/pixvault/client.json`. */
  readonly credentialsFile: string;
  readonly server?: string;
  readonly token?: string;
  readonly insecureSkipVerify: boolean;
}

export function clientEnvironment(env: Env = process.env): ClientEnvironment {
  const xdg = env.XDG_CONFIG_HOME;
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg?.startsWith("/") ? xdg : join(env.HOME || homedir(), ".config");
  const server = nonEmpty(env.PIXVAULT_SERVER);
  const token = nonEmpty(env.PIXVAULT_TOKEN);
  return Object.freeze({
    credentialsFile: join(base, "pixvault", "client.json"),
    ...(server !== undefined ? { server: serverUrl(server, "PIXVAULT_SERVER") } : {}),
    ...(token !== undefined ? { token } : {}),
    insecureSkipVerify: truthy("insecure-skip-verify", env.PIXVAULT_INSECURE_SKIP_VERIFY),
  });
}

/** A server's base URL (http or https, no trailing slash); `from` names the flag or variable it came from. */
export function serverUrl(text: string, from = "--server"): string {
  try {
    return parseHttpUrl("server", text.trim());
  } catch {
    throw new ConfigError(`${from}: expected an http:// or https:// URL, got "${text}"`);
  }
}

/** A command's flags: `values` holds what was given, strings and booleans alike. */
export interface ClientFlags {
  readonly strings: ReadonlyMap<string, string>;
  readonly booleans: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function parseClientFlags(
  command: string,
  argv: readonly string[],
  spec: { strings?: readonly string[]; booleans?: readonly string[]; positionals?: boolean },
): ClientFlags {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const name of spec.strings ?? []) options[name] = { type: "string" };
  for (const name of spec.booleans ?? []) options[name] = { type: "boolean" };
  // Image ids (22 base64url characters) begin with "-" 1 time in 64, and parseArgs would read one
  // as flags. No client command has short flags, so such a token is an id unless it names one of
  // the command's flags (--insecure-skip-verify has the shape too): it is set aside and put back
  // among the positionals where it stood.
  const isDashedId = (arg: string) => IMAGE_ID.test(arg) && arg.startsWith("-") && !Object.hasOwn(options, arg.slice(2));
  const kept = [...argv.entries()].flatMap(([at, arg]) => (isDashedId(arg) ? [] : [{ arg, at }]));
  const dashedIds = [...argv.entries()].flatMap(([at, arg]) => (isDashedId(arg) ? [{ arg, at }] : []));
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: kept.map((k) => k.arg), options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new ConfigError(describeParseError(e));
  }
  const positionals = [
    ...parsed.tokens.flatMap((t) => (t.kind === "positional" ? [{ arg: t.value, at: kept[t.index]!.at }] : [])),
    ...dashedIds,
  ]
    .sort((a, b) => a.at - b.at)
    .map((p) => p.arg);
  if (!spec.positionals && positionals.length > 0) {
    throw new ConfigError(`${command}: unexpected argument "${positionals[0]}" (see pixvault ${command} --help)`);
  }
  const strings = new Map<string, string>();
  const booleans = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === "string") strings.set(name, value);
    else if (value === true) booleans.add(name);
  }
  return { strings, booleans, positionals };
}

const IMAGE_ID = /^[A-Za-z0-9_-]{22}$/;

/** --jobs (PIXVAULT_JOBS): transfers at once, 1–32, default 4. */
export function jobsOf(flags: ClientFlags, env: Env = process.env): number {
  const given = flags.strings.get("jobs");
  const text = given ?? nonEmpty(env.PIXVAULT_JOBS) ?? "4";
  try {
    return parseInteger("jobs", text, 1, 32);
  } catch (e) {
    if (given === undefined && e instanceof ConfigError)
      throw new ConfigError(e.message.replace("--jobs:", "--jobs (from PIXVAULT_JOBS):"));
    throw e;
  }
}

/** --expires of a share link: 60 s to 7 days (SPEC §4), in seconds. */
export function shareExpirySeconds(text: string): number {
  const seconds = parseDuration("expires", text) / 1000;
  if (seconds < 60 || seconds > 7 * 86_400) throw new ConfigError(`--expires: a share link lasts 60s to 7d, got "${text}"`);
  return seconds;
}

function truthy(flag: string, text: string | undefined): boolean {
  const value = text?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "0" || value === "false" || value === "no") return false;
  if (value === "1" || value === "true" || value === "yes") return true;
  throw new ConfigError(`--${flag} (from PIXVAULT_${flag.toUpperCase().replaceAll("-", "_")}): expected true or false, got "${text}"`);
}

const nonEmpty = (text: string | undefined) => (text === undefined || text.trim() === "" ? undefined : text);
