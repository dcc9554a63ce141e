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
//   timeout or a broken answer: 502. Never a 401, never a sign-out. After the
//   answer's head is sent, a failure ends the browser's response abruptly.
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { HandlerContext } from "../context.js";
import { json, type TokenHandlerResponse } from "../http.js";
import { send } from "../mounts/send.js";
import { createProxyAccess, refusesToken, SAFE_METHODS, UNREACHABLE } from "./access.js";
import { browserResponseHeaders, browserTrailers, upstreamRequestHeaders, upstreamTrailers } from "./headers.js";
import type { ResolvedProxyOptions, Upstream } from "./options.js";
import { resolveTarget } from "./target.js";

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
  const access = createProxyAccess(context);
  const answer = (res: ServerResponse, response: TokenHandlerResponse) => send(res, response);

  async function run(req: IncomingMessage, res: ServerResponse, upstream: Upstream, url: URL): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const opened = await access.open({ method, url: req.url ?? "/", headers: req.headers });
    if (opened.kind === "answer") return answer(res, opened.answer);
    const { id, session: current } = opened;

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

    let outcome = await attempt(current.accessToken);
    if (outcome.kind === "response" && refusesToken(outcome.response.statusCode ?? 0, [outcome.response.headers["www-authenticate"] ?? []].flat().join(", "))) {
      const refusedResponse = outcome.response;
      const next = await access.afterRefusal(id, current, body !== undefined);
      if (next.kind === "answer") {
        refusedResponse.resume();
        return answer(res, next.answer);
      }
      if (next.token !== undefined) {
        refusedResponse.resume();
        outcome = await attempt(next.token);
      }
    }
    if (outcome.kind === "failed") return answer(res, access.upstreamFailed(upstream.prefix, outcome.detail, outcome.unreachable));
    relay(req, res, outcome.response, method);
  }

  function sendUpstream(
    req: IncomingMessage,
    res: ServerResponse,
    upstream: Upstream,
    url: URL,
    method: string,
    body: Buffer | undefined,
    extra: Parameters<typeof upstreamRequestHeaders>[2],
  ): Promise<{ kind: "response"; response: IncomingMessage } | { kind: "failed"; unreachable: boolean; detail: string }> {
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
      upstreamReq.once("timeout", () => upstreamReq.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: "ETIMEDOUT" })));
      upstreamReq.once("error", (err: NodeJS.ErrnoException) => {
        // Before the upstream's head: an answer for the browser; after it, the relay ends the browser's response.
        if (sent) return;
        sent = true;
        resolve({ kind: "failed", unreachable: UNREACHABLE.has(err.code ?? ""), detail: `${upstream.origin}: ${err.code ?? err.message}` });
      });
      upstreamReq.once("response", (response) => {
        sent = true;
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
          const trailers = upstreamTrailers(req);
          if (trailers.length > 0 && extra.chunked) upstreamReq.addTrailers(trailers);
          upstreamReq.end();
        });
        req.once("error", () => upstreamReq.destroy());
      }
    });
  }

  function relay(req: IncomingMessage, res: ServerResponse, upstreamRes: IncomingMessage, method: string): void {
    const streamed = upstreamRes.headers["content-length"] === undefined && method !== "HEAD" && req.httpVersionMajor >= 1 && req.httpVersion !== "1.0";
    res.writeHead(upstreamRes.statusCode ?? 502, browserResponseHeaders(upstreamRes, options, streamed));
    upstreamRes.pipe(res, { end: false });
    upstreamRes.once("end", () => {
      const trailers = browserTrailers(upstreamRes);
      if (trailers.length > 0 && streamed) res.addTrailers(trailers);
      res.end();
    });
    upstreamRes.once("error", () => res.destroy());
    upstreamRes.once("aborted", () => res.destroy());
    res.once("close", () => {
      if (!upstreamRes.complete) upstreamRes.destroy();
    });
  }

  return {
    forward(req, res, target) {
      const resolved = resolveTarget(target, options.upstreams);
      if (resolved === undefined) return false;
      if ("status" in resolved) {
        answer(res, access.refusedTarget(resolved));
        return true;
      }
      run(req, res, resolved.upstream, resolved.url).catch((err: unknown) => {
        // The session store failed: a server fault, never a sign-out.
        if (res.headersSent) return void res.destroy();
        answer(res, access.storeFailed(err));
      });
      return true;
    },
    close() {
      for (const agent of agents.values()) agent.destroy();
    },
  };
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
