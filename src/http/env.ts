// The Hono environment shared by every router: what middleware puts on the context.
import type { RequestIdVariables } from "hono/request-id";

export type AppEnv = { Variables: RequestIdVariables };
