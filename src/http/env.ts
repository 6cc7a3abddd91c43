// The Hono environment shared by every router: what middleware puts on the context.
import type { RequestIdVariables } from "hono/request-id";
import type { Principal } from "../domain/sessions.ts";

export type AppEnv = { Variables: RequestIdVariables & { principal?: Principal } };
