// The headers a proxied request and its answer keep. Hop-by-hop fields
// (RFC 9110 §7.6.1: Connection and the fields it names, Proxy-Connection,
// Keep-Alive, TE, Transfer-Encoding, Upgrade; and the Proxy-* fields) are for
// one connection and never forwarded. The browser's Cookie and Authorization
// stay here (the upstream gets the session's token, nothing the browser
// chose); X-Forwarded-* are replaced by what this server sees unless it is
// told to trust a proxy in front of it. Upstream Set-Cookie is dropped unless
// its name is allowed.
//
// The rules work on [name, value] pairs, whoever read them: node:http's raw
// headers (forward.ts) or a web Headers object (next/web-proxy.ts).
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ResolvedProxyOptions } from "./options.js";

export type HeaderPair = readonly [name: string, value: string];

const HOP_BY_HOP = new Set(["connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization", "http2-settings"]);
/** Never from the browser to the upstream. */
const REQUEST_DROPPED = new Set(["host", "cookie", "authorization", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip"]);
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

/** The browser's request headers the upstream may see (framing, forwarding, Host and Authorization are set apart). */
export function requestPairs(pairs: Iterable<HeaderPair>, connection: string | readonly string[] | null | undefined, csrfHeader: string): HeaderPair[] {
  const named = connectionNamed(connection);
  const out: HeaderPair[] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || REQUEST_DROPPED.has(lower) || named.has(lower) || lower === csrfHeader || lower === "content-length" || lower === "trailer") continue;
    out.push([lower, value]);
  }
  return out;
}

/** The upstream's answer headers the browser may see (duplicates and order kept). */
export function responsePairs(pairs: Iterable<HeaderPair>, connection: string | readonly string[] | null | undefined, options: ResolvedProxyOptions, keepTrailer: boolean): HeaderPair[] {
  const named = connectionNamed(connection);
  const out: HeaderPair[] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower) || lower === SESSION_HEADER || (lower === "trailer" && !keepTrailer)) continue;
    if (lower === "set-cookie" && !options.allowedSetCookies.has(cookieName(value))) continue;
    out.push([name, value]);
  }
  return out;
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
  const headers: OutgoingHttpHeaders = {};
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
export function browserResponseHeaders(upstream: IncomingMessage, options: ResolvedProxyOptions, keepTrailer: boolean): string[] {
  return responsePairs(pairsOf(upstream.rawHeaders), upstream.headers.connection, options, keepTrailer).flat();
}

/** Trailers that may follow the body to the browser: the same rules as headers. */
export function browserTrailers(upstream: IncomingMessage): [string, string][] {
  const named = connectionNamed(upstream.headers.connection);
  const out: [string, string][] = [];
  const raw = upstream.rawTrailers;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || name === "set-cookie" || name === SESSION_HEADER || name === "content-length") continue;
    out.push([raw[i], raw[i + 1]]);
  }
  return out;
}

/** Request trailers for the upstream: no hop-by-hop field, nothing the browser may not send on. */
export function upstreamTrailers(req: IncomingMessage): [string, string][] {
  const out: [string, string][] = [];
  const raw = req.rawTrailers;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || REQUEST_DROPPED.has(name) || name === "content-length") continue;
    out.push([raw[i], raw[i + 1]]);
  }
  return out;
}

function cookieName(setCookie: string): string {
  const eq = setCookie.indexOf("=");
  return (eq < 0 ? setCookie : setCookie.slice(0, eq)).trim();
}

export type { IncomingHttpHeaders };
