// Drives pixvault's single sign-on the way a browser does, against a real OpenID Provider:
// /start (keeping the flow cookie), the provider's login pages, then /callback with that cookie.
import { signInAtProvider } from "../support/oidc-provider.ts";

/** Sends a request to one pixvault (in process or over HTTP) without following redirects. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

export const cookieOf = (response: Response, name: string): string | undefined =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(";")[0]!)
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1) || undefined;

export interface Started {
  /** Where /start sent the browser: the provider's authorization URL. */
  readonly authorizeUrl: string;
  /** The flow cookie's value. */
  readonly flowCookie: string;
  readonly setCookie: string;
}

/** GET /start, signed in by `sessionCookie` (a link) or not (a sign-in). */
export async function start(send: Send, sessionCookie?: string): Promise<Started> {
  const response = await send("/api/v1/auth/oidc/start", sessionCookie ? { headers: { cookie: `pxv_session=${sessionCookie}` } } : {});
  if (response.status !== 302) throw new Error(`/start answered ${response.status}: ${await response.text()}`);
  const flowCookie = cookieOf(response, "pxv_oidc");
  if (!flowCookie) throw new Error("/start set no flow cookie");
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith("pxv_oidc="))!;
  return { authorizeUrl: response.headers.get("location")!, flowCookie, setCookie };
}

export interface Finished {
  readonly status: number;
  /** Where the callback sent the browser. */
  readonly location: string;
  /** The session cookie it set, if any. */
  readonly session: string | undefined;
}

/** GET the callback URL the provider sent the browser to, with the flow cookie (or `cookie` instead). */
export async function callback(send: Send, backUrl: string, flowCookie: string | undefined): Promise<Finished> {
  const url = new URL(backUrl);
  const response = await send(
    `${url.pathname}${url.search}`,
    flowCookie === undefined ? {} : { headers: { cookie: `pxv_oidc=${flowCookie}` } },
  );
  return { status: response.status, location: response.headers.get("location") ?? "", session: cookieOf(response, "pxv_session") };
}

/** The whole round trip for the provider account `login`. */
export async function signInVia(send: Send, login: string, sessionCookie?: string): Promise<Finished> {
  const started = await start(send, sessionCookie);
  return callback(send, await signInAtProvider(started.authorizeUrl, login), started.flowCookie);
}
