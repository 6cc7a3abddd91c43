// The master key passphrase, for key files sealed under one: PIXVAULT_MASTER_KEY_PASSPHRASE,
// else (to unlock, on a terminal) typed at a prompt that does not echo. Asked once per process.
import type { PassphraseSource } from "../crypto/master-key-file.ts";

export const PASSPHRASE_ENV = "PIXVAULT_MASTER_KEY_PASSPHRASE";

let typed: Promise<string | undefined> | undefined;

export function masterKeyPassphrase(env: Readonly<Record<string, string | undefined>> = process.env): PassphraseSource {
  return async (purpose) => {
    const fromEnv = env[PASSPHRASE_ENV];
    if (fromEnv) return fromEnv;
    if (purpose === "create" || !process.stdin.isTTY) return undefined;
    typed ??= promptHidden("pixvault: master key passphrase: ");
    return typed;
  };
}

function promptHidden(question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let answer = "";
    const done = (value: string | undefined) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done(answer);
        if (ch === "\u0003" || ch === "\u0004") return done(undefined); // Ctrl-C / Ctrl-D
        if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on("data", onData);
  });
}
