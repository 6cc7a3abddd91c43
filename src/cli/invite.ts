// `pixvault invite create|list|revoke`: invite codes for `--registration invite`, on the same database.
import { parseDuration, parseInteger } from "../config-values.ts";
import { ConfigError, parseStorageConfig } from "../config.ts";
import type { InviteView } from "../domain/accounts/invites.ts";
import { INVITE_USAGE } from "./help.ts";
import { StartupError } from "./startup-error.ts";
import { withAccountServices } from "../compose/services.ts";
import type { AccountServices } from "../domain/accounts/services.ts";
import { textTable } from "./text-table.ts";

const INVITE_FLAGS = [
  { name: "uses", value: "N", help: "sign-ups the code allows (default 1)" },
  { name: "expires", value: "DURATION", help: "how long the code works (default 7d)" },
];

export async function inviteCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { config, raw, bools, positionals } = parseStorageConfig(rest, { booleans: ["json"], flags: INVITE_FLAGS });
  const run = <T>(work: (services: AccountServices) => Promise<T>): Promise<T> => withAccountServices(config, work);
  const expectArguments = (n: number) => {
    if (positionals.length > n) throw new ConfigError(`invite ${action}: unexpected argument "${positionals[n]}"`);
  };

  switch (action) {
    case "create": {
      expectArguments(0);
      const maxUses = parseInteger("uses", raw.get("uses") ?? "1", 1, 1_000_000);
      const expiresInMs = parseDuration("expires", raw.get("expires") ?? "7d");
      const invite = await run(({ invites }) => invites.create({ maxUses, expiresInMs }));
      if (bools.has("json")) console.log(JSON.stringify(invite, null, 2));
      else {
        console.log(`created invite ${invite.id} (${invite.maxUses} use(s), expires ${invite.expiresAt}); the code is shown only now:`);
        console.log(invite.code);
      }
      return 0;
    }
    case "list": {
      expectArguments(0);
      const invites = await run(({ invites }) => invites.list());
      console.log(bools.has("json") ? JSON.stringify(invites, null, 2) : formatTable(invites));
      return 0;
    }
    case "revoke": {
      expectArguments(1);
      const id = positionals[0];
      if (id === undefined) throw new ConfigError("invite revoke: needs the invite's ID (see invite list)");
      const revoked = await run(({ invites }) => invites.revoke(id));
      if (!revoked.ok) throw new StartupError(`${revoked.error.detail} (${revoked.error.code})`);
      console.log(`revoked invite ${id}`);
      return 0;
    }
    default:
      console.error(INVITE_USAGE);
      return 2;
  }
}

function formatTable(invites: InviteView[]): string {
  if (invites.length === 0) return "no invites";
  const rows = [
    ["ID", "USES", "EXPIRES", "STATE", "CREATED"],
    ...invites.map((i) => [i.id, `${i.uses}/${i.maxUses}`, i.expiresAt, i.state, i.createdAt.slice(0, 10)]),
  ];
  return textTable(rows);
}
