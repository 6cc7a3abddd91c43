// Whether a file holding a secret (the master key, the TLS private key) is open to other users.

const GROUP_OTHER_READ = 0o044;

/**
 * "readable by group/others (mode 0644)" (or "by others"), or undefined when only the owner (and, with
 * `groupMayRead`, the file's group, read-only) can reach it. Others who can read a key have
 * it; others who can write it can swap in theirs.
 */
export function exposedSecretMode(mode: number, { groupMayRead = false } = {}): string | undefined {
  const forbidden = groupMayRead ? 0o027 : 0o077;
  if (process.platform === "win32" || (mode & forbidden) === 0) return undefined;
  const shown = (mode & 0o777).toString(8).padStart(4, "0");
  const access = (mode & forbidden & GROUP_OTHER_READ) !== 0 ? "readable" : "accessible";
  const who = groupMayRead && (mode & 0o020) === 0 ? "others" : "group/others";
  return `${access} by ${who} (mode ${shown})`;
}
