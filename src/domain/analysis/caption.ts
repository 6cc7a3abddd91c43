// Optional descriptions (SPEC §9): an image whose owner left the description empty gets one sentence
// from a captioning model (the Captioner port: src/media/caption-client.ts), written only if nobody
// edited the image meanwhile. A caption that fails or loses the race is dropped, never an error.
import type { Keyring } from "../../crypto/master-key.ts";
import type { Logger } from "../../logger.ts";
import type { Clock } from "../clock.ts";
import { ok } from "../errors.ts";
import { descriptionSchema, MAX_DESCRIPTION } from "../images/input.ts";
import { indexKey, ownerOf } from "../images/keys.ts";
import type { ImageRepository } from "../images/ports.ts";
import { textTerms } from "../images/search-terms.ts";
import type { OpenedImage } from "../images/view.ts";

export interface CaptionPreview {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** Why no caption came: the endpoint's HTTP status at most, never its words or the image. */
type CaptionFailure = "timeout" | "unreachable" | "http_status" | "bad_answer" | "empty";

export type CaptionOutcome =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: CaptionFailure; readonly status?: number };

/** Asks a model for one sentence about a preview; never throws for what the endpoint does. */
export interface Captioner {
  caption(preview: CaptionPreview): Promise<CaptionOutcome>;
}

export interface CaptionPorts {
  readonly images: Pick<ImageRepository, "write">;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly captioner?: Captioner | undefined;
}

/** True when the owner left nothing to keep: only then is a model asked. */
const wantsCaption = (opened: OpenedImage): boolean => (opened.fields.description ?? "").trim() === "";

/**
 * Asks for a caption of `display` and writes it as the description of `opened` — as it was read:
 * the update holds only if the row is unchanged since, so an owner's edit in the meantime wins.
 */
export async function captionImage(ports: CaptionPorts, opened: OpenedImage, display: CaptionPreview): Promise<void> {
  const { captioner, logger } = ports;
  const { row, fields, sealer } = opened;
  if (!captioner || !wantsCaption(opened)) return;
  const outcome = await captioner.caption(display);
  const description = outcome.ok ? captionText(outcome.text) : undefined;
  if (!outcome.ok || description === undefined) {
    const failure = outcome.ok
      ? { reason: "bad_answer" }
      : { reason: outcome.reason, ...(outcome.status ? { status: outcome.status } : {}) };
    logger.warn("caption failed; the description stays empty", { imageId: row.id, ...failure });
    return;
  }
  const key = indexKey(ports.keyring, row.visibility, ownerOf(row));
  const written = await ports.images.write(async (tx) => {
    const change = { descriptionEnc: sealer.description(description), updatedAt: ports.clock.now() };
    if ((await tx.update(row.id, row.ownerId, change, { unchangedSince: row.updatedAt })) !== "updated") return ok(false);
    await tx.replaceTerms(row.id, textTerms(key, { filename: fields.filename, description, tags: fields.tags }));
    return ok(true);
  });
  if (written.ok && !written.value) logger.info("caption dropped: the image changed or went meanwhile", { imageId: row.id });
}

/**
 * A model's answer as a description: its first non-empty line, without wrapping quotes, spaces
 * collapsed, cut to the description limit, then held to the rules an owner's description meets.
 * undefined when nothing of it is left, or it still breaks them (control characters).
 */
export function captionText(answer: string): string | undefined {
  const line = answer
    .normalize("NFC")
    .split(/\r\n?|\n|\u2028|\u2029/)
    .map((text) => text.replace(/\s+/gu, " ").trim())
    .find((text) => text !== "");
  const unquoted = line?.replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/gu, "").trim() ?? "";
  const parsed = descriptionSchema.safeParse(cutTo(unquoted, MAX_DESCRIPTION));
  return parsed.success && parsed.data !== "" ? parsed.data : undefined;
}

/** At most `max` UTF-16 units (as the schema counts), never half a surrogate pair. */
function cutTo(text: string, max: number): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max).trimEnd();
}
