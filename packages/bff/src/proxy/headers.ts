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
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ResolvedProxyOptions } from "./options.js";

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
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
]);
/** Prefixes of the same kind: X-Forwarded-*, ALB's OIDC identity, oauth2-proxy's identity headers. */
const REQUEST_DROPPED_PREFIXES = ["x-forwarded-", "x-amzn-oidc-", "x-auth-request-"];
/** Upstream headers that act on the whole origin, not on one answer: not the upstream's to set. */
const ORIGIN_WIDE = new Set(["strict-transport-security", "clear-site-data", "alt-svc", "public-key-pins", "public-key-pins-report-only"]);
/** The header by which the token handler's own 401 says the session is over: an upstream may not forge it. */
export const SESSION_HEADER = "x-cb-session";

/** Lower-cased names listed in Connection headers: hop-by-hop too. */
function connectionNamed(values: string | string[] | undefined): Set<string> {
  const named = new Set<string>();
  for (const value of [values ?? []].flat()) for (const token of value.split(",")) named.add(token.trim().toLowerCase());
  return named;
}

function droppedFromBrowser(name: string, csrfHeader: string): boolean {
  return HOP_BY_HOP.has(name) || REQUEST_DROPPED.has(name) || name === csrfHeader || REQUEST_DROPPED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

export function upstreamRequestHeaders(
  req: IncomingMessage,
  options: ResolvedProxyOptions,
  extra: { csrfHeader: string; accessToken: string; host: string; chunked: boolean; contentLength: number | undefined },
): OutgoingHttpHeaders {
  const named = connectionNamed(req.headers.connection);
  // No prototype: a header named __proto__ is a header, not the object's prototype.
  const headers: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (droppedFromBrowser(name, extra.csrfHeader) || named.has(name) || name === "content-length" || name === "trailer") continue;
    const existing = headers[name];
    headers[name] = existing === undefined ? raw[i + 1] : [existing as string | string[], raw[i + 1]].flat();
  }
  if (extra.contentLength !== undefined) headers["content-length"] = String(extra.contentLength);
  else if (extra.chunked) {
    headers["transfer-encoding"] = "chunked";
    if (req.headers.trailer !== undefined && !named.has("trailer")) headers.trailer = req.headers.trailer;
  }
  Object.assign(headers, forwardedHeaders(req, options.trustProxy));
  headers.host = extra.host;
  headers.authorization = `Bearer ${extra.accessToken}`;
  return headers;
}

function forwardedHeaders(req: IncomingMessage, trustProxy: boolean): Record<string, string> {
  const peer = req.socket.remoteAddress ?? "";
  const ownProto = (req.socket as TLSSocket).encrypted ? "https" : "http";
  const host = req.headers.host ?? "";
  if (!trustProxy) return { "x-forwarded-for": peer, "x-forwarded-proto": ownProto, "x-forwarded-host": host };
  const incomingFor = first(req.headers["x-forwarded-for"]);
  const proto = first(req.headers["x-forwarded-proto"])?.split(",")[0]?.trim().toLowerCase();
  return {
    "x-forwarded-for": incomingFor === undefined || incomingFor.trim() === "" ? peer : `${incomingFor}, ${peer}`,
    "x-forwarded-proto": proto === "https" || proto === "http" ? proto : ownProto,
    "x-forwarded-host": first(req.headers["x-forwarded-host"])?.split(",")[0]?.trim() || host,
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An upstream header the browser never gets, whatever its place (head or trailer). */
function droppedFromUpstream(name: string, value: string, named: Set<string>, accessTokens: readonly string[]): boolean {
  return HOP_BY_HOP.has(name) || named.has(name) || ORIGIN_WIDE.has(name) || name === SESSION_HEADER || accessTokens.some((token) => value.includes(token));
}

/**
 * The upstream's answer headers, as a flat [name, value, …] list (duplicates and order kept), for the browser.
 * `accessTokens`: the tokens this request sent upstream; a header that carries one is dropped.
 */
export function browserResponseHeaders(upstream: IncomingMessage, options: ResolvedProxyOptions, keepTrailer: boolean, accessTokens: readonly string[]): string[] {
  const named = connectionNamed(upstream.headers.connection);
  const out: string[] = [];
  const raw = upstream.rawHeaders;
  let cacheControl: string | undefined;
  let vary: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (droppedFromUpstream(name, value, named, accessTokens) || (name === "trailer" && !keepTrailer)) continue;
    if (name === "set-cookie" && !options.allowedSetCookies.has(cookieName(value) ?? "")) continue;
    if (name === "cache-control") cacheControl = cacheControl === undefined ? value : `${cacheControl}, ${value}`;
    else if (name === "vary") vary = vary === undefined ? value : `${vary}, ${value}`;
    else out.push(raw[i], value);
  }
  out.push("Cache-Control", privateCacheControl(cacheControl));
  out.push("Vary", varyOnCookie(vary));
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

/** Trailers that may follow the body to the browser: the same rules as headers. */
export function browserTrailers(upstream: IncomingMessage, accessTokens: readonly string[]): [string, string][] {
  const named = connectionNamed(upstream.headers.connection);
  const out: [string, string][] = [];
  const raw = upstream.rawTrailers;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (droppedFromUpstream(name, raw[i + 1], named, accessTokens) || name === "set-cookie" || name === "content-length" || name === "cache-control" || name === "vary") continue;
    out.push([raw[i], raw[i + 1]]);
  }
  return out;
}

/** Request trailers for the upstream: no hop-by-hop field, nothing the browser may not send on. */
export function upstreamTrailers(req: IncomingMessage, csrfHeader: string): [string, string][] {
  const out: [string, string][] = [];
  const raw = req.rawTrailers;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (droppedFromBrowser(name, csrfHeader) || name === "content-length") continue;
    out.push([raw[i], raw[i + 1]]);
  }
  return out;
}

/** The cookie's name, or undefined for a Set-Cookie without `name=` (a browser would make it a nameless cookie). */
function cookieName(setCookie: string): string | undefined {
  const eq = setCookie.indexOf("=");
  return eq <= 0 ? undefined : setCookie.slice(0, eq).trim();
}

export type { IncomingHttpHeaders };
