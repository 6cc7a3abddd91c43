// Asks an OpenAI-compatible chat completions endpoint (Ollama, llama.cpp, vLLM, …) for one sentence
// about a preview: the Captioner port of domain/analysis/caption.ts. The preview goes as a data URL
// in the request body and nothing else of the image does; the bearer token only in its header.
import { z } from "zod";
import type { Captioner, CaptionOutcome, CaptionPreview } from "../domain/analysis/caption.ts";

export interface CaptionClientOptions {
  /** The chat completions URL itself. */
  readonly url: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer`, when given. */
  readonly key?: string | undefined;
  readonly timeoutMs: number;
}

const SYSTEM_PROMPT =
  "You describe photos for a photo library's search. Answer with one plain sentence of at most 25 words: " +
  "what the photo shows. No preamble, no quotes, no list, no markdown.";

/** A caption is one sentence: an answer larger than this is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

// OpenAI's shape; servers answer `content` as a string, some as a list of typed parts.
const textPart = z.object({ type: z.string(), text: z.string().optional() });
const answerSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.union([z.string(), z.array(textPart)]).nullable() }) })).min(1),
});

export function captionClient(options: CaptionClientOptions, fetcher: typeof fetch = fetch): Captioner {
  return { caption: (preview) => askForCaption(options, preview, fetcher) };
}

async function askForCaption(options: CaptionClientOptions, preview: CaptionPreview, fetcher: typeof fetch): Promise<CaptionOutcome> {
  let response: Response;
  try {
    response = await fetcher(options.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(options.key !== undefined ? { authorization: `Bearer ${options.key}` } : {}),
      },
      body: JSON.stringify(requestBody(options.model, preview)),
      // The token is for this URL alone: a redirect elsewhere is refused rather than followed.
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    return { ok: false, reason: timedOut(error) ? "timeout" : "unreachable" };
  }
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    return { ok: false, reason: timedOut(error) ? "timeout" : "unreachable", status: response.status };
  }
  if (!response.ok) return { ok: false, reason: "http_status", status: response.status };
  const answer = Buffer.byteLength(body) <= MAX_ANSWER_BYTES ? answerSchema.safeParse(parseJson(body)) : undefined;
  if (!answer?.success) return { ok: false, reason: "bad_answer", status: response.status };
  const content = answer.data.choices[0]!.message.content ?? "";
  const text = typeof content === "string" ? content : content.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("");
  return text.trim() === "" ? { ok: false, reason: "empty", status: response.status } : { ok: true, text };
}

function requestBody(model: string, preview: CaptionPreview) {
  const image = `data:${preview.contentType};base64,${Buffer.from(preview.bytes).toString("base64")}`;
  return {
    model,
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      {
        role: "user",
        content: [
          { type: "text", text: "Describe this photo in one sentence." },
          { type: "image_url", image_url: { url: image } },
        ],
      },
    ],
    max_tokens: 80,
    temperature: 0.2,
    stream: false,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const timedOut = (error: unknown) => error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
