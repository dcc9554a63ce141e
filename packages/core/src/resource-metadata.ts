// OAuth 2.0 Protected Resource Metadata (RFC 9728): the document a client (an
// MCP client, notably) reads to learn which authorization server issues tokens
// for this API, and the challenge parameter that points to it (§5.1). The
// document's bytes are decided here, once; adapters only route a GET to it.
import { OptionsError } from "./option-error.js";
import { assertKnownKeys } from "./option-keys.js";

export interface ResourceMetadataOptions {
  /**
   * This API's resource identifier: an absolute https (or, for local
   * development, http) URL without query or fragment, e.g.
   * `https://api.example.com` or `https://api.example.com/mcp`.
   */
  resource: string;
  /** Scopes a client may ask for, as listed in the document. Default: not listed. */
  scopesSupported?: readonly string[] | undefined;
  /** Issuers of this API's tokens. Default: the configured pools' issuers (one per pool). */
  authorizationServers?: readonly string[] | undefined;
}

/** The resolved document, its URL (for `resource_metadata="…"`) and the path it is served at. */
export interface ResourceMetadata {
  /** The absolute URL of the document. */
  readonly url: string;
  /** The request path that serves it: `/.well-known/oauth-protected-resource` plus the resource's path (RFC 9728 §3.1). */
  readonly path: string;
  /** The document, as served. */
  readonly document: Readonly<Record<string, unknown>>;
}

/** A ready HTTP answer, identical whichever adapter writes it. */
export interface ResourceMetadataResponse {
  status: 200;
  headers: Record<string, string>;
  body: string;
}

export const WELL_KNOWN_PATH = "/.well-known/oauth-protected-resource";
const KEYS = ["resource", "scopesSupported", "authorizationServers"] as const;

const responses = new WeakMap<ResourceMetadata, ResourceMetadataResponse>();

/**
 * RFC 9728 §3.1: the well-known suffix goes between the host and the path of
 * the resource identifier; a resource without a path (or "/") has its document
 * at the well-known path itself.
 */
export function resolveResourceMetadata(options: unknown, defaultIssuers: readonly string[]): ResourceMetadata | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") throw new OptionsError("resourceMetadata must be an object: { resource, scopesSupported? }");
  assertKnownKeys(options, KEYS, "resourceMetadata.");
  const { resource, scopesSupported, authorizationServers } = options as ResourceMetadataOptions;
  let url: URL;
  try {
    url = new URL(String(resource));
  } catch {
    throw new OptionsError(`resourceMetadata.resource must be an absolute URL, e.g. "https://api.example.com", got "${String(resource)}"`);
  }
  if (typeof resource !== "string" || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new OptionsError(`resourceMetadata.resource must be an http(s) URL, got "${String(resource)}"`);
  }
  if (url.search !== "" || url.hash !== "" || resource.includes("#") || resource.includes("?")) {
    throw new OptionsError("resourceMetadata.resource must have no query or fragment (RFC 9728 §1.2)");
  }
  const scopes = stringList("resourceMetadata.scopesSupported", scopesSupported);
  const servers = stringList("resourceMetadata.authorizationServers", authorizationServers) ?? [...new Set(defaultIssuers)];
  if (servers.length === 0) throw new OptionsError("resourceMetadata.authorizationServers is required when no user pool is configured (resolveIssuer)");
  const resourcePath = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  const path = `${WELL_KNOWN_PATH}${resourcePath}`;
  const document: Record<string, unknown> = { resource, authorization_servers: servers };
  if (scopes !== undefined) document.scopes_supported = scopes;
  document.bearer_methods_supported = ["header"];
  const metadata: ResourceMetadata = Object.freeze({ url: `${url.origin}${path}`, path, document: Object.freeze(document) });
  responses.set(metadata, {
    status: 200,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      // Public by design (RFC 9728 §3): browser-based clients read it cross-origin.
      "Access-Control-Allow-Origin": "*",
      "Cache-Control": "max-age=3600",
    },
    body: JSON.stringify(document),
  });
  return metadata;
}

/**
 * The answer to a request for the metadata document, or undefined when the
 * request is not one (another path, or a method other than GET/HEAD). `path`
 * may carry a query string, which is ignored.
 */
export function resourceMetadataResponse(metadata: ResourceMetadata | undefined, method: string | undefined, path: string | undefined): ResourceMetadataResponse | undefined {
  if (metadata === undefined || path === undefined || (method !== "GET" && method !== "HEAD")) return undefined;
  const query = path.indexOf("?");
  if ((query === -1 ? path : path.slice(0, query)) !== metadata.path) return undefined;
  const response = responses.get(metadata)!;
  return { status: 200, headers: { ...response.headers }, body: response.body };
}

function stringList(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item.trim() === "" || /[\s"\\]/.test(item))) {
    throw new OptionsError(`${name} must be an array of non-empty strings without spaces or quotes`);
  }
  return [...value];
}
