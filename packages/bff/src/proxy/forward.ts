// Proxy mode (the full BFF): a request under an upstream's prefix is sent on
// to that upstream with the session's access token, attached here; the
// browser holds a session cookie and nothing else. Bodies stream both ways
// (node:http, piped with back-pressure): nothing large is buffered.
//
// - A state-changing method (all but GET, HEAD, OPTIONS) needs the anti-CSRF
//   header and an allowed Origin, as POST /auth/token does.
// - The access token is refreshed when due, once per session (refresh.ts).
// - An upstream 401 `invalid_token` refreshes the session once, whatever the
//   method (a 401 means the upstream did nothing), and the request is sent
//   again when it can be: no body, or a body of at most `replayBodyBytes`
//   with a Content-Length, read before the first try. A larger or chunked body
//   streams and is not replayed: the 401 goes back to the browser, after the
//   refresh, so that the client's own retry carries the new token.
// - The upstream unreachable: 503 with Retry-After (nothing reached it); a
//   timeout or a broken answer (an unasked-for 101 or a connection closed
//   without one included): 502. Never a 401, never a sign-out. After the
//   answer's head is sent, a failure ends the browser's response abruptly.
//   `timeoutMs` bounds both the wait for the answer's head once the request is
//   sent (a deadline, not reset by 1xx answers or trickled bytes) and any
//   silence on the socket.
// - The browser's own faults are not the upstream's: an upload that stalls
//   past the timeout is answered 408, and a browser that goes away is no
//   `upstream_unavailable` event.
// - TRACE and TRACK are refused (405): they would echo the Authorization
//   header added here.
import { isAuthError } from "@cognito-bearer/core";
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { classifyFailure, RETRY_AFTER } from "../failure.js";
import { json, type TokenHandlerResponse } from "../http.js";
import { send } from "../mounts/send.js";
import { freshSession, SessionExpired, SessionRevoked } from "../refresh.js";
import { refusedPost } from "../router.js";
import { endSession } from "../session-end.js";
import type { StoredSession } from "../session-store.js";
import { browserResponseHeaders, browserTrailers, SESSION_HEADER, upstreamRequestHeaders, upstreamTrailers } from "./headers.js";
import type { ResolvedProxyOptions, Upstream } from "./options.js";
import { resolveTarget } from "./target.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Methods that echo the request, and with it the Authorization header attached here. */
const ECHOING_METHODS = new Set(["TRACE", "TRACK"]);
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET_BEFORE_SEND"]);
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** A token that a forced refresh produced and that the upstream refuses again within this long is not refreshed again. */
const FORCED_REFRESH_QUIET_MS = 10_000;
const MAX_FORCED_ENTRIES = 10_000;

export interface Proxy {
  /** True when `target` is under an upstream's prefix: the proxy answers it (asynchronously). */
  forward(req: IncomingMessage, res: ServerResponse, target: string): boolean;
  close(): void;
}

export function createProxy(context: HandlerContext, options: ResolvedProxyOptions): Proxy {
  const agents = new Map<string, HttpAgent>();
  for (const upstream of options.upstreams) {
    if (!agents.has(upstream.origin)) agents.set(upstream.origin, new (upstream.secure ? HttpsAgent : HttpAgent)({ keepAlive: true }));
  }
  /** Per session id: the token a forced refresh produced, and when (bounds refreshes when an upstream refuses every token). */
  const forced = new Map<string, { token: string; at: number }>();

  const answer = (res: ServerResponse, response: TokenHandlerResponse) => send(res, response);
  const sessionExpired = (presented = true): TokenHandlerResponse => {
    const expired = context.sessionExpired(presented);
    return { ...expired, headers: { ...expired.headers, [SESSION_HEADER]: "expired" } };
  };
  const unavailable = (retryAfter: string = RETRY_AFTER) =>
    json(503, { error: "temporarily_unavailable", error_description: "Temporarily unavailable; retry" }, { "retry-after": retryAfter });

  /** A failure to get a usable token, as an answer: the session over (401), or our fault (503/500), never a sign-out. */
  async function tokenFailure(id: string, session: StoredSession, err: unknown): Promise<TokenHandlerResponse> {
    if (err instanceof SessionExpired) {
      context.emit({ type: "session_expired", sub: session.sub, reason: err.reason });
      return sessionExpired();
    }
    if (err instanceof SessionRevoked) {
      await endSession(context, id, err.session);
      context.emit({ type: "session_expired", sub: session.sub, reason: `the API's revocation list refuses this sign-in (${err.reason})` });
      return sessionExpired();
    }
    const kind = classifyFailure(context, err, "refresh");
    if (kind.status === 500) return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" });
    return unavailable(kind.retryAfter);
  }

  async function usableSession(id: string, session: StoredSession, refused?: string): Promise<StoredSession> {
    const fresh = await freshSession(id, session, context.refresh, refused);
    // A refresh verified its token just now; one from the store is checked again (a cache hit) against the revocation list.
    if (fresh === session) {
      try {
        await context.verify(fresh.accessToken);
      } catch (err) {
        if (isAuthError(err) && (err.reason === "revoked" || err.reason === "not_revocable")) throw new SessionRevoked(fresh, err.reason);
        throw err;
      }
    }
    return fresh;
  }

  async function run(req: IncomingMessage, res: ServerResponse, upstream: Upstream, url: URL): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const host = req.headers.host;
    if (host === undefined || !HOST.test(host)) return answer(res, json(400, { error: "invalid_request", error_description: "A valid Host header is required" }));
    if (ECHOING_METHODS.has(method)) return answer(res, json(405, { error: "method_not_allowed", error_description: `${method} is not forwarded` }, { allow: "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE" }));
    const coding = req.headers["transfer-encoding"];
    // A coding other than chunked would be dropped on the way (the body is re-chunked here): refused, not garbled.
    if (coding !== undefined && coding.trim().toLowerCase() !== "chunked") return answer(res, json(400, { error: "invalid_request", error_description: "Only the chunked transfer coding is forwarded" }));
    if (!SAFE_METHODS.has(method)) {
      const refused = refusedPost(context, { method, url: req.url ?? "/", headers: req.headers });
      if (refused !== undefined) return answer(res, refused);
    }
    const id = readIdCookie(req.headers.cookie, context.o.cookieNames.session);
    const session = id === undefined ? undefined : await context.o.sessions.get(id);
    if (id === undefined || session === undefined) return answer(res, sessionExpired(id !== undefined));
    let current: StoredSession;
    try {
      current = await usableSession(id, session);
    } catch (err) {
      return answer(res, await tokenFailure(id, session, err));
    }
    // Keeps the session from going idle; the call is not held up by it.
    context.o.sessions.touch(id, Math.min(current.expiresAt, Date.now() + context.o.idleTimeoutMs)).catch((err: unknown) => {
      context.emit({ type: "store_unavailable", detail: `the session's idle deadline was not extended (${err instanceof Error ? err.message : String(err)})` });
    });

    const length = contentLength(req);
    const chunked = req.headers["transfer-encoding"] !== undefined;
    const hasBody = chunked || (length !== undefined && length > 0);
    if (length === undefined && req.headers["content-length"] !== undefined) return answer(res, json(400, { error: "invalid_request", error_description: "Invalid Content-Length" }));
    let body: Buffer | undefined;
    if (!hasBody) body = Buffer.alloc(0);
    else if (!chunked && length !== undefined && length <= options.replayBodyBytes) {
      body = await readAll(req, length).catch(() => undefined);
      if (body === undefined) return void res.destroy();
    }

    // An empty body is framed as such for the methods that may carry one; a streamed body keeps its Content-Length.
    const framedLength = body === undefined ? length : body.length === 0 && length === undefined && SAFE_METHODS.has(method) ? undefined : body.length;
    const attempt = (token: string) =>
      sendUpstream(req, res, upstream, url, method, body, {
        csrfHeader: context.o.csrfHeader.name,
        accessToken: token,
        host: url.host,
        chunked: body === undefined && chunked,
        contentLength: framedLength,
      });

    const sentTokens = [current.accessToken];
    let outcome = await attempt(current.accessToken);
    if (outcome.kind === "response" && refusesToken(outcome.response) && !quiet(id, current.accessToken)) {
      const refusedResponse = outcome.response;
      let refreshed: StoredSession;
      try {
        refreshed = await usableSession(id, current, current.accessToken);
      } catch (err) {
        refusedResponse.resume();
        return answer(res, await tokenFailure(id, current, err));
      }
      if (refreshed.accessToken !== current.accessToken) remember(id, refreshed.accessToken);
      if (body !== undefined && refreshed.accessToken !== current.accessToken) {
        refusedResponse.resume();
        sentTokens.push(refreshed.accessToken);
        outcome = await attempt(refreshed.accessToken);
      }
    }
    if (outcome.kind === "failed") {
      // The browser's doing (it went away, or its upload stalled): not an upstream outage.
      if (res.destroyed || req.destroyed) return;
      if (outcome.stalledUpload) return answer(res, json(408, { error: "request_timeout", error_description: "The request body stalled" }, { connection: "close" }));
      context.emit({ type: "upstream_unavailable", upstream: upstream.prefix, detail: outcome.detail });
      if (outcome.unreachable) return answer(res, unavailable());
      return answer(res, json(502, { error: "bad_gateway", error_description: "The upstream API did not answer" }));
    }
    relay(req, res, outcome.response, method, sentTokens);
  }

  function sendUpstream(
    req: IncomingMessage,
    res: ServerResponse,
    upstream: Upstream,
    url: URL,
    method: string,
    body: Buffer | undefined,
    extra: Parameters<typeof upstreamRequestHeaders>[2],
  ): Promise<{ kind: "response"; response: IncomingMessage } | { kind: "failed"; unreachable: boolean; stalledUpload: boolean; detail: string }> {
    return new Promise((resolve) => {
      const request = (upstream.secure ? httpsRequest : httpRequest) as typeof httpRequest;
      let sent = false;
      const upstreamReq: ClientRequest = request(url, {
        method,
        headers: upstreamRequestHeaders(req, options, extra),
        agent: agents.get(upstream.origin),
        timeout: options.timeoutMs,
        setHost: false,
      });
      // Streaming the browser's body and still short of its end when time runs out: the browser's stall.
      const uploading = () => body === undefined && !req.readableEnded;
      const fail = (detail: string, unreachable = false) => {
        if (sent) return;
        sent = true;
        clearTimeout(headDeadline);
        resolve({ kind: "failed", unreachable, stalledUpload: uploading(), detail: `${upstream.origin}: ${detail}` });
      };
      const timedOut = () => upstreamReq.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: "ETIMEDOUT" }));
      // The socket's timeout is an idle one: trickled bytes or endless 1xx answers would reset it. This one, from the
      // end of the request's body (an upload may take longer than the timeout, and moves), is not reset.
      let headDeadline: ReturnType<typeof setTimeout> | undefined;
      upstreamReq.once("finish", () => {
        if (!sent) headDeadline = setTimeout(timedOut, options.timeoutMs);
      });
      upstreamReq.once("timeout", timedOut);
      // Before the upstream's head: an answer for the browser; after it, the relay ends the browser's response.
      upstreamReq.once("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message, UNREACHABLE.has(err.code ?? "")));
      // An upgrade nobody asked for (Upgrade is never forwarded), or a connection closed without an answer.
      upstreamReq.once("upgrade", (_response, socket: { destroy(): void }) => {
        socket.destroy();
        fail("answered 101 Switching Protocols");
      });
      upstreamReq.once("close", () => fail("closed the connection without an answer"));
      upstreamReq.once("response", (response) => {
        sent = true;
        clearTimeout(headDeadline);
        resolve({ kind: "response", response });
      });
      // The browser went away: so does the upstream request.
      res.once("close", () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      if (body !== undefined) upstreamReq.end(body);
      else {
        req.pipe(upstreamReq, { end: false });
        req.once("end", () => {
          const trailers = upstreamTrailers(req, extra.csrfHeader);
          if (trailers.length > 0 && extra.chunked) upstreamReq.addTrailers(trailers);
          upstreamReq.end();
        });
        req.once("error", () => upstreamReq.destroy());
      }
    });
  }

  function relay(req: IncomingMessage, res: ServerResponse, upstreamRes: IncomingMessage, method: string, sentTokens: readonly string[]): void {
    const streamed = upstreamRes.headers["content-length"] === undefined && method !== "HEAD" && req.httpVersionMajor >= 1 && req.httpVersion !== "1.0";
    res.writeHead(upstreamRes.statusCode ?? 502, browserResponseHeaders(upstreamRes, options, streamed, sentTokens));
    upstreamRes.pipe(res, { end: false });
    upstreamRes.once("end", () => {
      const trailers = browserTrailers(upstreamRes, sentTokens);
      if (trailers.length > 0 && streamed) res.addTrailers(trailers);
      res.end();
    });
    upstreamRes.once("error", () => res.destroy());
    upstreamRes.once("aborted", () => res.destroy());
    res.once("close", () => {
      if (!upstreamRes.complete) upstreamRes.destroy();
    });
  }

  /** A token a forced refresh produced and the upstream refused again at once: the upstream's fault, not the token's. */
  function quiet(id: string, token: string): boolean {
    const entry = forced.get(id);
    return entry !== undefined && entry.token === token && Date.now() - entry.at < FORCED_REFRESH_QUIET_MS;
  }

  function remember(id: string, token: string): void {
    forced.delete(id);
    if (forced.size >= MAX_FORCED_ENTRIES) forced.delete(forced.keys().next().value!);
    forced.set(id, { token, at: Date.now() });
  }

  return {
    forward(req, res, target) {
      const resolved = resolveTarget(target, options.upstreams);
      if (resolved === undefined) return false;
      if ("status" in resolved) {
        context.emit({ type: "refused", reason: "proxy_target" });
        answer(res, json(resolved.status, { error: resolved.status === 400 ? "invalid_request" : "not_found", error_description: "This path is not forwarded" }));
        return true;
      }
      run(req, res, resolved.upstream, resolved.url).catch((err: unknown) => {
        // The session store failed: a server fault, never a sign-out.
        if (res.headersSent) return void res.destroy();
        const kind = classifyFailure(context, err, "refresh");
        answer(res, kind.status === 500 ? json(500, { error: "server_error" }) : unavailable(kind.retryAfter));
      });
      return true;
    },
    close() {
      for (const agent of agents.values()) agent.destroy();
    },
  };
}

/** An upstream's 401 for the token (RFC 6750 invalid_token), not for missing credentials. */
function refusesToken(response: IncomingMessage): boolean {
  if (response.statusCode !== 401) return false;
  const challenge = [response.headers["www-authenticate"] ?? []].flat().join(", ");
  return /\berror="?invalid_token"?/i.test(challenge);
}

function contentLength(req: IncomingMessage): number | undefined {
  const value = req.headers["content-length"];
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

function readAll(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > length) return reject(new Error("more body than Content-Length"));
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", reject);
    req.once("aborted", () => reject(new Error("aborted")));
  });
}
