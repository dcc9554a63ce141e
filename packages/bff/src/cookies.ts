// The token handler's cookies. The session cookie holds only an opaque 256-bit
// id (SameSite=Strict); each sign-in in progress has a cookie of its own,
// named after its state, holding the sealed transaction (SameSite=Lax: the
// callback arrives by a redirect from Cognito's site).
//
// With `secure` (the default) the names carry the `__Host-Http-` prefix: a
// `__Host-` cookie must be Secure, have Path=/ and no Domain, so browsers
// refuse it from subdomains and plain-http pages; the `Http` part (RFC 6265bis)
// tells browsers that know it to refuse one set by script. Browsers that do
// not know `__Host-Http-` still apply `__Host-`, since the name starts with it.
import { randomBytes } from "node:crypto";

export const SECURE_PREFIX = "__Host-Http-";

/** A new opaque id: 256 random bits, base64url. */
export function newId(): string {
  return randomBytes(32).toString("base64url");
}

const ID = /^[A-Za-z0-9_-]{43}$/;
/** A browser sends at most a few KB per cookie: anything longer is not ours. */
const MAX_VALUE_LENGTH = 4096;

/** Every cookie of a Cookie header, first occurrence of a name winning. */
export function parseCookies(cookieHeader: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (cookieHeader === undefined) return cookies;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name !== "" && !cookies.has(name) && value.length <= MAX_VALUE_LENGTH) cookies.set(name, value);
  }
  return cookies;
}

/** The id in cookie `name`, or undefined when it is absent or not one of ours (tampered, truncated). */
export function readIdCookie(cookieHeader: string | undefined, name: string): string | undefined {
  const value = parseCookies(cookieHeader).get(name);
  return value !== undefined && ID.test(value) ? value : undefined;
}

export function setCookie(name: string, value: string, options: { sameSite: "Strict" | "Lax"; maxAgeSeconds: number; secure: boolean }): string {
  const attributes = [`${name}=${value}`, "Path=/", "HttpOnly", `SameSite=${options.sameSite}`, `Max-Age=${Math.floor(options.maxAgeSeconds)}`];
  if (options.secure) attributes.push("Secure");
  return attributes.join("; ");
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, "", { sameSite: "Lax", maxAgeSeconds: 0, secure });
}
