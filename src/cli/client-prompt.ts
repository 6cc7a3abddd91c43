// Questions on a terminal for the client commands: a line (the username) and a yes/no (rm),
// asked on stderr with node:readline; the password prompt without echo is promptHidden's.
import { createInterface } from "node:readline/promises";

export const onTerminal = () => process.stdin.isTTY === true;

export async function askLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** true only for an explicit yes. */
export async function confirm(question: string): Promise<boolean> {
  return /^(y|yes)$/i.test(await askLine(question));
}
