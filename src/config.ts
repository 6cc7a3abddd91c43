// The only reader of flags and the environment (PIXVAULT_*, AWS_*): validated, typed and frozen config.
import { parseArgs } from "node:util";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { CAPTION_FLAGS, type CaptionConfig, captionFrom } from "./config-caption.ts";
import { OIDC_BOOLEAN, OIDC_FLAGS, type OidcConfig, oidcFrom } from "./config-oidc.ts";
import { type StorageConfig, storageFrom } from "./config-storage.ts";
import {
  ConfigError,
  parseBytes,
  parseDuration,
  parseHost,
  parseHttpUrl,
  parseInteger,
  parseCidrList,
  type Cidr,
} from "./config-values.ts";

export { ConfigError };
export { PASSPHRASE_ENV, type StorageConfig } from "./config-storage.ts";

export interface ServeConfig extends StorageConfig {
  readonly host: string;
  readonly port: number;
  /** Base URL for links; absent means derived from the address actually listened on. */
  readonly publicUrl?: string;
  readonly maxImageBytes: number;
  /** 0 means unlimited. */
  readonly userQuotaBytes: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** How long in-flight requests may take to finish after SIGTERM. */
  readonly shutdownGraceMs: number;
  /** Slow clients (README, HTTP conventions): a request head must be complete this soon; a body may stall this long. */
  readonly headerTimeoutMs: number;
  readonly bodyIdleTimeoutMs: number;
  readonly sessionLifetimeMs: number;
  readonly loginThrottle: {
    readonly maxFailuresPerUserAndIp: number;
    readonly maxFailuresPerIp: number;
    readonly maxFailuresPerUser: number;
    readonly windowMs: number;
  };
  readonly registration: {
    readonly mode: "open" | "invite" | "closed";
    readonly maxPerIp: number;
    readonly windowMs: number;
  };
  /** Proxies whose X-Forwarded-For is believed; empty means the header is ignored. */
  readonly trustProxy: readonly Cidr[];
  /** Bearer token for /metrics; absent means /metrics is open. */
  readonly metricsToken?: string;
  readonly previews: PreviewConfig;
  /** Single sign-on with an OpenID Provider; absent when not configured. */
  readonly oidc?: OidcConfig;
}

/** How previews are made (serve, and `pixvault previews`). */
export interface PreviewConfig {
  /** Background workers; 0 makes previews on demand only. */
  readonly workers: number;
  /** Images with more pixels get no previews (a decompression bomb costs a header read). */
  readonly maxPixels: number;
  /** One image's decoding is given up after this long. */
  readonly timeoutSeconds: number;
  /** Another libvips-cpp.so to load instead of the bundled one (LGPL: replaceable). */
  readonly libvips?: string;
  /** `--analysis off` keeps the label model unloaded (SPEC §9); colours and hashes are made either way. */
  readonly labels: boolean;
  /** Descriptions asked of a chat completions endpoint (SPEC §9); absent (off) unless configured. */
  readonly caption?: CaptionConfig;
}

interface FlagSpec {
  readonly name: string;
  readonly value: string;
  readonly help: string;
}

export const STORAGE_FLAGS: readonly FlagSpec[] = [
  { name: "data-dir", value: "DIR", help: "data directory (default ./data)" },
  { name: "database-url", value: "URL", help: "file:<data-dir>/pixvault.db, http://… or libsql://… (sqld)" },
  { name: "blob-store", value: "DIR|URL", help: "<data-dir>/blobs, or s3://bucket/prefix" },
  { name: "master-key-file", value: "FILE", help: "<data-dir>/master.key" },
];

export const PREVIEW_FLAGS: readonly FlagSpec[] = [
  { name: "preview-workers", value: "N", help: "background preview workers, 0 = on demand only (default 1)" },
  { name: "max-image-pixels", value: "N", help: "images with more pixels get no previews (default 200000000)" },
  { name: "preview-timeout-seconds", value: "N", help: "give up decoding one image after this long (default 60)" },
  { name: "libvips", value: "FILE", help: "another libvips-cpp.so to use for previews (default: the bundled one)" },
  { name: "analysis", value: "on|off", help: "find object labels in images with the built-in model (default on)" },
  ...CAPTION_FLAGS,
];

export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: "host", value: "HOST", help: "address to listen on (default 127.0.0.1)" },
  { name: "port", value: "PORT", help: "TCP port, 0 for any free one (default 8080)" },
  ...STORAGE_FLAGS,
  { name: "public-url", value: "URL", help: "base URL used in links (default http://<host>:<port>)" },
  { name: "max-image-bytes", value: "BYTES", help: "largest accepted image (default 52428800; 50MiB works)" },
  { name: "user-quota-bytes", value: "BYTES", help: "storage per user, 0 = unlimited (default 0)" },
  { name: "tls-cert", value: "FILE", help: "PEM certificate: serve HTTPS (needs --tls-key)" },
  { name: "tls-key", value: "FILE", help: "PEM private key for --tls-cert (mode 0600, or 0640 for a group)" },
  { name: "shutdown-grace-seconds", value: "N", help: "time for in-flight requests at SIGTERM (default 30)" },
  { name: "header-timeout-seconds", value: "N", help: "time for a request's headers to arrive, else 408 (default 30)" },
  { name: "body-idle-timeout-seconds", value: "N", help: "time a request body may send nothing, else 408 (default 60)" },
  { name: "session-lifetime", value: "DURATION", help: "how long a login lasts (default 24h; 90m, 7d, 3600s)" },
  { name: "login-max-failures", value: "N", help: "failed logins per username from one address per window before 429 (default 5)" },
  { name: "login-max-failures-per-ip", value: "N", help: "failed logins per client address per window (default 50)" },
  { name: "login-max-failures-per-user", value: "N", help: "failed logins per username from all addresses per window (default 100)" },
  { name: "login-window", value: "DURATION", help: "the throttling window (default 15m)" },
  { name: "trust-proxy", value: "CIDR,…", help: "believe X-Forwarded-For only from these proxies (default: ignore it)" },
  { name: "registration", value: "MODE", help: "sign-up: open, invite (needs a code) or closed (default open)" },
  { name: "registration-max-per-ip", value: "N", help: "accounts registered per client address per hour (default 10)" },
  { name: "metrics-token", value: "TOKEN", help: "require `Authorization: Bearer TOKEN` on /metrics (default: open)" },
  ...PREVIEW_FLAGS,
  ...OIDC_FLAGS,
];

/** serve's flags that take no value. */
export const SERVE_BOOLEANS: readonly { readonly name: string; readonly help: string }[] = [
  { name: OIDC_BOOLEAN, help: "unknown single-sign-on identities get a new account (default: they are refused)" },
];

/** The env twin of a flag: --max-image-bytes ↔ PIXVAULT_MAX_IMAGE_BYTES. */
export function envName(flag: string): string {
  return `PIXVAULT_${flag.toUpperCase().replaceAll("-", "_")}`;
}

type Env = Readonly<Record<string, string | undefined>>;
type Raw = Map<string, string>;

/** Reads flags (which win) and env twins for the given flag set; unknown flags are errors. */
function readRaw(
  argv: readonly string[],
  env: Env,
  flags: readonly FlagSpec[],
  booleans: readonly string[] = [],
): { raw: Raw; fromEnv: Set<string>; bools: Set<string>; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const f of flags) options[f.name] = { type: "string" };
  for (const b of booleans) options[b] = { type: "boolean" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new ConfigError(describeParseError(e));
  }
  const raw: Raw = new Map();
  const fromEnv = new Set<string>();
  const bools = new Set<string>();
  for (const f of flags) {
    const fromFlag = parsed.values[f.name];
    const envValue = env[envName(f.name)];
    if (typeof fromFlag === "string") raw.set(f.name, fromFlag);
    else if (envValue !== undefined && envValue !== "") {
      raw.set(f.name, envValue);
      fromEnv.add(f.name);
    }
  }
  for (const b of booleans) if (parsed.values[b] === true) bools.add(b);
  return { raw, fromEnv, bools, positionals: parsed.positionals };
}

/** Runs a parser; an error about a value that came from the environment says so. */
function naming<T>(fromEnv: Set<string>, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const flag = e instanceof ConfigError ? /^--([a-z-]+):/.exec(e.message)?.[1] : undefined;
    if (flag && fromEnv.has(flag)) {
      throw new ConfigError(e instanceof Error ? e.message.replace(`--${flag}:`, `--${flag} (from ${envName(flag)}):`) : String(e));
    }
    throw e;
  }
}

export function describeParseError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `${unknown[1]}: unknown flag (see --help)`;
  const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
  const ambiguous = /Option '(--[a-z-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]}: a value starting with "-" must be written ${ambiguous[1]}=VALUE`;
  if (missing) return `${(missing[1] ?? "").split(",").pop()?.trim()}: needs a value`;
  return message.split("\n")[0] ?? "invalid arguments";
}

function readableFile(flag: string, path: string): string {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new ConfigError(`--${flag}: no such file "${path}"`);
  }
  return abs;
}

/** What a command reads beside the storage flags. */
interface CommandFlags {
  /** Flags that take no value (`--json`, `--repair`); `bools` says which were given. */
  readonly booleans?: readonly string[];
  /** Flags that take a value; `raw` holds what was given. */
  readonly flags?: readonly FlagSpec[];
  /** The environment to read instead of the process's (tests, scripts). */
  readonly env?: Env;
}

export function parseStorageConfig(
  argv: readonly string[],
  { booleans = [], flags = [], env = process.env }: CommandFlags = {},
): { config: StorageConfig; raw: Raw; bools: Set<string>; positionals: string[] } {
  const { raw, fromEnv, bools, positionals } = readRaw(argv, env, [...STORAGE_FLAGS, ...flags], booleans);
  return { config: Object.freeze(naming(fromEnv, () => storageFrom(raw, env))), raw, bools, positionals };
}

export function parseServeConfig(argv: readonly string[], env: Env = process.env): ServeConfig {
  const { raw, fromEnv, bools, positionals } = readRaw(
    argv,
    env,
    SERVE_FLAGS,
    SERVE_BOOLEANS.map((b) => b.name),
  );
  return naming(fromEnv, () => serveFrom(raw, bools, positionals, env));
}

function serveFrom(raw: Raw, bools: Set<string>, positionals: string[], env: Env): ServeConfig {
  if (positionals.length > 0) throw new ConfigError(`serve: unexpected argument "${positionals[0]}"`);
  const storage = storageFrom(raw, env);
  const host = parseHost(raw.get("host") ?? "127.0.0.1");
  const port = parseInteger("port", raw.get("port") ?? "8080", 0, 65535);
  const certFile = raw.get("tls-cert");
  const keyFile = raw.get("tls-key");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(certFile ? "--tls-key: required with --tls-cert" : "--tls-cert: required with --tls-key");
  }
  const tls = certFile && keyFile ? { certFile: readableFile("tls-cert", certFile), keyFile: readableFile("tls-key", keyFile) } : undefined;
  const maxImageBytes = parseBytes("max-image-bytes", raw.get("max-image-bytes") ?? "52428800");
  if (maxImageBytes < 1) throw new ConfigError(`--max-image-bytes: must be at least 1 byte`);
  const publicUrl = raw.get("public-url");
  const metricsToken = raw.get("metrics-token");
  const oidc = oidcFrom(raw, bools.has(OIDC_BOOLEAN), env);
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError("--metrics-token: use at least 16 characters");
  return Object.freeze({
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    ...storage,
    host,
    port,
    ...(publicUrl !== undefined ? { publicUrl: parseHttpUrl("public-url", publicUrl) } : {}),
    maxImageBytes,
    userQuotaBytes: parseBytes("user-quota-bytes", raw.get("user-quota-bytes") ?? "0"),
    shutdownGraceMs: parseInteger("shutdown-grace-seconds", raw.get("shutdown-grace-seconds") ?? "30", 0, 3600) * 1000,
    headerTimeoutMs: parseInteger("header-timeout-seconds", raw.get("header-timeout-seconds") ?? "30", 1, 3600) * 1000,
    bodyIdleTimeoutMs: parseInteger("body-idle-timeout-seconds", raw.get("body-idle-timeout-seconds") ?? "60", 1, 3600) * 1000,
    sessionLifetimeMs: parseDuration("session-lifetime", raw.get("session-lifetime") ?? "24h"),
    loginThrottle: Object.freeze({
      maxFailuresPerUserAndIp: parseInteger("login-max-failures", raw.get("login-max-failures") ?? "5", 1, 1_000_000),
      maxFailuresPerIp: parseInteger("login-max-failures-per-ip", raw.get("login-max-failures-per-ip") ?? "50", 1, 1_000_000),
      maxFailuresPerUser: parseInteger("login-max-failures-per-user", raw.get("login-max-failures-per-user") ?? "100", 1, 1_000_000),
      windowMs: parseDuration("login-window", raw.get("login-window") ?? "15m"),
    }),
    registration: Object.freeze({
      mode: parseRegistrationMode(raw.get("registration") ?? "open"),
      maxPerIp: parseInteger("registration-max-per-ip", raw.get("registration-max-per-ip") ?? "10", 1, 1_000_000),
      windowMs: 3_600_000,
    }),
    trustProxy: Object.freeze(raw.has("trust-proxy") ? parseCidrList("trust-proxy", raw.get("trust-proxy")!) : []),
    previews: previewConfigFrom(raw),
    ...(tls ? { tls } : {}),
    ...(oidc ? { oidc } : {}),
  });
}

/** The preview flags of `raw` (read with PREVIEW_FLAGS), validated. */
export function previewConfigFrom(raw: Raw): PreviewConfig {
  const libvips = raw.get("libvips");
  const caption = captionFrom(raw);
  return Object.freeze({
    workers: parseInteger("preview-workers", raw.get("preview-workers") ?? "1", 0, 64),
    maxPixels: parseInteger("max-image-pixels", raw.get("max-image-pixels") ?? "200000000", 1, 2_000_000_000),
    timeoutSeconds: parseInteger("preview-timeout-seconds", raw.get("preview-timeout-seconds") ?? "60", 1, 3600),
    ...(libvips !== undefined ? { libvips: readableFile("libvips", libvips) } : {}),
    labels: parseOnOff("analysis", raw.get("analysis") ?? "on"),
    ...(caption ? { caption } : {}),
  });
}

function parseOnOff(flag: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === "on" || value === "off") return value === "on";
  throw new ConfigError(`--${flag}: expected on or off, got "${text}"`);
}

function parseRegistrationMode(text: string): ServeConfig["registration"]["mode"] {
  const mode = text.trim().toLowerCase();
  if (mode === "open" || mode === "invite" || mode === "closed") return mode;
  throw new ConfigError(`--registration: expected open, invite or closed, got "${text}"`);
}
