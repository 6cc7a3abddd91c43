// The Hono environment shared by every router: what middleware puts on the context.
import type { RequestIdVariables } from "hono/request-id";
import type { Principal } from "../domain/accounts/sessions.ts";

export type AppEnv = {
  Variables: RequestIdVariables & {
    principal?: Principal;
    /** Set when the session cookie (not a bearer token) signed the request in. */
    sessionCookie?: { csrfToken: string };
    /** The client's address, with X-Forwarded-For believed only from trusted proxies (client-ip.ts). */
    clientIp?: string;
  };
};
