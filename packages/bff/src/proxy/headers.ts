// The headers a proxied request and its answer keep. Hop-by-hop fields
// (RFC 9110 §7.6.1: Connection and the fields it names, Proxy-Connection,
// Keep-Alive, TE, Transfer-Encoding, Upgrade; and the Proxy-* fields) are for
// one connection and never forwarded. The browser's Cookie and Authorization
// stay here (the upstream gets the session's token, nothing the browser
// chose); X-Forwarded-* are replaced by what this server sees unless it is
// told to trust a proxy in front of it, and the other headers by which a
// front proxy vouches for a client (its address, its identity, a rewritten
// URL or method) are never taken from the browser. Upstream Set-Cookie is
// dropped unless its name is allowed, and so are the upstream's headers that
// act on the whole origin (HSTS, Clear-Site-Data, Alt-Svc) and any header
// that carries the access token (an upstream that echoes Authorization).
// Answers are marked private unless the upstream said they are public: the
// browser's request carries a cookie, not the Authorization header by which
// a shared cache would know to keep them to one user (RFC 9111 §3.5).
//
// The rules work on [name, value] pairs, whoever read them: node:http's raw
// headers (forward.ts) or a web Headers object (next/web-proxy.ts).
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ResolvedProxyOptions } from "./options.js";

export type HeaderPair = readonly [name: string, value: string];

const HOP_BY_HOP = new Set(["connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization", "http2-settings"]);
/** Never from the browser to the upstream. */
const REQUEST_DROPPED = new Set([
  "host",
  "cookie",
  "authorization",
  "forwarded",
  "via",
  // What a front proxy asserts about the client: its address, its identity, the URL or method it rewrote.
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "x-cluster-client-ip",
  "cf-connecting-ip",
  "fastly-client-ip",
  "x-original-forwarded-for",
  "x-original-url",
  "x-rewrite-url",
  "x-original-uri",
  "x-remote-user",
  "remote-user",
  "x-user",
  "x-authenticated-user",
  "x-authenticated-userid",
  "x-credential-identifier",
  "x-goog-iap-jwt-assertion",
  "x-client-cert",
  "x-client-verify",
  "x-arr-clientcert",
  "x-arr-ssl",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-original-method",
  // Next.js's own internal header (CVE-2025-29927: it skipped middleware).
  "x-middleware-subrequest",
]);
/**
 * Prefixes of the same kind: X-Forwarded-*, ALB's OIDC identity, oauth2-proxy's, Azure's, Cloudflare Access's,
 * Google IAP's, Kong's identity headers, a TLS terminator's client-certificate headers, Envoy's and Next's internals.
 */
const REQUEST_DROPPED_PREFIXES = [
  "x-forwarded-",
  "x-amzn-oidc-",
  "x-auth-request-",
  "x-ms-client-principal",
  "cf-access-",
  "x-goog-authenticated-user-",
  "x-consumer-",
  "ssl-client-",
  "x-ssl-client-",
  "x-envoy-",
  "x-middleware-",
  "x-nextjs-",
];
/** Upstream headers that act on the whole origin, not on one answer: not the upstream's to set. */
const ORIGIN_WIDE = new Set(["strict-transport-security", "clear-site-data", "alt-svc", "public-key-pins", "public-key-pins-report-only"]);
/** The header by which the token handler's own 401 says the session is over: an upstream may not forge it. */
export const SESSION_HEADER = "x-cb-session";

/** Lower-cased names listed in Connection headers: hop-by-hop too. */
export function connectionNamed(values: string | readonly string[] | null | undefined): Set<string> {
  const named = new Set<string>();
  for (const value of [values ?? []].flat()) for (const token of value.split(",")) named.add(token.trim().toLowerCase());
  return named;
}

/** node:http's flat [name, value, …] list as pairs. */
export function pairsOf(raw: readonly string[]): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

/** A browser header (lower-cased) that never reaches the upstream, in the head or as a trailer. */
function droppedFromBrowser(name: string, csrfHeader: string): boolean {
  return HOP_BY_HOP.has(name) || REQUEST_DROPPED.has(name) || name === csrfHeader || REQUEST_DROPPED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * An upstream header (lower-cased) the browser never gets, in the head or as a trailer. `payloads`: the claims
 * segments of the tokens sent (payloadsOf); a value holding one (the whole token, or what a debug header shows
 * of it) is dropped.
 */
function droppedFromUpstream(name: string, value: string, named: Set<string>, payloads: readonly string[]): boolean {
  return HOP_BY_HOP.has(name) || named.has(name) || ORIGIN_WIDE.has(name) || name === SESSION_HEADER || payloads.some((payload) => value.includes(payload));
}

/** Each JWT's payload segment (the claims, base64url): in every copy of the token, and long enough never to match by chance. */
function payloadsOf(tokens: readonly string[]): string[] {
  return tokens.map((token) => {
    const segment = token.split(".")[1];
    return segment !== undefined && segment.length >= 16 ? segment : token;
  });
}

/** The browser's request headers the upstream may see (framing, forwarding, Host and Authorization are set apart). */
export function requestPairs(pairs: Iterable<HeaderPair>, connection: string | readonly string[] | null | undefined, csrfHeader: string): HeaderPair[] {
  const named = connectionNamed(connection);
  const out: HeaderPair[] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (droppedFromBrowser(lower, csrfHeader) || named.has(lower) || lower === "content-length" || lower === "trailer") continue;
    out.push([lower, value]);
  }
  return out;
}

/**
 * The upstream's answer headers the browser may see (duplicates and order kept), then Cache-Control and Vary as
 * this proxy sets them. `accessTokens`: the tokens this request sent upstream; a header that carries one is dropped.
 */
export function responsePairs(
  pairs: Iterable<HeaderPair>,
  connection: string | readonly string[] | null | undefined,
  options: ResolvedProxyOptions,
  keepTrailer: boolean,
  accessTokens: readonly string[],
): HeaderPair[] {
  const named = connectionNamed(connection);
  const payloads = payloadsOf(accessTokens);
  const out: HeaderPair[] = [];
  let cacheControl: string | undefined;
  let vary: string | undefined;
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (droppedFromUpstream(lower, value, named, payloads) || (lower === "trailer" && !keepTrailer)) continue;
    if (lower === "set-cookie" && !options.allowedSetCookies.has(cookieName(value) ?? "")) continue;
    if (lower === "cache-control") cacheControl = cacheControl === undefined ? value : `${cacheControl}, ${value}`;
    else if (lower === "vary") vary = vary === undefined ? value : `${vary}, ${value}`;
    else out.push([name, value]);
  }
  out.push(["Cache-Control", privateCacheControl(cacheControl)], ["Vary", varyOnCookie(vary)]);
  return out;
}

/** The answer is the signed-in user's unless the upstream declared it shareable (public, s-maxage). */
function privateCacheControl(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return "no-store";
  if (/(?:^|,)\s*(?:public|s-maxage\s*=|private|no-store)\b/i.test(value)) return value;
  return `private, ${value}`;
}

/** The answer differs by session cookie. */
function varyOnCookie(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return "Cookie";
  if (value.split(",").some((field) => ["cookie", "*"].includes(field.trim().toLowerCase()))) return value;
  return `${value}, Cookie`;
}

/** What this server saw of the request, and what a proxy in front of it says (trusted only with trustProxy). */
export interface ForwardedInput {
  /** The peer's address; undefined when this server cannot see it (a web Request). */
  peer: string | undefined;
  ownProto: "http" | "https";
  host: string;
  incoming: { for: string | undefined; proto: string | undefined; host: string | undefined };
}

export function forwardedValues(input: ForwardedInput, trustProxy: boolean): Record<string, string> {
  const { peer, ownProto, host, incoming } = input;
  if (!trustProxy) return { ...(peer === undefined ? {} : { "x-forwarded-for": peer }), "x-forwarded-proto": ownProto, "x-forwarded-host": host };
  const proto = incoming.proto?.split(",")[0]?.trim().toLowerCase();
  const chain = [incoming.for?.trim() || undefined, peer].filter((part) => part !== undefined && part !== "");
  return {
    ...(chain.length === 0 ? {} : { "x-forwarded-for": chain.join(", ") }),
    "x-forwarded-proto": proto === "https" || proto === "http" ? proto : ownProto,
    "x-forwarded-host": incoming.host?.split(",")[0]?.trim() || host,
  };
}

export function upstreamRequestHeaders(
  req: IncomingMessage,
  options: ResolvedProxyOptions,
  extra: { csrfHeader: string; accessToken: string; host: string; chunked: boolean; contentLength: number | undefined },
): OutgoingHttpHeaders {
  // No prototype: a header named __proto__ is a header, not the object's prototype.
  const headers: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders;
  for (const [name, value] of requestPairs(pairsOf(req.rawHeaders), req.headers.connection, extra.csrfHeader)) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [existing as string | string[], value].flat();
  }
  if (extra.contentLength !== undefined) headers["content-length"] = String(extra.contentLength);
  else if (extra.chunked) {
    headers["transfer-encoding"] = "chunked";
    if (req.headers.trailer !== undefined && !connectionNamed(req.headers.connection).has("trailer")) headers.trailer = req.headers.trailer;
  }
  Object.assign(headers, forwardedHeaders(req, options.trustProxy));
  headers.host = extra.host;
  headers.authorization = `Bearer ${extra.accessToken}`;
  return headers;
}

function forwardedHeaders(req: IncomingMessage, trustProxy: boolean): Record<string, string> {
  const input: ForwardedInput = {
    peer: req.socket.remoteAddress ?? "",
    ownProto: (req.socket as TLSSocket).encrypted ? "https" : "http",
    host: req.headers.host ?? "",
    incoming: { for: first(req.headers["x-forwarded-for"]), proto: first(req.headers["x-forwarded-proto"]), host: first(req.headers["x-forwarded-host"]) },
  };
  return forwardedValues(input, trustProxy);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The upstream's answer headers, as a flat [name, value, …] list (duplicates and order kept), for the browser. */
export function browserResponseHeaders(upstream: IncomingMessage, options: ResolvedProxyOptions, keepTrailer: boolean, accessTokens: readonly string[]): string[] {
  return responsePairs(pairsOf(upstream.rawHeaders), upstream.headers.connection, options, keepTrailer, accessTokens).flat();
}

/** Trailers that may follow the body to the browser: the same rules as headers. */
export function browserTrailers(upstream: IncomingMessage, accessTokens: readonly string[]): [string, string][] {
  const named = connectionNamed(upstream.headers.connection);
  const payloads = payloadsOf(accessTokens);
  const out: [string, string][] = [];
  for (const [name, value] of pairsOf(upstream.rawTrailers)) {
    const lower = name.toLowerCase();
    if (droppedFromUpstream(lower, value, named, payloads) || ["set-cookie", "content-length", "cache-control", "vary"].includes(lower)) continue;
    out.push([name, value]);
  }
  return out;
}

/** Request trailers for the upstream: no hop-by-hop field, nothing the browser may not send on. */
export function upstreamTrailers(req: IncomingMessage, csrfHeader: string): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of pairsOf(req.rawTrailers)) {
    const lower = name.toLowerCase();
    if (droppedFromBrowser(lower, csrfHeader) || lower === "content-length") continue;
    out.push([name, value]);
  }
  return out;
}

/** The cookie's name, or undefined for a Set-Cookie without `name=` (a browser would make it a nameless cookie). */
function cookieName(setCookie: string): string | undefined {
  const eq = setCookie.indexOf("=");
  return eq <= 0 ? undefined : setCookie.slice(0, eq).trim();
}

export type { IncomingHttpHeaders };
