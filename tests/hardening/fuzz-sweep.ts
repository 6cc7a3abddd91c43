// The fuzzer's systematic half: every query parameter of every route in the OpenAPI document
// gets every hostile value (and repeated, bracketed, bare and NUL-named forms), and every
// header the server reads gets hostile bytes. Random requests find what nobody thought of;
// this makes sure nothing on the list is left to chance. All over a bare socket, so the bytes
// arrive exactly as written (fetch would re-encode or refuse them).
import { noisePng } from "../support/images.ts";
import type { FuzzMaterial, FuzzRequest, Route } from "./fuzz-inputs.ts";
import { HOSTILE_HEADER_VALUES, HOSTILE_QUERY_VALUES } from "./fuzz-values.ts";
import { requestHead } from "./raw-http.ts";

export interface SweepMaterial extends FuzzMaterial {
  /** Readable by anyone: anonymous requests reach the handler too. */
  publicImageId: string;
  /** Owned by the session in `sessionTokens[0]`. */
  privateImageId: string;
  /** A link without a password. */
  openShareToken: string;
  /** A signed-in web UI: `pxv_session=…` and the CSRF token bound to it. */
  cookieSession: { cookie: string; csrfToken: string };
}

/** Names no route documents: unknown parameters must be as harmless as known ones. */
const UNDOCUMENTED = ["__proto__", "x"];
const UNDOCUMENTED_VALUES = ["%00", "%ff%fe", "%c0%80", "x".repeat(8_000)];
/** Routes that end the credential they are called with, or destroy data: probed without one. */
const DESTRUCTIVE = /^(DELETE |PUT \/api\/v1\/me\/password)/;

const PNG = noisePng({ width: 4, height: 4, seed: 99 });

/** The request-level damage a parameter `n` can take besides a hostile value. */
const shapes = (n: string): string[] => [
  `${n}=%00&${n}=%ff`,
  `${n}=1&${n}=2&${n}=`,
  Array.from({ length: 300 }, (_, i) => `${n}=${i}`).join("&"),
  `${n}[]=%00`,
  `${n}[a][b]=%ff`,
  n,
  `${n}%00=1`,
  `%00${n}=1`,
  `${n}=${"%00".repeat(3000)}`,
];

export function querySweep(routes: readonly Route[], m: SweepMaterial): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    for (const name of [...route.query, ...UNDOCUMENTED]) {
      const documented = route.query.includes(name);
      const queries = documented
        ? [...HOSTILE_QUERY_VALUES.map((v) => `${name}=${v}`), ...shapes(name)]
        : UNDOCUMENTED_VALUES.map((v) => `${name}=${v}`);
      // Signed in, so the value reaches the handler; GETs every other time anonymously (scope, access).
      const signedIn = !DESTRUCTIVE.test(key) && (documented || route.method === "GET");
      queries.forEach((query, i) => {
        const bearer = signedIn && (route.method !== "GET" || i % 2 === 0);
        out.push(routeRequest(route, m, query, bearer, `${key} query:${name}`, out.length));
      });
    }
  }
  return out.map((r, i) => ({ ...r, index: -1 - i }));
}

/** A request the route would accept, but for `query`: real ids, a small PNG for uploads. */
function routeRequest(route: Route, m: SweepMaterial, query: string, bearer: boolean, label: string, n: number): FuzzRequest {
  const target = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === "token" ? m.openShareToken : route.path.startsWith("/api/v1/tokens") ? m.tokenIds[0]! : m.publicImageId,
  );
  const upload = route.multipart;
  // Without a filename an upload stops at "filename is required"; with one, the other options are
  // read. One name each: a name taken a hundred times makes every rename search long.
  const base = upload && !query.startsWith("filename") ? `filename=sweep-${n}.png&` : "";
  const headers: [string, string | number][] = [];
  if (bearer) headers.push(["authorization", `Bearer ${m.sessionTokens[0]}`]);
  if (upload) headers.push(["content-type", "application/octet-stream"], ["content-length", PNG.length]);
  else if (route.method !== "GET" && route.method !== "HEAD") headers.push(["content-length", 0]);
  const fullTarget = `${target}?${base}${query}`;
  const raw = Buffer.concat([requestHead(route.method, fullTarget, headers), upload ? PNG : Buffer.alloc(0)]);
  return {
    index: 0,
    method: route.method,
    target: fullTarget,
    headers: Object.fromEntries(headers.map(([k, v]) => [k, String(v)])),
    raw,
    label,
  };
}

/** How each header's hostile values are dressed, so they also get past the first parse. */
const HEADER_FORMS: Record<string, ((v: string) => string)[]> = {
  authorization: [(v) => v, (v) => `Bearer ${v}`, (v) => `Basic ${v}`],
  cookie: [(v) => v, (v) => `pxv_session=${v}`, (v) => `pxv_share=${v}`],
  "x-csrf-token": [(v) => v],
  range: [(v) => v, (v) => `bytes=${v}`, (v) => `bytes=0-${v}`],
  "if-range": [(v) => v, (v) => `"${v}"`],
  "if-none-match": [(v) => v, (v) => `"${v}"`, (v) => `W/"${v}", "${v}"`],
  "content-type": [(v) => v, (v) => `multipart/form-data; boundary=${v}`, (v) => `application/json; charset=${v}`],
  "x-forwarded-for": [(v) => v, (v) => `${v}, 127.0.0.1`],
  "accept-encoding": [(v) => v, (v) => `gzip;q=${v}`],
  "sec-fetch-site": [(v) => v],
  accept: [(v) => v, (v) => `text/html;q=${v}`],
  "x-request-id": [(v) => v],
};
export const SWEPT_HEADERS = Object.keys(HEADER_FORMS);
const DRESSED_VALUES = ["", "%00", "\xff\xfe\xfd", "\xc0\x80", "\xf0\x9f\x98\x80", '"', ";;;;", "x".repeat(8_000)];

interface Target {
  method: string;
  /** OpenAPI path, for the label. */
  path: string;
  target: string;
  headers: [string, string | number][];
  body?: Uint8Array;
}

/** Requests that reach the code reading each header: content, listings, uploads, cookies with CSRF, sign-in, share links. */
function headerTargets(m: SweepMaterial): Target[] {
  const bearer: [string, string] = ["authorization", `Bearer ${m.sessionTokens[0]}`];
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  return [
    { method: "GET", path: "/api/v1/images/{id}/content", target: `/api/v1/images/${m.privateImageId}/content`, headers: [bearer] },
    { method: "GET", path: "/api/v1/images", target: "/api/v1/images?scope=public&tag=a", headers: [] },
    { method: "GET", path: "/api/v1/me", target: "/api/v1/me", headers: [bearer] },
    { method: "GET", path: "/s/{token}", target: `/s/${m.openShareToken}`, headers: [] },
    { method: "GET", path: "/api/v1/images/archive", target: `/api/v1/images/archive?ids=${m.publicImageId}`, headers: [] },
    {
      method: "POST",
      path: "/api/v1/images",
      target: "/api/v1/images?filename=header-sweep.png&onConflict=rename",
      headers: [bearer, ["content-type", "application/octet-stream"]],
      body: PNG,
    },
    {
      method: "PATCH",
      path: "/api/v1/images/{id}",
      target: `/api/v1/images/${m.privateImageId}`,
      headers: [
        ["cookie", m.cookieSession.cookie],
        ["x-csrf-token", m.cookieSession.csrfToken],
        ["content-type", "application/json"],
      ],
      body: json({ description: "swept" }),
    },
    { method: "GET", path: "/api/v1/images/{id}/content", target: `/api/v1/images/${m.publicImageId}/content`, headers: [] },
    {
      method: "POST",
      path: "/api/v1/sessions",
      target: "/api/v1/sessions",
      headers: [["content-type", "application/json"]],
      body: json({ username: "nobody-here", password: "not the password" }),
    },
    { method: "GET", path: "/api/v1/sessions/current", target: "/api/v1/sessions/current", headers: [["cookie", m.cookieSession.cookie]] },
  ];
}

export function headerSweep(m: SweepMaterial): FuzzRequest[] {
  const targets = headerTargets(m);
  const out: FuzzRequest[] = [];
  let turn = 0;
  for (const [name, forms] of Object.entries(HEADER_FORMS)) {
    // Every value bare; dressed, the ones that most often trip a parser.
    const [bare, ...dressed] = forms;
    const variants: [string, string][][] = [
      ...HOSTILE_HEADER_VALUES.map((v): [string, string][] => [[name, bare!(v)]]),
      ...dressed.flatMap((form) => DRESSED_VALUES.map((v): [string, string][] => [[name, form(v)]])),
    ];
    // The header twice: a harmless copy, then a hostile one.
    variants.push([
      [name, "1"],
      [name, "\xff".repeat(8)],
    ]);
    for (const lines of variants) {
      // Round robin: each header meets every target, and each target every header.
      const t = targets[turn++ % targets.length]!;
      const body = t.body ?? new Uint8Array(0);
      const fields: [string, string | number][] = [...t.headers.filter(([k]) => k !== name), ...lines, ["content-length", body.length]];
      out.push({
        index: 0,
        method: t.method,
        target: t.target,
        headers: {},
        raw: Buffer.concat([requestHead(t.method, t.target, fields), body]),
        label: `${t.method} ${t.path} header:${name}`,
      });
    }
  }
  return out.map((r, i) => ({ ...r, index: -100_000 - i }));
}
