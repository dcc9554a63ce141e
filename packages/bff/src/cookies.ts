// The two cookies of the token handler, each holding only an opaque 256-bit id:
// the session cookie (SameSite=Strict) and the sign-in transaction cookie
// (SameSite=Lax: the callback arrives by a redirect from Cognito's site).
// `__Host-` cookies must be Secure, have Path=/ and no Domain: the browser
// then refuses them from subdomains and from plain-http pages.
import { randomBytes } from "node:crypto";

export interface CookieNames {
  session: string;
  transaction: string;
}

/** A new opaque id: 256 random bits, base64url. */
export function newId(): string {
  return randomBytes(32).toString("base64url");
}

const ID = /^[A-Za-z0-9_-]{43}$/;

/** The id in cookie `name`, or undefined when it is absent or not one of ours (tampered, truncated). */
export function readIdCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return ID.test(value) ? value : undefined;
  }
  return undefined;
}

export function setCookie(name: string, value: string, options: { sameSite: "Strict" | "Lax"; maxAgeSeconds: number; secure: boolean }): string {
  const attributes = [`${name}=${value}`, "Path=/", "HttpOnly", `SameSite=${options.sameSite}`, `Max-Age=${Math.floor(options.maxAgeSeconds)}`];
  if (options.secure) attributes.push("Secure");
  return attributes.join("; ");
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, "", { sameSite: "Lax", maxAgeSeconds: 0, secure });
}
