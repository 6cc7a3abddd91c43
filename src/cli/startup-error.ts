// A failure to start that the operator can fix (port taken, key missing): one line, exit 1.
export class StartupError extends Error {
  override name = "StartupError";
}
