// What both proxies (node:http in forward.ts, web fetch in next/web-proxy.ts)
// do around the upstream call: the checks before it (Host, anti-CSRF header
// and Origin on state-changing methods), the session's access token (fresh,
// refreshed once per session, checked against the revocation list), the one
// refresh after an upstream's 401 invalid_token, and the answers for what went
// wrong: the session over (401, marked x-cb-session), our fault or the
// upstream's (502/503/500), never a sign-out.
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { classifyFailure, RETRY_AFTER } from "../failure.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";
import { refusedPost } from "../router.js";
import type { StoredSession } from "../session-store.js";
import { keepAlive, usableSession, type TokenOutcome } from "../session-token.js";
import { SESSION_HEADER } from "./headers.js";
import type { TargetResolution } from "./target.js";

export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
/** Error codes that mean nothing reached the upstream: 503 (retry), not 502. */
export const UNREACHABLE: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET_BEFORE_SEND"]);
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** A token that a forced refresh produced and that the upstream refuses again within this long is not refreshed again. */
const FORCED_REFRESH_QUIET_MS = 10_000;
const MAX_FORCED_ENTRIES = 10_000;

export type Opened = { kind: "session"; id: string; session: StoredSession } | { kind: "answer"; answer: TokenHandlerResponse };

export interface ProxyAccess {
  /** The checks and the session's usable token, or the answer that ends the request here (nothing forwarded). */
  open(req: TokenHandlerRequest): Promise<Opened>;
  /**
   * After the upstream refused `current`'s token (401 invalid_token): one refresh (not again for a token a forced
   * refresh just produced). `token` is the one to send again with when `replayable`; undefined: relay the 401.
   */
  afterRefusal(id: string, current: StoredSession, replayable: boolean): Promise<{ kind: "token"; token: string | undefined } | { kind: "answer"; answer: TokenHandlerResponse }>;
  /** The upstream unreachable (503, Retry-After), or silent or broken (502); an event for the operator. */
  upstreamFailed(prefix: string, detail: string, unreachable: boolean): TokenHandlerResponse;
  /** A target under a prefix that is refused (400/404). */
  refusedTarget(resolution: Extract<TargetResolution, { status: number }>): TokenHandlerResponse;
  /** The session store failed: a server fault, never a sign-out. */
  storeFailed(err: unknown): TokenHandlerResponse;
}

export function createProxyAccess(context: HandlerContext): ProxyAccess {
  /** Per session id: the token a forced refresh produced, and when (bounds refreshes when an upstream refuses every token). */
  const forced = new Map<string, { token: string; at: number }>();

  const sessionExpired = (): TokenHandlerResponse => {
    const expired = context.sessionExpired();
    return { ...expired, headers: { ...expired.headers, [SESSION_HEADER]: "expired" } };
  };
  const unavailable = (retryAfter: string = RETRY_AFTER) =>
    json(503, { error: "temporarily_unavailable", error_description: "Temporarily unavailable; retry" }, { "retry-after": retryAfter });

  /** A token outcome that is not a token, as an answer: the session over (401), or our fault (503/500), never a sign-out. */
  const failed = (outcome: Exclude<TokenOutcome, { kind: "fresh" }>): TokenHandlerResponse => {
    if (outcome.kind === "expired") return sessionExpired();
    if (outcome.failure.status === 500) return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" });
    return unavailable(outcome.failure.retryAfter);
  };

  /** A token a forced refresh produced and the upstream refused again at once: the upstream's fault, not the token's. */
  const quiet = (id: string, token: string) => {
    const entry = forced.get(id);
    return entry !== undefined && entry.token === token && Date.now() - entry.at < FORCED_REFRESH_QUIET_MS;
  };
  const remember = (id: string, token: string) => {
    forced.delete(id);
    if (forced.size >= MAX_FORCED_ENTRIES) forced.delete(forced.keys().next().value!);
    forced.set(id, { token, at: Date.now() });
  };

  return {
    async open(req) {
      const host = header(req, "host");
      if (host === undefined || !HOST.test(host)) return { kind: "answer", answer: json(400, { error: "invalid_request", error_description: "A valid Host header is required" }) };
      if (!SAFE_METHODS.has(req.method)) {
        const refused = refusedPost(context, req);
        if (refused !== undefined) return { kind: "answer", answer: refused };
      }
      const id = readIdCookie(header(req, "cookie"), context.o.cookieNames.session);
      const session = id === undefined ? undefined : await context.o.sessions.get(id);
      if (id === undefined || session === undefined) return { kind: "answer", answer: sessionExpired() };
      const outcome = await usableSession(context, id, session);
      if (outcome.kind !== "fresh") return { kind: "answer", answer: failed(outcome) };
      // Keeps the session from going idle; the call is not held up by it.
      void keepAlive(context, id, outcome.session);
      return { kind: "session", id, session: outcome.session };
    },
    async afterRefusal(id, current, replayable) {
      if (quiet(id, current.accessToken)) return { kind: "token", token: undefined };
      const outcome = await usableSession(context, id, current, current.accessToken);
      if (outcome.kind !== "fresh") return { kind: "answer", answer: failed(outcome) };
      const refreshed = outcome.session;
      const changed = refreshed.accessToken !== current.accessToken;
      if (changed) remember(id, refreshed.accessToken);
      return { kind: "token", token: replayable && changed ? refreshed.accessToken : undefined };
    },
    upstreamFailed(prefix, detail, unreachable) {
      context.emit({ type: "upstream_unavailable", upstream: prefix, detail });
      return unreachable ? unavailable() : json(502, { error: "bad_gateway", error_description: "The upstream API did not answer" });
    },
    refusedTarget(resolution) {
      context.emit({ type: "refused", reason: "proxy_target" });
      return json(resolution.status, { error: resolution.status === 400 ? "invalid_request" : "not_found", error_description: "This path is not forwarded" });
    },
    storeFailed(err) {
      const kind = classifyFailure(context, err, "refresh");
      return kind.status === 500 ? json(500, { error: "server_error" }) : unavailable(kind.retryAfter);
    },
  };
}

/** An upstream's 401 for the token (RFC 6750 invalid_token), not for missing credentials. */
export function refusesToken(status: number, challenge: string): boolean {
  return status === 401 && /\berror="?invalid_token"?/i.test(challenge);
}
