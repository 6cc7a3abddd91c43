// A stand-in for an OpenAI-compatible chat completions endpoint (Ollama, llama.cpp, vLLM), which
// cannot run here: Bun.serve on 127.0.0.1 that records what each request carried (model, bearer
// token, the image's data URL) and answers as the test says, a sentence by default.
interface CaptionRequest {
  readonly model: unknown;
  readonly authorization: string | null;
  /** The `image_url` data URL of the user message, as sent. */
  readonly imageUrl: string | undefined;
}

export interface CaptionEndpoint {
  /** The base URL (`…/v1`), as an operator would give it. */
  readonly url: string;
  readonly requests: CaptionRequest[];
  /** How the next requests are answered (default: `sentence(text)` with the default text). */
  answer: (request: CaptionRequest) => Response | Promise<Response>;
  stop(): void;
}

/** A chat completion whose message content is `content` (a string, or a list of parts). */
export const completion = (content: unknown): Response =>
  Response.json({
    id: "chatcmpl-standin",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  });

interface ChatBody {
  model?: unknown;
  messages?: { content?: unknown }[];
}

function imageUrlOf(body: ChatBody): string | undefined {
  for (const message of body.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as { type?: string; image_url?: { url?: string } }[]) {
      if (part.type === "image_url") return part.image_url?.url;
    }
  }
  return undefined;
}

export function captionEndpoint(defaultText: string): CaptionEndpoint {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(request) {
      if (request.method !== "POST" || new URL(request.url).pathname !== "/v1/chat/completions") return new Response("no", { status: 404 });
      const body = (await request.json()) as ChatBody;
      const seen = { model: body.model, authorization: request.headers.get("authorization"), imageUrl: imageUrlOf(body) };
      endpoint.requests.push(seen);
      return endpoint.answer(seen);
    },
  });
  const endpoint: CaptionEndpoint = {
    url: `http://127.0.0.1:${server.port}/v1`,
    requests: [],
    answer: () => completion(defaultText),
    stop: () => void server.stop(true),
  };
  return endpoint;
}
