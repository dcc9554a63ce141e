// Which upstream URL a request target goes to, if any. What is checked is what
// is produced: the URL is built from the raw path after the prefix, and it is
// refused unless the URL actually built keeps the upstream's origin and the
// exact path intended under the upstream's base path. Dot segments (plain,
// percent-encoded any number of times, or with a `;parameter` as servlet
// containers strip it: `..;`), encoded slashes and backslashes, NUL, empty
// segments and malformed escapes are refused before that: an upstream (or a
// server behind it) might decode or normalise them into another path.
//
// Only origin-form targets ("/api/…") are forwarded. An absolute-form target
// ("http://host/api/…") or "//host/api/…" that would resolve under a prefix is
// refused (400) rather than passed to the app, which might route it anyway.
import type { Upstream } from "./options.js";

export type TargetResolution = { upstream: Upstream; url: URL } | { status: 400 | 404; reason: string } | undefined;

// Encoded twice too (%252e, %252f): an upstream that decodes twice must not find a dot segment or a slash either.
const BAD_RAW = /[\\\u0000-\u0020\u007f#]|%(?:25)?(?:2f|5c|00|2e%(?:25)?2e)|%(?![0-9a-fA-F]{2})/i;
/** An upstream that decodes a path more often than this is not one we can protect: such a path is refused. */
const MAX_DECODES = 4;

export function resolveTarget(target: string, upstreams: readonly Upstream[]): TargetResolution {
  if (target === "*" || target === "") return undefined;
  if (!target.startsWith("/") || target.startsWith("//")) {
    // Not an origin-form path: refused if any reading of it lands under a prefix.
    let parsed: URL;
    try {
      parsed = new URL(target, "http://proxy.invalid");
    } catch {
      return undefined;
    }
    return findUpstream(parsed.pathname, upstreams) === undefined ? undefined : { status: 400, reason: "the request target is not a path" };
  }
  const queryAt = target.indexOf("?");
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = queryAt < 0 ? "" : target.slice(queryAt);
  let normalised: string;
  try {
    normalised = new URL(rawPath, "http://proxy.invalid").pathname;
  } catch {
    normalised = rawPath;
  }
  // Under a prefix as written, or once a server resolves its dot segments: either way, ours to check and answer.
  const upstream = findUpstream(rawPath, upstreams) ?? findUpstream(normalised, upstreams);
  if (upstream === undefined) return undefined;
  if (!rawPath.startsWith(upstream.prefix) || (rawPath.length > upstream.prefix.length && rawPath[upstream.prefix.length] !== "/")) {
    return { status: 400, reason: "the path reaches the upstream only once normalised" };
  }
  const rest = rawPath.slice(upstream.prefix.length);
  if (BAD_RAW.test(rawPath) || BAD_RAW.test(query.replace(/%(?:2f|5c)/gi, ""))) return { status: 400, reason: "the path has a character or escape that is not forwarded" };
  const segments = rest.split("/").slice(1);
  for (const [index, segment] of segments.entries()) {
    if (segment === "" && index < segments.length - 1) return { status: 400, reason: "the path has an empty segment" };
  }
  const hidden = hiddenEscape(rest);
  if (hidden !== undefined) return { status: 400, reason: hidden };
  let url: URL;
  try {
    url = new URL(`${upstream.origin}${upstream.basePath}${rest}${query}`);
  } catch {
    return { status: 400, reason: "the path does not make a URL" };
  }
  // The URL as built: the same origin, and exactly the path intended (nothing resolved away).
  const intended = `${upstream.basePath}${rest}` || "/";
  if (url.origin !== upstream.origin || url.pathname !== intended || url.username !== "" || url.password !== "") {
    return { status: 400, reason: "the path leaves the upstream" };
  }
  return { upstream, url };
}

/**
 * What the path turns into for an upstream that decodes it once, twice, … (mixed forms like `.%252e` included), or
 * strips `;parameters` from segments as servlet containers do (`..;`): a dot segment, a new slash, a backslash or NUL
 * at any of those readings is refused, and so is a path still changing after MAX_DECODES decodings.
 */
function hiddenEscape(path: string): string | undefined {
  const slashes = countSlashes(path);
  let reading = path;
  for (let round = 0; round <= MAX_DECODES; round++) {
    if (/[\\\u0000]/.test(reading)) return "the path has an encoded backslash or NUL";
    if (countSlashes(reading) !== slashes) return "the path has an encoded slash";
    for (const segment of reading.split("/")) {
      const bare = segment.split(";", 1)[0];
      if (bare === "." || bare === "..") return "the path has a dot segment";
    }
    const next = reading.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === reading) return undefined;
    reading = next;
  }
  return "the path is encoded too many times";
}

function countSlashes(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 47) count++;
  return count;
}

function findUpstream(path: string, upstreams: readonly Upstream[]): Upstream | undefined {
  return upstreams.find((upstream) => path === upstream.prefix || path.startsWith(`${upstream.prefix}/`));
}
