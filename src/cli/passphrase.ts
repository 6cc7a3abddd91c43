// The master key passphrase, for key files sealed under one: from the config (its environment
// variable), else (to unlock, on a terminal) typed at a prompt that does not echo. Asked once per process.
import type { StorageConfig } from "../config.ts";
import type { PassphraseSource } from "../crypto/master-key-file.ts";

let typed: Promise<string | undefined> | undefined;

export function masterKeyPassphrase(config: Pick<StorageConfig, "masterKeyPassphrase">): PassphraseSource {
  return async (purpose) => {
    if (config.masterKeyPassphrase) return config.masterKeyPassphrase;
    if (purpose === "create" || !process.stdin.isTTY) return undefined;
    typed ??= promptHidden("pixvault: master key passphrase: ");
    return typed;
  };
}

export function promptHidden(question: string): Promise<string | undefined> {
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
