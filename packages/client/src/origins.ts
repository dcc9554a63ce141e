// Which requests may carry the access token: those whose URL, resolved the way
// fetch resolves it, has one of the allowed origins (scheme, host and port,
// compared after parsing, never as text). Every other request is a plain fetch.

interface PageLike {
  location?: { href?: string; origin?: string };
  document?: { baseURI?: string };
}

/** The URL relative inputs are resolved against, as fetch does: the document's base URL, else the (worker's) location; none under Node. */
export function baseUrl(): string | undefined {
  const page = globalThis as PageLike;
  return page.document?.baseURI ?? page.location?.href;
}

/** The allowed origins, normalised (lower case, default port dropped); throws a TypeError naming what is wrong. */
export function allowedOrigins(apiOrigins: readonly string[] | undefined): Set<string> {
  if (apiOrigins === undefined) {
    const origin = (globalThis as PageLike).location?.origin;
    if (typeof origin !== "string" || !/^https?:\/\//.test(origin)) {
      throw new TypeError(
        "createAuthFetch: apiOrigins is required where there is no web page's origin to default to (Node, a file: or sandboxed page): " +
          'list the origins that may receive the access token, e.g. apiOrigins: ["https://api.example.com"]',
      );
    }
    return new Set([origin]);
  }
  if (!Array.isArray(apiOrigins) || apiOrigins.length === 0) {
    throw new TypeError('createAuthFetch: apiOrigins must be a non-empty array of origins, e.g. ["https://api.example.com"]');
  }
  return new Set(apiOrigins.map((value, index) => parseOrigin(value, `apiOrigins[${index}]`)));
}

function parseOrigin(value: unknown, name: string): string {
  const bad = (why: string) => new TypeError(`createAuthFetch: ${name} must be an origin (scheme://host[:port], e.g. "https://api.example.com"): ${why}`);
  if (typeof value !== "string") throw bad(`got ${typeof value}`);
  // The text itself: a scheme, "//", an authority, at most a trailing slash (no path, query or fragment).
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]+\/?$/i.test(value)) throw bad(`got "${value}"`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`"${value}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw bad(`"${value}" is not http or https`);
  if (url.username !== "" || url.password !== "") throw bad(`"${value}" has credentials`);
  if (url.hostname.includes("*")) throw bad(`"${value}" has a wildcard: list each origin`);
  return url.origin;
}

/** `input`'s URL resolved as fetch would resolve it, or undefined when it cannot be (a relative URL under Node, an invalid one). */
export function resolveUrl(input: Request | string | URL): URL | undefined {
  if (typeof Request !== "undefined" && input instanceof Request) return new URL(input.url);
  try {
    return new URL(input instanceof URL ? input.href : String(input), baseUrl());
  } catch {
    return undefined;
  }
}
