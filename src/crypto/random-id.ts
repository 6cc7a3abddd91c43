// Opaque, unguessable identifiers for rows (users, sessions, tokens, images).
import { randomBytes } from "node:crypto";

/** 128 random bits, base64url: unguessable, URL- and filename-safe. */
export function newId(): string {
  return randomBytes(16).toString("base64url");
}
