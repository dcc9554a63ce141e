// Web-standard Request and Response to and from the token handler's plain
// values (http.ts): what a Next.js route handler receives and returns.
import type { TokenHandlerRequest, TokenHandlerResponse } from "../http.js";

/** The request target (path and query) of a web Request, as the token handler reads it. */
export function targetOf(request: Request): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

/** A web Request as the token handler's request. Host, when the runtime passes none, is the URL's. */
export function toHandlerRequest(request: Request): TokenHandlerRequest & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  // Headers joins repeated fields with ", " (Cookie with "; "), as node:http does.
  for (const [name, value] of request.headers) headers[name] = value;
  headers.host ??= new URL(request.url).host;
  return { method: request.method.toUpperCase(), url: targetOf(request), headers };
}

/** The token handler's answer as a web Response (each Set-Cookie a field of its own). */
export function toResponse(answer: TokenHandlerResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) for (const item of [value].flat()) headers.append(name, item);
  return new Response(answer.status === 204 || answer.status === 304 ? null : answer.body, { status: answer.status, headers });
}
