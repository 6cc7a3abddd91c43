// pixvault push and pull (SPEC §11): flags to requests, a progress bar or a line per file while
// they run, one summary line at the end; exit 1 when any file failed.
import { Api } from "../client/api.ts";
import { resolveConnection } from "../client/connection.ts";
import { push } from "../client/push.ts";
import { pull } from "../client/pull.ts";
import type { Selection } from "../client/selection.ts";
import { formatBytes } from "../client/transfer-events.ts";
import { pullZip } from "../client/zip-pull.ts";
import { clientEnvironment, type ClientFlags, jobsOf, parseClientFlags } from "../config-client.ts";
import { ConfigError } from "../config-values.ts";
import { transferReport } from "./client-transfer-report.ts";
import { runClient } from "./client-run.ts";

export function pushCommand(argv: string[]): Promise<number> {
  return runClient("push", async () => {
    const flags = parseClientFlags("push", argv, {
      strings: ["tags", "album", "jobs"],
      booleans: ["public", "dry-run"],
      positionals: true,
    });
    if (flags.positionals.length === 0) throw new ConfigError("push: give the files or folders to send (see pixvault push --help)");
    const tags = (flags.strings.get("tags") ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    const album = flags.strings.get("album");
    if (album !== undefined && album.trim() === "") throw new ConfigError("--album: give the album's name");
    const jobs = jobsOf(flags);
    const api = new Api(resolveConnection(clientEnvironment()));
    const dryRun = flags.booleans.has("dry-run");
    const started = performance.now();
    const s = await push(
      api,
      {
        paths: flags.positionals,
        visibility: flags.booleans.has("public") ? "public" : "private",
        tags,
        ...(album !== undefined ? { albumName: album } : {}),
        jobs,
        dryRun,
      },
      transferReport("push"),
    );
    const present = `${s.present} already on the server, ${s.skipped} skipped`;
    if (dryRun) console.log(`push (dry run): would send ${s.sent} file(s) (${formatBytes(s.sentBytes)}), ${present}, ${s.failed} failed`);
    else console.log(`push: ${s.sent} sent (${formatBytes(s.sentBytes)}), ${present}, ${s.failed} failed in ${seconds(started)}`);
    return s.failed > 0 ? 1 : 0;
  });
}

export function pullCommand(argv: string[]): Promise<number> {
  return runClient("pull", async () => {
    const flags = parseClientFlags("pull", argv, { strings: ["out", "album", "tag", "jobs", "zip"], booleans: ["all"], positionals: true });
    const selection = selectionOf(flags);
    const zip = flags.strings.get("zip");
    if (zip !== undefined && (flags.strings.has("out") || flags.strings.has("jobs"))) {
      throw new ConfigError(`--zip: writes one file; --${flags.strings.has("out") ? "out" : "jobs"} does not go with it`);
    }
    if (zip === "") throw new ConfigError("--zip: give the zip file's name");
    const jobs = jobsOf(flags);
    const api = new Api(resolveConnection(clientEnvironment()));
    const started = performance.now();
    if (zip !== undefined) {
      const got = await pullZip(api, zip, selection, transferReport("pull"));
      if (!got) {
        console.log(`pull: no images selected; ${zip} not written`);
        return 0;
      }
      const resumed = got.resumedFrom > 0 ? `, resumed after ${formatBytes(got.resumedFrom)}` : "";
      console.log(`pull: wrote ${zip} (${formatBytes(got.size)}${resumed}) in ${seconds(started)}`);
      return 0;
    }
    const out = flags.strings.get("out") ?? ".";
    const s = await pull(api, { out, selection, jobs }, transferReport("pull"));
    console.log(
      `pull: ${s.fetched} fetched (${formatBytes(s.fetchedBytes)}), ${s.present} already in ${out}, ${s.failed} failed in ${seconds(started)}`,
    );
    return s.failed > 0 ? 1 : 0;
  });
}

/** Exactly one of --album, --tag, --all or ids. */
function selectionOf(flags: ClientFlags): Selection {
  const album = flags.strings.get("album");
  const tag = flags.strings.get("tag");
  const given = [album !== undefined, tag !== undefined, flags.booleans.has("all"), flags.positionals.length > 0].filter(Boolean).length;
  if (given !== 1) {
    throw new ConfigError(`pull: ${given === 0 ? "say what to pull" : "give only one of"}: --album NAME, --tag T, --all or image ids`);
  }
  if (album !== undefined) return { kind: "album", name: album };
  if (tag !== undefined) return { kind: "tag", tag: tag.trim().toLowerCase() };
  if (flags.booleans.has("all")) return { kind: "all" };
  return { kind: "ids", ids: flags.positionals };
}

const seconds = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)} s`;
