// The address a request came from (used to throttle logins and sign-ups per client): the
// socket's, or — when the socket is a trusted proxy — the right-most untrusted X-Forwarded-For hop.
import { BlockList, isIP } from "node:net";
import type { Context, MiddlewareHandler } from "hono";
import type { Cidr } from "../config-values.ts";
import type { AppEnv } from "./env.ts";
import type { NodeBindings } from "./node-adapter.ts";

export function clientIp(c: Context<AppEnv>): string {
  return c.get("clientIp") ?? socketAddress(c);
}

/**
 * Resolves the client address once per request. Without trusted proxies X-Forwarded-For is
 * ignored: anyone can send it, and believing it would give each guess a fresh address.
 */
export function resolveClientIp(trusted: readonly Cidr[]): MiddlewareHandler<AppEnv> {
  const proxies = new BlockList();
  for (const range of trusted) proxies.addSubnet(range.address, range.prefix, range.family);
  const isTrusted = (ip: string) => isIP(ip) !== 0 && proxies.check(ip, isIP(ip) === 4 ? "ipv4" : "ipv6");
  return async (c, next) => {
    const socket = socketAddress(c);
    c.set("clientIp", trusted.length === 0 ? socket : throughProxies(socket, c.req.header("x-forwarded-for"), isTrusted));
    await next();
  };
}

/**
 * Walks the chain from the socket leftwards while each hop is a trusted proxy: the first
 * untrusted hop is the client (entries left of it are whatever the client chose to send).
 * A hop that is not an address stops the walk at the proxy that passed it on.
 */
function throughProxies(socket: string, forwarded: string | undefined, isTrusted: (ip: string) => boolean): string {
  let client = socket;
  const hops = (forwarded ?? "").split(",").map(hopAddress);
  while (isTrusted(client) && hops.length > 0) {
    const next = hops.pop();
    if (next === undefined) break;
    client = next;
  }
  return client;
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::ffff:1.2.3.4` → a plain address; anything else undefined. */
function hopAddress(text: string): string | undefined {
  let hop = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(":"));
  return isIP(hop) === 0 ? undefined : unmapped(hop);
}

/** One client, one key: an IPv4 address seen through a dual-stack socket loses its `::ffff:`. */
function unmapped(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

function socketAddress(c: Context): string {
  // In-process requests (app.request in tests) have no socket.
  const address = (c.env as Partial<NodeBindings> | undefined)?.incoming?.socket?.remoteAddress;
  return address ? unmapped(address) : "unknown";
}
