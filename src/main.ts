// CLI entry: parse argv, run one command, turn failures into one line and an exit code.
import { ConfigError } from "./config.ts";
import { COMMANDS, commandHelp, mainHelp, serveHelp } from "./cli/help.ts";
import { StartupError } from "./cli/startup-error.ts";
import { databaseErrorLine } from "./store/storage-errors.ts";
import { VERSION } from "./version.ts";

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(mainHelp());
    return command === undefined ? 2 : 0;
  }
  // Not a user's command (not in --help): the password checker the server starts as a child.
  if (command === "__password-strength") return (await import("./domain/password-strength-process.ts")).passwordStrengthProcess();
  if (command === "--version" || command === "-v") {
    console.log(`pixvault ${VERSION}`);
    return 0;
  }
  if (!(command in COMMANDS)) {
    throw new ConfigError(`unknown command "${command}" (see pixvault --help)`);
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command === "serve" ? serveHelp() : commandHelp(command));
    return 0;
  }
  switch (command) {
    case "serve":
      return (await import("./cli/serve.ts")).serve(rest);
    case "user":
      return (await import("./cli/user.ts")).userCommand(rest);
    case "invite":
      return (await import("./cli/invite.ts")).inviteCommand(rest);
    case "migrate":
      return (await import("./cli/migrate.ts")).migrateCommand(rest);
    case "fsck":
      return (await import("./cli/fsck.ts")).fsckCommand(rest);
    case "backup":
      return (await import("./cli/backup.ts")).backupCommand(rest);
    case "previews":
      return (await import("./cli/previews.ts")).previewsCommand(rest);
    case "analyse":
      return (await import("./cli/analyse.ts")).analyseCommand(rest);
    case "protect-master-key":
      return (await import("./cli/protect-master-key.ts")).protectMasterKeyCommand(rest);
    case "rotate-master-key":
      return (await import("./cli/rotate-master-key.ts")).rotateMasterKeyCommand(rest);
    case "login":
      return (await import("./cli/client-login.ts")).loginCommand(rest);
    case "logout":
      return (await import("./cli/client-login.ts")).logoutCommand(rest);
    case "push":
      return (await import("./cli/client-transfer.ts")).pushCommand(rest);
    case "pull":
      return (await import("./cli/client-transfer.ts")).pullCommand(rest);
    case "ls":
      return (await import("./cli/client-ls.ts")).lsCommand(rest);
    case "rm":
      return (await import("./cli/client-rm.ts")).rmCommand(rest);
    case "share":
      return (await import("./cli/client-share.ts")).shareCommand(rest);
    default:
      console.error(`pixvault ${command}: not available in pixvault ${VERSION} yet — it is planned (see README, "Status").`);
      return 1;
  }
}

/** Maps a failure to its one line on stderr and exit code (2: bad config, 1: cannot run). */
function exitCodeFor(e: unknown): number {
  if (e instanceof ConfigError) {
    console.error(`pixvault: ${e.message}`);
    return 2;
  }
  if (e instanceof StartupError) {
    console.error(`pixvault: ${e.message}`);
    return 1;
  }
  const database = databaseErrorLine(e);
  if (database !== undefined) {
    console.error(`pixvault: ${database}`);
    return 1;
  }
  // Only the first line: a wrapped error's message may go on with data it was handed.
  console.error(`pixvault: unexpected error: ${(e instanceof Error ? e.message : String(e)).split("\n", 1)[0]}`);
  return 1;
}

// No top-level await: the bytecode-compiled binary (faster start) is a CommonJS module.
run(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => (process.exitCode = exitCodeFor(e)),
);
