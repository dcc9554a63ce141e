// Proxy mode's options (the full BFF): which path prefixes go to which
// upstream API, and how. The map is an allowlist: nothing else is reachable.
import { OptionsError } from "@cognito-bearer/core";

/** How the token handler forwards requests to `upstreams`. Every field is optional. */
export interface ProxyOptions {
  /** Deadline for the upstream's response headers once the request is sent, and the longest silence on the connection while bodies stream. Default 30000. */
  timeoutMs?: number | undefined;
  /**
   * Trust the `X-Forwarded-For/-Proto/-Host` headers that arrive (this handler runs behind a load balancer that
   * sets them). Default false: they are replaced by what this server sees.
   */
  trustProxy?: boolean | undefined;
  /** Names of the upstream cookies passed to the browser. Default none: every upstream `Set-Cookie` is dropped. */
  allowedSetCookies?: string[] | undefined;
  /**
   * A request body of at most this many bytes (with a Content-Length) is read before it is sent, so that the
   * request can be sent again after an upstream 401 `invalid_token` and a refresh. Larger or chunked bodies stream
   * through and are not replayed. Default 65536; 0 replays only requests without a body.
   */
  replayBodyBytes?: number | undefined;
}

export interface Upstream {
  /** The path prefix on this origin, e.g. "/api". */
  readonly prefix: string;
  /** The upstream's origin, e.g. "https://api.internal". */
  readonly origin: string;
  /** The upstream's base path without a trailing slash ("" for the root). */
  readonly basePath: string;
  readonly secure: boolean;
}

export interface ResolvedProxyOptions {
  /** Longest prefix first: the most specific upstream wins. */
  upstreams: readonly Upstream[];
  timeoutMs: number;
  trustProxy: boolean;
  allowedSetCookies: ReadonlySet<string>;
  replayBodyBytes: number;
}

const PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;
const PROXY_KEYS = new Set(["timeoutMs", "trustProxy", "allowedSetCookies", "replayBodyBytes"]);

export function resolveProxyOptions(
  upstreams: unknown,
  proxy: unknown,
  exposeAccessToken: unknown,
  authBasePath: string,
  reservedCookies: (name: string) => boolean,
): { proxy: ResolvedProxyOptions | undefined; exposeAccessToken: boolean } {
  if (exposeAccessToken !== undefined && typeof exposeAccessToken !== "boolean") throw new OptionsError("exposeAccessToken must be a boolean");
  if (upstreams === undefined) {
    if (proxy !== undefined) throw new OptionsError("proxy options need upstreams: { \"/api\": \"https://api.internal\" }");
    return { proxy: undefined, exposeAccessToken: exposeAccessToken ?? true };
  }
  if (upstreams === null || typeof upstreams !== "object" || Array.isArray(upstreams) || Object.keys(upstreams).length === 0) {
    throw new OptionsError('upstreams must map path prefixes to upstream URLs, e.g. { "/api": "https://api.internal" }');
  }
  const list: Upstream[] = [];
  for (const [prefix, target] of Object.entries(upstreams as Record<string, unknown>)) {
    if (!PREFIX.test(prefix) || prefix.split("/").some((segment) => segment === "." || segment === "..")) {
      throw new OptionsError(`upstreams: "${prefix}" must be a path prefix such as "/api", without a trailing slash`);
    }
    if (overlaps(prefix, authBasePath)) throw new OptionsError(`upstreams: "${prefix}" overlaps the token handler's basePath "${authBasePath}"`);
    let url: URL;
    try {
      url = new URL(String(target));
    } catch {
      throw new OptionsError(`upstreams["${prefix}"] must be an absolute http(s) URL, got "${String(target)}"`);
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || String(target).includes("?")) {
      throw new OptionsError(`upstreams["${prefix}"] must be an http(s) URL without credentials, query or fragment, got "${String(target)}"`);
    }
    list.push({ prefix, origin: url.origin, basePath: url.pathname.replace(/\/+$/, ""), secure: url.protocol === "https:" });
  }
  const options = (proxy ?? {}) as ProxyOptions;
  if (options === null || typeof options !== "object") throw new OptionsError("proxy must be an object");
  for (const key of Object.keys(options)) if (!PROXY_KEYS.has(key)) throw new OptionsError(`proxy.${key} is not an option`);
  const timeoutMs = positive("proxy.timeoutMs", options.timeoutMs, 30_000);
  const replayBodyBytes = options.replayBodyBytes ?? 65_536;
  if (typeof replayBodyBytes !== "number" || !Number.isInteger(replayBodyBytes) || replayBodyBytes < 0 || replayBodyBytes > 16 * 1024 * 1024) {
    throw new OptionsError("proxy.replayBodyBytes must be an integer from 0 to 16777216");
  }
  if (options.trustProxy !== undefined && typeof options.trustProxy !== "boolean") throw new OptionsError("proxy.trustProxy must be a boolean");
  const cookies = options.allowedSetCookies ?? [];
  if (!Array.isArray(cookies) || cookies.some((name) => typeof name !== "string" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))) {
    throw new OptionsError("proxy.allowedSetCookies must be an array of cookie names");
  }
  const reserved = cookies.find(reservedCookies);
  if (reserved !== undefined) throw new OptionsError(`proxy.allowedSetCookies: "${reserved}" is the token handler's own cookie`);
  return {
    proxy: {
      upstreams: list.sort((a, b) => b.prefix.length - a.prefix.length),
      timeoutMs,
      trustProxy: options.trustProxy ?? false,
      allowedSetCookies: new Set(cookies),
      replayBodyBytes,
    },
    // The full BFF's point: no token reaches the browser, unless asked for.
    exposeAccessToken: exposeAccessToken ?? false,
  };
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(`${name} must be a positive number`);
  return value;
}
