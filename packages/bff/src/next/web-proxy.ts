// Proxy mode for web-standard runtimes (Next.js route handlers): a Request in,
// a Response out, the upstream called with fetch. The same rules as the
// node:http proxy (proxy/forward.ts), from the same modules: the allowlist
// (proxy/target.ts), the checks, the session's token and the one refresh after
// an upstream's 401 invalid_token (proxy/access.ts), the headers kept and
// dropped (proxy/headers.ts).
//
// Bodies stream both ways: the browser's body is handed to fetch as a stream
// (`duplex: "half"`), the upstream's body to the Response as one. Only a small
// body with a Content-Length (at most `replayBodyBytes`) is read first, so that
// it can be sent again after a refresh.
//
// What a web Request cannot give: the peer's address (X-Forwarded-For is the
// trusted proxy's with trustProxy, and absent without it), and trailers (fetch
// has none: neither request nor response trailers are passed on).
import type { HandlerContext } from "../context.js";
import { json, type TokenHandlerResponse } from "../http.js";
import { createProxyAccess, refusesToken, SAFE_METHODS, UNREACHABLE } from "../proxy/access.js";
import { forwardedValues, requestPairs, responsePairs } from "../proxy/headers.js";
import type { ResolvedProxyOptions, Upstream } from "../proxy/options.js";
import { resolveTarget } from "../proxy/target.js";
import { toHandlerRequest, toResponse } from "./web.js";

export type WebProxy = (request: Request) => Promise<Response>;

/** Statuses whose answer has no body (a Response with one would throw). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Codings fetch decodes by itself: the body relayed is then plain, and its framing headers no longer true. */
const DECODED = new Set(["gzip", "x-gzip", "deflate", "br"]);

type Body = { kind: "buffered"; bytes: Uint8Array } | { kind: "streamed"; stream: ReadableStream<Uint8Array>; length: number | undefined };

export function createWebProxy(context: HandlerContext, options: ResolvedProxyOptions | undefined): WebProxy {
  const notForwarded = () => toResponse(json(404, { error: "not_found", error_description: "This path is not forwarded" }));
  if (options === undefined) return async () => notForwarded();
  const access = createProxyAccess(context);

  return async function proxy(request) {
    const handlerRequest = toHandlerRequest(request);
    const resolved = resolveTarget(handlerRequest.url, options.upstreams);
    if (resolved === undefined) return notForwarded();
    if ("status" in resolved) return toResponse(access.refusedTarget(resolved));
    const { method } = handlerRequest;
    try {
      const opened = await access.open(handlerRequest);
      if (opened.kind === "answer") return toResponse(opened.answer);
      const body = await readBody(request, method, options.replayBodyBytes);
      if ("status" in body) return toResponse(body);
      const { id, session } = opened;
      const send = (token: string) => callUpstream(request, handlerRequest.headers.host!, resolved.upstream, resolved.url, method, body, token);

      const sentTokens = [session.accessToken];
      let outcome = await send(session.accessToken);
      if (outcome.kind === "response" && refusesToken(outcome.response.status, outcome.response.headers.get("www-authenticate") ?? "")) {
        const next = await access.afterRefusal(id, session, body.kind !== "streamed");
        if (next.kind === "answer" || next.token !== undefined) {
          outcome.done();
          await outcome.response.body?.cancel().catch(() => undefined);
        }
        if (next.kind === "answer") return toResponse(next.answer);
        if (next.token !== undefined) {
          sentTokens.push(next.token);
          outcome = await send(next.token);
        }
      }
      if (outcome.kind === "failed") {
        // The browser went away: nobody reads the answer, and it is no upstream outage.
        if (request.signal.aborted) return new Response(null, { status: 499 });
        return toResponse(access.upstreamFailed(resolved.upstream.prefix, outcome.detail, outcome.unreachable));
      }
      return relay(outcome, method, sentTokens);
    } catch (err) {
      // The session store failed: a server fault, never a sign-out.
      return toResponse(access.storeFailed(err));
    }
  };

  type Sent = { kind: "response"; response: globalThis.Response; guard: IdleGuard; done(): void } | { kind: "failed"; unreachable: boolean; detail: string };

  async function callUpstream(request: Request, host: string, upstream: Upstream, url: URL, method: string, body: Body, token: string): Promise<Sent> {
    const headers = new Headers();
    for (const [name, value] of requestPairs(request.headers, request.headers.get("connection"), context.o.csrfHeader.name)) headers.append(name, value);
    const incoming = (name: string) => request.headers.get(name) ?? undefined;
    const forwarded = forwardedValues(
      {
        peer: undefined,
        // Not request.url's: Next builds that from the client's own X-Forwarded-Proto. The app's configured origin is ours.
        ownProto: new URL(context.o.appOrigin).protocol === "https:" ? "https" : "http",
        host,
        incoming: { for: incoming("x-forwarded-for"), proto: incoming("x-forwarded-proto"), host: incoming("x-forwarded-host") },
      },
      options!.trustProxy,
    );
    for (const [name, value] of Object.entries(forwarded)) headers.set(name, value);
    // fetch would decode a compressed answer and leave its headers: ask for none (it is decoded anyway if one comes).
    headers.set("accept-encoding", "identity");
    headers.set("authorization", `Bearer ${token}`);
    if (body.kind === "buffered" && (body.bytes.length > 0 || !SAFE_METHODS.has(method))) headers.set("content-length", String(body.bytes.length));
    if (body.kind === "streamed" && body.length !== undefined) headers.set("content-length", String(body.length));

    const guard = new IdleGuard(options!.timeoutMs, request.signal);
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body.kind === "buffered" ? (SAFE_METHODS.has(method) && body.bytes.length === 0 ? null : body.bytes) : body.kind === "streamed" ? body.stream : null,
        // A streamed request body: Node's fetch sends it half-duplex, and must be told so.
        duplex: "half",
        redirect: "manual",
        // Next.js's fetch would otherwise consider caching a GET: an answer for one session is for no one else.
        ...({ cache: "no-store" } as RequestInit),
        signal: guard.signal,
      });
      guard.answered();
      return { kind: "response", response, guard, done: () => guard.stop() };
    } catch (err) {
      guard.stop();
      const timedOut = guard.timedOut;
      const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
      const detail = timedOut ? `no answer within ${options!.timeoutMs} ms` : typeof code === "string" ? code : err instanceof Error ? err.message : String(err);
      return { kind: "failed", unreachable: !timedOut && typeof code === "string" && UNREACHABLE.has(code), detail: `${upstream.origin}: ${detail}` };
    }
  }

  function relay(sent: Extract<Sent, { kind: "response" }>, method: string, sentTokens: readonly string[]): Response {
    const { response, guard } = sent;
    const pairs = responsePairs(response.headers, response.headers.get("connection"), options!, false, sentTokens);
    const headers = new Headers();
    const codings = (response.headers.get("content-encoding") ?? "").split(",").map((coding) => coding.trim().toLowerCase()).filter(Boolean);
    const decoded = codings.length > 0 && codings.every((coding) => DECODED.has(coding));
    for (const [name, value] of pairs) {
      if (decoded && /^content-(encoding|length)$/i.test(name)) continue;
      headers.append(name, value);
    }
    if (method === "HEAD" || NULL_BODY.has(response.status) || response.body === null) {
      guard.stop();
      void response.body?.cancel().catch(() => undefined);
      return new Response(null, { status: response.status, headers });
    }
    return new Response(response.body.pipeThrough(guard.watch()), { status: response.status, headers });
  }
}

/** The browser's body: none, read (small, with a Content-Length: replayable), or a stream; or a 400 answer. */
async function readBody(request: Request, method: string, replayBodyBytes: number): Promise<Body | TokenHandlerResponse> {
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^\d{1,15}$/.test(declared) ? Number(declared) : undefined;
  if (declared !== null && length === undefined) return json(400, { error: "invalid_request", error_description: "Invalid Content-Length" });
  if (request.body === null || length === 0 || method === "GET" || method === "HEAD") return { kind: "buffered", bytes: new Uint8Array(0) };
  if (length !== undefined && length <= replayBodyBytes) {
    // The browser may go away while it sends: a 400 that no one reads, not a store fault.
    const bytes = await request.arrayBuffer().then((buffer) => new Uint8Array(buffer), () => undefined);
    if (bytes === undefined) return json(400, { error: "invalid_request", error_description: "The body could not be read" });
    if (bytes.length !== length) return json(400, { error: "invalid_request", error_description: "The body does not match its Content-Length" });
    return { kind: "buffered", bytes };
  }
  return { kind: "streamed", stream: request.body, length };
}

/**
 * The proxy's timeout: a deadline for the upstream's answer head, then the longest silence while its body streams.
 * Aborts the upstream call when it passes, or when the browser goes away (the request's signal).
 */
class IdleGuard {
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  readonly #onBrowserGone = () => this.#abort(new Error("the browser went away"));

  constructor(
    private readonly timeoutMs: number,
    private readonly browser: AbortSignal,
  ) {
    if (browser.aborted) this.#onBrowserGone();
    else browser.addEventListener("abort", this.#onBrowserGone, { once: true });
    this.#arm();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** The answer's head arrived: from now on, the silence between body chunks is timed. */
  answered(): void {
    this.#arm();
  }

  /** A pass-through for the answer's body that rearms the timer at each chunk and stops it at the end. */
  watch(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream({
      transform: (chunk, controller) => {
        this.#arm();
        controller.enqueue(chunk);
      },
      flush: () => this.stop(),
    });
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.browser.removeEventListener("abort", this.#onBrowserGone);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#abort(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { name: "TimeoutError" }));
    }, this.timeoutMs);
    // The fetch it guards keeps the process alive while it runs; the timer itself need not.
    this.#timer.unref?.();
  }

  #abort(reason: Error): void {
    this.stop();
    this.#controller.abort(reason);
  }
}
