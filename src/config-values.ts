// Parsers for single configuration values (bytes, durations, hosts, URLs, stores, secret files):
// each names its flag in the one-line error it throws.
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import type { BlobStoreConfig } from "./config-storage.ts";

/** Bad configuration: main prints `pixvault: <message>` and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export function parseBytes(flag: string, text: string): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ConfigError(`--${flag}: expected a byte count such as 52428800 or 50MiB, got "${text}"`);
  }
  return n;
}

export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

const DURATION_UNITS: Record<string, number> = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(flag: string, text: string): number {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new ConfigError(`--${flag}: expected a duration such as 90s, 15m, 24h or 7d, got "${text}"`);
  }
  return ms;
}

export function parseHost(text: string): string {
  const host = text.trim();
  // A hostname, an IPv4 address or a bare/bracketed IPv6 address.
  if (!/^(\[?[0-9a-f:.]+\]?|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)$/i.test(host)) {
    throw new ConfigError(`--host: expected an IP address or hostname, got "${text}"`);
  }
  return host.replace(/^\[(.*)\]$/, "$1");
}

export function parseHttpUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--${flag}: expected an http:// or https:// URL, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`--${flag}: expected an http:// or https:// URL, got "${text}"`);
  }
  return url.href.replace(/\/+$/, "");
}

/** A secret (client secret, bearer token) from a file, trimmed: never in `ps` or the environment, never in the error. */
export function readSecretFile(flag: string, path: string): string {
  const abs = resolve(path);
  let text: string;
  try {
    if (!statSync(abs).isFile()) throw new Error("not a file");
    text = readFileSync(abs, "utf8");
  } catch {
    throw new ConfigError(`--${flag}: cannot read "${path}"`);
  }
  const secret = text.trim();
  if (secret === "") throw new ConfigError(`--${flag}: "${path}" is empty`);
  return secret;
}

export function parseDatabaseUrl(text: string): string {
  const m = /^([a-z]+):/i.exec(text);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === "file") {
    if (text.length <= "file:".length) throw new ConfigError(`--database-url: "file:" needs a path`);
    return text;
  }
  if (scheme && ["http", "https", "libsql", "ws", "wss"].includes(scheme)) {
    try {
      new URL(text);
      return text;
    } catch {
      /* fall through to the error below */
    }
  }
  throw new ConfigError(`--database-url: expected file:PATH, http(s)://HOST:PORT or libsql://HOST, got "${text}"`);
}

export function parseBlobStore(text: string, dataDir: string): BlobStoreConfig {
  if (!text.startsWith("s3:")) return { kind: "disk", dir: resolve(dataDir, text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--blob-store: expected a directory or s3://bucket/prefix, got "${text}"`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(url.hostname)) {
    throw new ConfigError(`--blob-store: "${url.hostname}" is not a valid S3 bucket name`);
  }
  const endpoint = url.searchParams.get("endpoint") ?? undefined;
  if (endpoint !== undefined) parseHttpUrl("blob-store endpoint", endpoint);
  const region = url.searchParams.get("region") ?? undefined;
  return {
    kind: "s3",
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname.replace(/^\/+/, "")),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
  };
}

/** An address range: `10.0.0.0/8`, `fd00::/8`, or one address (`127.0.0.1` = /32). */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

export function parseCidrList(flag: string, text: string): Cidr[] {
  const ranges = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (ranges.length === 0) throw new ConfigError(`--${flag}: expected addresses or ranges such as 127.0.0.1,10.0.0.0/8`);
  return ranges.map((range) => {
    const [address = "", bits, extra] = range.split("/");
    const version = isIP(address);
    const family = version === 4 ? "ipv4" : "ipv6";
    const max = version === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (version === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
      throw new ConfigError(`--${flag}: "${range}" is not an IP address or CIDR range (such as 10.0.0.0/8 or fd00::/8)`);
    }
    return { address, prefix, family };
  });
}
