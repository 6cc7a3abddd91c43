// `pixvault user create|list|delete|reset-password|unlock`: account administration on the same database.
import { ConfigError, parseStorageConfig } from "../config.ts";
import { newPasswordSchema, registrationSchema, usernameSchema } from "../domain/accounts/input.ts";
import type { AccountView } from "../domain/accounts/accounts.ts";
import type { Result } from "../domain/errors.ts";
import { USER_USAGE } from "./help.ts";
import { StartupError } from "./startup-error.ts";
import { withAccountServices } from "../compose/services.ts";
import type { AccountServices } from "../domain/accounts/services.ts";
import { textTable } from "./text-table.ts";

const FIELD_FLAGS = [
  { name: "username", value: "U", help: "3–32 characters of a-z 0-9 _ . -" },
  { name: "email", value: "E", help: "the user's email" },
  { name: "name", value: "N", help: "display name" },
];

export async function userCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { config, raw, bools, positionals } = parseStorageConfig(rest, { booleans: ["password-stdin", "json"], flags: FIELD_FLAGS });
  if (positionals.length > 0) throw new ConfigError(`user ${action}: unexpected argument "${positionals[0]}"`);
  const need = (flag: string) => {
    const value = raw.get(flag);
    if (value === undefined) throw new ConfigError(`--${flag}: required for user ${action}`);
    return value;
  };
  const password = async () => {
    if (!bools.has("password-stdin")) throw new ConfigError(`--password-stdin: required (the password is read from standard input)`);
    return readPassword();
  };
  const run = <T>(work: (services: AccountServices) => Promise<T>): Promise<T> => withAccountServices(config, work);

  switch (action) {
    case "create": {
      const parsed = registrationSchema.safeParse({
        username: need("username"),
        email: need("email"),
        name: need("name"),
        password: await password(),
      });
      if (!parsed.success) {
        const first = parsed.error.issues[0]!;
        throw new ConfigError(`--${first.path.join(".") === "password" ? "password-stdin" : String(first.path[0])}: ${first.message}`);
      }
      const created = expectOk(await run(({ accounts }) => accounts.register(parsed.data)));
      console.log(`created user ${created.username} (id ${created.id})`);
      return 0;
    }
    case "list": {
      const users = await run(({ accounts }) => accounts.listAccounts());
      if (bools.has("json")) console.log(JSON.stringify(users, null, 2));
      else console.log(formatTable(users));
      return 0;
    }
    case "delete": {
      const username = usernameSchema.parse(need("username"));
      expectOk(await run(({ accounts }) => accounts.deleteUserByName(username)));
      console.log(`deleted user ${username}, with their images and keys`);
      return 0;
    }
    case "reset-password": {
      const username = usernameSchema.parse(need("username"));
      const parsed = newPasswordSchema.safeParse(await password());
      if (!parsed.success) throw new ConfigError(`--password-stdin: ${parsed.error.issues[0]!.message}`);
      expectOk(await run(({ accounts }) => accounts.resetPassword(username, parsed.data)));
      console.log(`password of ${username} reset; their sessions and API tokens were revoked`);
      return 0;
    }
    case "unlock": {
      // Not required to exist: throttling counts guesses at any name, taken or not.
      const username = usernameSchema.parse(need("username"));
      const cleared = await run(({ throttle }) => throttle.unlockUsername(username));
      console.log(`cleared ${cleared} login throttling counter(s) of ${username}`);
      return 0;
    }
    default:
      console.error(USER_USAGE);
      return 2;
  }
}

function expectOk<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  const { code, detail, extra } = result.error;
  const hints = (extra?.feedback as { suggestions?: string[] } | undefined)?.suggestions ?? [];
  throw new StartupError(`${detail} (${code})${hints.length ? ` — ${hints.join(" ")}` : ""}`);
}

async function readPassword(): Promise<string> {
  const text = await new Response(Bun.stdin.stream()).text();
  return text.replace(/\r?\n$/, "");
}

function formatTable(users: AccountView[]): string {
  if (users.length === 0) return "no users";
  const rows = [
    ["USERNAME", "NAME", "EMAIL", "IMAGES", "BYTES", "CREATED"],
    ...users.map((u) => [u.username, u.name, u.email, String(u.usage.images), String(u.usage.bytes), u.createdAt.slice(0, 10)]),
  ];
  return textTable(rows);
}
