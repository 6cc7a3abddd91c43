// The optional captions of SPEC §9 ("Descriptions"): an OpenAI-compatible chat completions endpoint
// and its model, given together, with an optional bearer token read from a file. config.ts hands
// it the preview flags it read.
import { ConfigError, parseHttpUrl, parseInteger, readSecretFile } from "./config-values.ts";

export interface CaptionConfig {
  /** The chat completions URL (a base ending in /v1 has `/chat/completions` appended). */
  readonly url: string;
  readonly model: string;
  /** Read from --caption-key-file: a token never sits in `ps`, the environment or a log line. */
  readonly key?: string;
  /** One image's answer is given up after this long. */
  readonly timeoutMs: number;
}

export const CAPTION_FLAGS = [
  { name: "caption-url", value: "URL", help: "OpenAI-compatible chat completions endpoint that describes images (default: none, off)" },
  { name: "caption-model", value: "NAME", help: "the model --caption-url runs (required with it)" },
  { name: "caption-key-file", value: "FILE", help: "file holding a bearer token for --caption-url (default: none sent)" },
  { name: "caption-timeout-seconds", value: "N", help: "give up on one image's description after this long (default 60)" },
] as const;

/**
 * One image's analysis waits for its description, and the analysis lease (5 min) must outlive the
 * label model (60 s) and this together: a longer answer is given up rather than run twice.
 */
const MAX_TIMEOUT_SECONDS = 180;

/** undefined when neither --caption-url nor --caption-model is given; a ConfigError naming the flag otherwise. */
export function captionFrom(flags: ReadonlyMap<string, string>): CaptionConfig | undefined {
  const url = flags.get("caption-url");
  const model = flags.get("caption-model")?.trim();
  if (url === undefined && model === undefined) {
    const stray = ["caption-key-file", "caption-timeout-seconds"].find((name) => flags.has(name));
    if (stray) throw new ConfigError(`--${stray}: only with --caption-url and --caption-model`);
    return undefined;
  }
  if (url === undefined) throw new ConfigError("--caption-url: required with --caption-model");
  if (model === undefined) throw new ConfigError("--caption-model: required with --caption-url");
  if (model === "" || model.length > 200 || /[\p{Cc}]/u.test(model))
    throw new ConfigError("--caption-model: 1 to 200 characters, no control characters");
  const keyFile = flags.get("caption-key-file");
  return Object.freeze({
    url: chatCompletionsUrl(parseHttpUrl("caption-url", url)),
    model,
    ...(keyFile !== undefined ? { key: readSecretFile("caption-key-file", keyFile) } : {}),
    timeoutMs: parseInteger("caption-timeout-seconds", flags.get("caption-timeout-seconds") ?? "60", 1, MAX_TIMEOUT_SECONDS) * 1000,
  });
}

/** Ollama, llama.cpp and vLLM document their base URL (`…/v1`); the endpoint is under it. */
function chatCompletionsUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.search === "" && parsed.hash === "" && parsed.pathname.endsWith("/v1")) parsed.pathname += "/chat/completions";
  return parsed.href;
}
