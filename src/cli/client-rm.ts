// pixvault rm ID... (SPEC §11): deletes the caller's images after a yes on the terminal (or --yes);
// with neither a terminal nor --yes it refuses (exit 2), so a script never deletes by accident.
import { Api } from "../client/api.ts";
import { resolveConnection } from "../client/connection.ts";
import { deleteImages } from "../client/images.ts";
import { clientEnvironment, parseClientFlags } from "../config-client.ts";
import { ConfigError } from "../config-values.ts";
import { confirm, onTerminal } from "./client-prompt.ts";
import { runClient } from "./client-run.ts";

export function rmCommand(argv: string[]): Promise<number> {
  return runClient("rm", async () => {
    const flags = parseClientFlags("rm", argv, { booleans: ["yes"], positionals: true });
    const ids = [...new Set(flags.positionals)];
    if (ids.length === 0) throw new ConfigError("rm: give the ids of the images to delete (pixvault ls shows them)");
    const api = new Api(resolveConnection(clientEnvironment()));
    if (!flags.booleans.has("yes")) {
      if (!onTerminal()) throw new ConfigError("rm: standard input is not a terminal to ask on: give --yes to delete without asking");
      const what = ids.length === 1 ? `image ${ids[0]}` : `${ids.length} images (${ids.join(", ")})`;
      if (!(await confirm(`Delete ${what} from ${api.connection.server}? This cannot be undone. [y/N] `))) {
        console.log("rm: nothing deleted");
        return 1;
      }
    }
    const result = await deleteImages(api, ids);
    for (const id of result.deleted) console.log(`deleted ${id}`);
    for (const f of result.failed) console.error(`failed ${f.id}: ${f.status} ${f.code}`);
    console.log(`rm: ${result.deleted.length} deleted, ${result.failed.length} failed`);
    return result.failed.length > 0 ? 1 : 0;
  });
}
