// --help of the client commands (SPEC §11), which talk to a pixvault server over HTTP instead of
// opening a data directory.

interface ClientCommand {
  readonly usage: string;
  readonly summary: string;
  readonly details: readonly string[];
}

const CONNECTION = [
  "Server and token come from client.json, written by `pixvault login`: $XDG_CONFIG_HOME/pixvault/client.json",
  "(default ~/.config/pixvault/client.json, mode 0600). PIXVAULT_SERVER and PIXVAULT_TOKEN override it (a stored",
  "token is only ever sent to the server it was made for); PIXVAULT_INSECURE_SKIP_VERIFY=true skips TLS checks.",
];

const EXIT =
  "Exit 0 when everything was done, 1 when some items failed (summarised at the end) or the server could not be reached, 2 on a usage or configuration error, 3 when the server refused the login or the token (401).";

export const CLIENT_COMMANDS: Readonly<Record<string, ClientCommand>> = {
  login: {
    usage: "login --server URL [--username U] [--password-stdin] [--insecure-skip-verify]",
    summary: "sign in to a pixvault server and keep an API token for the commands below (never the password)",
    details: [
      "Asks for the username and password on a terminal (the password is not echoed), or reads the password from",
      "standard input with --password-stdin (one trailing newline dropped). Creates an API token named after this",
      "machine (it shows in the web UI's account page, where it can be revoked) and stores {server, token} in",
      "client.json, file mode 0600 in a 0700 directory. A token stored by an earlier login is revoked.",
      "",
      "  --server URL              the server, e.g. https://photos.example.org  [PIXVAULT_SERVER]",
      "  --username U              the account's username (asked on a terminal when left out)",
      "  --password-stdin          read the password from standard input",
      "  --insecure-skip-verify    DANGEROUS: accept any TLS certificate (a self-signed one), so anyone on the",
      "                            network path can read the password, the token and every image; remembered",
      "                            for this server in client.json  [PIXVAULT_INSECURE_SKIP_VERIFY=true]",
    ],
  },
  logout: {
    usage: "logout",
    summary: "revoke the stored API token on the server and remove client.json",
    details: ["If the server cannot be reached the file is kept (exit 1), so the token can still be revoked later."],
  },
  push: {
    usage: "push PATH... [--public] [--tags a,b] [--album NAME] [--jobs 4] [--dry-run]",
    summary: "send the images under files and folders (recursively); images the server holds already are skipped",
    details: [
      "Every file is judged by its bytes like the server does (JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, BMP, TIFF);",
      "other files are listed as skipped. Files whose sha256 one of your images already has are not sent again, so",
      'a second push of the same folder sends nothing. Names taken on the server get " (1)" (onConflict=rename).',
      "Files over 8 MiB go through resumable uploads and survive broken connections (where the server has them).",
      "",
      "  --public         make the images public (default private)",
      "  --tags a,b       tags for the images sent",
      "  --album NAME     put every pushed image (also the ones already there) in this album, made if missing",
      "  --jobs N         uploads at once, 1-32 (default 4)  [PIXVAULT_JOBS]",
      "  --dry-run        list what would be sent; send nothing",
      "",
      "A progress bar (files, bytes, rate, ETA) on a terminal; otherwise one line per file.",
    ],
  },
  pull: {
    usage: "pull [--out DIR] (--album NAME | --tag T | --all | ID...) [--jobs 4]  |  pull --zip FILE (...)",
    summary: "download your images that are missing in a folder, or the selection as one zip",
    details: [
      "Writes each selected image that DIR (default .) does not hold yet under its filename, made safe (no path",
      'separators, no control characters) and unique (" (1)"), with the type\'s extension; its mtime is set to when',
      "the photo was taken (else uploaded). A download goes to NAME.part and is renamed once complete and its",
      "sha256 checked; a broken one is resumed from the .part (here and by the next run).",
      "",
      "  --out DIR        the folder to fill (made if missing)",
      "  --album NAME     the images of one of your albums",
      "  --tag T          your images with this tag",
      "  --all            all your images",
      "  ID...            these images",
      "  --jobs N         downloads at once, 1-32 (default 4)  [PIXVAULT_JOBS]",
      "  --zip FILE       one zip of the selection instead, written through FILE.part and resumed with",
      "                   Range/If-Range by the next run when broken",
    ],
  },
  ls: {
    usage: "ls [--public] [--tag T] [--album NAME] [--label L] [--long | --json]",
    summary: "list your images (id and filename), as a table or one JSON document",
    details: [
      "  --public         everyone's public images instead of yours",
      "  --tag T          only images with this tag",
      "  --album NAME     only the images of this album of yours",
      "  --label L        only images the server's image analysis labelled L (SPEC §9, e.g. dog); passed to the",
      "                   server as label=L, which answers for it (a server without analysis may ignore it)",
      "  --long           a table: id, size, type, dimensions, taken/created, visibility, filename",
      '  --json           one JSON document {"items": [image, …]}',
    ],
  },
  rm: {
    usage: "rm ID... [--yes]",
    summary: "delete images (asks on a terminal; --yes deletes without asking)",
    details: [
      "Without a terminal to ask on and without --yes nothing is deleted (exit 2). Answering no exits 1.",
      "  --yes            delete without asking",
    ],
  },
  share: {
    usage: "share ID [--expires 1d] [--max-downloads N] [--password-stdin]",
    summary: "make a share link for one image and print its URL",
    details: [
      "  --expires D        how long the link works: 60s to 7d (default 30m), e.g. 90m, 12h, 1d",
      "  --max-downloads N  full downloads before the link is used up",
      "  --password-stdin   whoever opens the link must give this password (read from standard input)",
    ],
  },
};

export function clientCommandHelp(name: string): string | undefined {
  const c = CLIENT_COMMANDS[name];
  if (!c) return undefined;
  return [`Usage: pixvault ${c.usage}`, "", `${c.summary}.`, "", ...c.details, "", ...CONNECTION, "", EXIT].join("\n");
}
