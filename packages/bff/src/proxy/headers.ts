// The headers a proxied request and its answer keep. Hop-by-hop fields
// (RFC 9110 §7.6.1: Connection and the fields it names, Proxy-Connection,
// Keep-Alive, TE, Transfer-Encoding, Upgrade; and the Proxy-* fields) are for
// one connection and never forwarded. The browser's Cookie and Authorization
// stay here (the upstream gets the session's token, nothing the browser
// chose); X-Forwarded-* are replaced by what this server sees unless it is
// told to trust a proxy in front of it. Upstream Set-Cookie is dropped unless
// its name is allowed.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ResolvedProxyOptions } from "./options.js";

const HOP_BY_HOP = new Set(["connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization", "http2-settings"]);
/** Never from the browser to the upstream. */
const REQUEST_DROPPED = new Set(["host", "cookie", "authorization", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip"]);
/** The header by which the token handler's own 401 says the session is over: an upstream may not forge it. */
export const SESSION_HEADER = "x-cb-session";

/** Lower-cased names listed in Connection headers: hop-by-hop too. */
function connectionNamed(values: string | string[] | undefined): Set<string> {
  const named = new Set<string>();
  for (const value of [values ?? []].flat()) for (const token of value.split(",")) named.add(token.trim().toLowerCase());
  return named;
}

export function upstreamRequestHeaders(
  req: IncomingMessage,
  options: ResolvedProxyOptions,
  extra: { csrfHeader: string; accessToken: string; host: string; chunked: boolean; contentLength: number | undefined },
): OutgoingHttpHeaders {
  const named = connectionNamed(req.headers.connection);
  const headers: OutgoingHttpHeaders = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || REQUEST_DROPPED.has(name) || named.has(name) || name === extra.csrfHeader || name === "content-length" || name === "trailer") continue;
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

/** The upstream's answer headers, as a flat [name, value, …] list (duplicates and order kept), for the browser. */
export function browserResponseHeaders(upstream: IncomingMessage, options: ResolvedProxyOptions, keepTrailer: boolean): string[] {
  const named = connectionNamed(upstream.headers.connection);
  const out: string[] = [];
  const raw = upstream.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || name === SESSION_HEADER || (name === "trailer" && !keepTrailer)) continue;
    if (name === "set-cookie" && !options.allowedSetCookies.has(cookieName(raw[i + 1]))) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
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
