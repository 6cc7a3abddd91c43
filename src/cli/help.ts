// --help texts: every command (README, Commands) and every flag with its env twin.
import { envName, PREVIEW_FLAGS, SERVE_BOOLEANS, SERVE_FLAGS, STORAGE_FLAGS } from "../config.ts";
import { CLIENT_COMMANDS, clientCommandHelp } from "./client-help.ts";

interface CommandHelp {
  usage: string;
  summary: string;
  available: boolean;
}

export const COMMANDS: Record<string, CommandHelp> = {
  serve: { usage: "serve [flags]", summary: "run the HTTP server", available: true },
  user: {
    usage: "user create|list|delete|reset-password|unlock",
    summary: "manage accounts (create --username U --email E --name N --password-stdin)",
    available: true,
  },
  invite: {
    usage: "invite create|list|revoke",
    summary: "invite codes for --registration invite (create [--uses N] [--expires 7d]; the code is shown once)",
    available: true,
  },
  migrate: { usage: "migrate", summary: "apply database migrations and exit", available: true },
  fsck: {
    usage: "fsck [--repair] [--min-age SECONDS]",
    summary:
      "verify every image, preview and blob; --repair removes orphan blobs and temp files and queues damaged previews to be made again (exit 1 if problems remain)",
    available: true,
  },
  backup: {
    usage: "backup --out DIR [--include-key]",
    summary: "consistent snapshot, taken while serving; files 0600, directories 0700 (the master key only with --include-key)",
    available: true,
  },
  previews: {
    usage: "previews [--rebuild | --retry-failed]",
    summary:
      "make the missing previews of existing images (--rebuild: all of them again; --retry-failed: the failed ones); stop with Ctrl-C, run again to go on; refused while a server runs on the data directory",
    available: true,
  },
  analyse: {
    usage: "analyse [--rebuild]",
    summary:
      "analyse (colours, labels, perceptual hash; a description from --caption-url for images without one) the images whose previews were made before analysis existed (--rebuild: all of them again); stop with Ctrl-C, run again to go on; refused while a server runs on the data directory",
    available: true,
  },
  "protect-master-key": {
    usage: "protect-master-key --passphrase-stdin | --remove",
    summary:
      "seal the master key file under a passphrase (PIXVAULT_MASTER_KEY_PASSPHRASE at start), or store it in clear; refused while a server runs on the data directory",
    available: true,
  },
  "rotate-master-key": {
    usage: "rotate-master-key [--retire-old]",
    summary:
      "new master key version, every data key re-wrapped; refused while a server runs on the data directory; --retire-old drops old versions",
    available: true,
  },
  // The client of a remote server (SPEC §11): no data directory.
  ...Object.fromEntries(
    Object.entries(CLIENT_COMMANDS).map(([name, c]) => [name, { usage: c.usage, summary: c.summary, available: true }]),
  ),
};

function flagLines(flags: typeof SERVE_FLAGS): string[] {
  const width = Math.max(...flags.map((f) => `--${f.name} ${f.value}`.length));
  return flags.map((f) => `  ${`--${f.name} ${f.value}`.padEnd(width)}  ${f.help}  [${envName(f.name)}]`);
}

export function mainHelp(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return [
    "pixvault — a self-hosted, encrypted image repository in one executable",
    "",
    "Usage: pixvault <command> [flags]",
    "",
    "Commands:",
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}${c.available ? "" : " (not in this version yet)"}`),
    "  --help | --version",
    "",
    "Storage flags, taken by every command that opens a data directory (flags win over PIXVAULT_* variables):",
    ...flagLines(STORAGE_FLAGS),
    "",
    "Run `pixvault serve --help` for the server's flags.",
  ].join("\n");
}

export function serveHelp(): string {
  return [
    "Usage: pixvault serve [flags]",
    "",
    "Serves the API and web UI. Data, database and master key live under --data-dir",
    "unless placed elsewhere. Every flag has an environment twin; flags win.",
    "One server per data directory: a second one there exits 1 naming the first one's pid.",
    "SIGTERM, SIGINT and SIGHUP stop it gracefully; SIGUSR1 and SIGUSR2 are ignored.",
    "",
    ...flagLines(SERVE_FLAGS),
    ...SERVE_BOOLEANS.map((b) => `  --${b.name}  ${b.help}  [${envName(b.name)}=true]`),
    "",
    "Single sign-on needs --oidc-issuer, --oidc-client-id and --oidc-client-secret-file together; the provider must",
    "allow the redirect URI <public URL>/api/v1/auth/oidc/callback.",
    "",
    ...CAPTION_NOTE,
  ].join("\n");
}

/** What leaves the machine with captions on (README, Previews: Descriptions). */
const CAPTION_NOTE = [
  "Descriptions are off by default. --caption-url (an OpenAI-compatible chat completions endpoint, or its /v1 base)",
  "and --caption-model together fill each empty description with one sentence from that model: each such image's",
  "display preview (at most 2048 px, no metadata, no GPS) is sent there, and nothing else. Point it at a local model",
  "(Ollama: http://127.0.0.1:11434/v1) to keep everything on this machine.",
];

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) return mainHelp();
  const client = clientCommandHelp(name);
  if (client !== undefined) return client;
  if (name === "user") return [USER_USAGE, "", "Storage flags:", ...flagLines(STORAGE_FLAGS)].join("\n");
  if (name === "invite") return [INVITE_USAGE, "", "Storage flags:", ...flagLines(STORAGE_FLAGS)].join("\n");
  if (name === "previews" || name === "analyse") {
    return [
      `Usage: pixvault ${c.usage}`,
      "",
      c.summary,
      "",
      name === "previews" ? PREVIEWS_EXIT : ANALYSE_EXIT,
      "",
      "Preview flags:",
      ...flagLines(PREVIEW_FLAGS),
      "",
      ...(name === "analyse" ? [...CAPTION_NOTE, ""] : []),
      "Storage flags:",
      ...flagLines(STORAGE_FLAGS),
    ].join("\n");
  }
  return [`Usage: pixvault ${c.usage}`, "", c.summary, "", "Storage flags:", ...flagLines(STORAGE_FLAGS)].join("\n");
}

const ANALYSE_EXIT =
  "Exit 0 when every image with previews was analysed (failures are recorded as analysis.status failed), 1 on a storage error, 2 on bad flags, 130 when stopped by a signal.";

const PREVIEWS_EXIT =
  "Exit 0 when every job ran (images that cannot have previews are listed with the reason and keep their originals), 1 on a storage error, 2 on bad flags, 130 when stopped by a signal.";

export const USER_USAGE = [
  "Usage:",
  "  pixvault user create --username U --email E --name N --password-stdin",
  "  pixvault user list [--json]",
  "  pixvault user delete --username U",
  "  pixvault user reset-password --username U --password-stdin",
  "  pixvault user unlock --username U     clear the login throttling of U, from every address",
  "",
  "Passwords are read from standard input (one trailing newline is dropped), never from arguments:",
  "  printf '%s' \"$PASSWORD\" | pixvault user create --username ann --email ann@example.org --name Ann --password-stdin",
].join("\n");

export const INVITE_USAGE = [
  "Usage:",
  "  pixvault invite create [--uses N] [--expires DURATION]   a code for N sign-ups (default 1) within 7d; printed once",
  "  pixvault invite list [--json]                            id, uses/max, expiry and state; never the code",
  "  pixvault invite revoke ID                                the code stops working at once",
  "",
  "Invites matter when the server runs with --registration invite: POST /api/v1/users then needs `invite`.",
  "These commands work while a server runs on the same data.",
].join("\n");
