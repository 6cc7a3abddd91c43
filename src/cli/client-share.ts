// pixvault share ID (SPEC §11): a share link for one image (expiry, download limit, password
// from stdin); the URL alone on stdout, so `url=$(pixvault share ID)` works.
import { Api } from "../client/api.ts";
import { resolveConnection } from "../client/connection.ts";
import { createShare, type ShareRequest } from "../client/images.ts";
import { clientEnvironment, parseClientFlags, shareExpirySeconds } from "../config-client.ts";
import { ConfigError, parseInteger } from "../config-values.ts";
import { runClient, secretFromStdin } from "./client-run.ts";

export function shareCommand(argv: string[]): Promise<number> {
  return runClient("share", async () => {
    const flags = parseClientFlags("share", argv, {
      strings: ["expires", "max-downloads"],
      booleans: ["password-stdin"],
      positionals: true,
    });
    if (flags.positionals.length !== 1) throw new ConfigError("share: give exactly one image id");
    const expires = flags.strings.get("expires");
    const maxDownloads = flags.strings.get("max-downloads");
    const request: ShareRequest = {
      ...(expires !== undefined ? { expiresInSeconds: shareExpirySeconds(expires) } : {}),
      ...(maxDownloads !== undefined ? { maxDownloads: parseInteger("max-downloads", maxDownloads, 1, 1_000_000) } : {}),
      ...(flags.booleans.has("password-stdin") ? { password: await secretFromStdin("password-stdin") } : {}),
    };
    const api = new Api(resolveConnection(clientEnvironment()));
    const link = await createShare(api, flags.positionals[0]!, request);
    console.log(link.url);
    console.error(
      `pixvault share: the link works until ${link.expiresAt}${request.maxDownloads ? ` or ${request.maxDownloads} download(s)` : ""}`,
    );
    return 0;
  });
}
