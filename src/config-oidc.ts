// The single-sign-on half of serve's config (SPEC §13): one OpenID Provider, its client and how
// unknown identities are treated. config.ts hands it the flags it read; the secret comes from a file (readSecretFile).
import { isIP } from "node:net";
import { ConfigError, readSecretFile } from "./config-values.ts";

export interface OidcConfig {
  /** The issuer exactly as the provider names itself (no trailing slash added or removed). */
  readonly issuer: string;
  readonly clientId: string;
  /** Read from --oidc-client-secret-file: a secret never sits in `ps` or the environment. */
  readonly clientSecret: string;
  /** What the sign-in button says: "Sign in with LABEL". */
  readonly name: string;
  /** Unknown identities get an account (whatever --registration says: that governs password sign-up). */
  readonly autoRegister: boolean;
}

export const OIDC_FLAGS = [
  { name: "oidc-issuer", value: "URL", help: "OpenID Provider for single sign-on (https://, or http:// on loopback)" },
  { name: "oidc-client-id", value: "ID", help: "this server's client id at the provider" },
  { name: "oidc-client-secret-file", value: "FILE", help: "file holding the client secret" },
  { name: "oidc-name", value: "LABEL", help: 'the sign-in button says "Sign in with LABEL" (default: the issuer\'s host)' },
] as const;

export const OIDC_BOOLEAN = "oidc-auto-register";

/** Which of the three required flags a partial set lacks, in the order --help lists them. */
const REQUIRED = ["oidc-issuer", "oidc-client-id", "oidc-client-secret-file"] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** undefined when no OIDC flag is given; a ConfigError naming the flag for a bad or incomplete set. */
export function oidcFrom(flags: ReadonlyMap<string, string>, autoRegisterFlag: boolean, env: Env): OidcConfig | undefined {
  const autoRegister = autoRegisterFlag || parseBooleanEnv(env.PIXVAULT_OIDC_AUTO_REGISTER);
  const given = [...REQUIRED, "oidc-name"].some((name) => flags.has(name)) || autoRegister;
  if (!given) return undefined;
  const missing = REQUIRED.find((name) => !flags.has(name));
  if (missing) throw new ConfigError(`--${missing}: required for single sign-on (${REQUIRED.map((f) => `--${f}`).join(", ")})`);
  const issuer = parseIssuer(flags.get("oidc-issuer")!);
  const clientId = flags.get("oidc-client-id")!.trim();
  if (clientId === "") throw new ConfigError("--oidc-client-id: must not be empty");
  const clientSecret = readSecretFile("oidc-client-secret-file", flags.get("oidc-client-secret-file")!);
  const name = (flags.get("oidc-name") ?? new URL(issuer).host).trim();
  if (name === "" || name.length > 60 || /[\p{Cc}\p{Cf}]/u.test(name)) {
    throw new ConfigError("--oidc-name: 1 to 60 characters, no control characters");
  }
  return Object.freeze({ issuer, clientId, clientSecret, name, autoRegister });
}

function parseBooleanEnv(text: string | undefined): boolean {
  if (text === undefined || text === "") return false;
  const value = text.trim().toLowerCase();
  if (value === "1" || value === "true" || value === "yes") return true;
  if (value === "0" || value === "false" || value === "no") return false;
  throw new ConfigError(`--oidc-auto-register (from PIXVAULT_OIDC_AUTO_REGISTER): expected true or false, got "${text}"`);
}

/** https anywhere; http only to this machine, where nobody on the way can change the provider's answers. */
function parseIssuer(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(`--oidc-issuer: expected an https:// URL, got "${text}"`);
  }
  if (url.search !== "" || url.hash !== "") throw new ConfigError("--oidc-issuer: must have no query or fragment");
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new ConfigError(`--oidc-issuer: http:// is accepted for loopback addresses only; use https:// for "${url.host}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ConfigError(`--oidc-issuer: expected an https:// URL, got "${text}"`);
  // Kept as given: the ID token's `iss` must equal it character for character.
  return text.trim();
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return isIP(host) === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1");
}
