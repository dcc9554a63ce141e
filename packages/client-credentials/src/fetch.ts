// fetch with the source's token: `Authorization: Bearer <token>` on every
// request, and one retry with a new token when the API answers 401
// invalid_token (the token was revoked, or the API's clock or keys disagree),
// for requests whose body can be sent again. Without a token the request is
// never sent: the source's error rejects the call.
import type { ClientCredentialsSource } from "./token-source.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** `fetch`, authenticated as the machine client of `source`. */
export function clientCredentialsFetch(source: ClientCredentialsSource, fetchImpl: FetchLike = globalThis.fetch): FetchLike {
  if (typeof source?.getToken !== "function" || typeof source.refresh !== "function") {
    throw new TypeError("cognito-bearer: clientCredentialsFetch(source) takes the source of createClientCredentials()");
  }
  return async function authenticatedFetch(input, init) {
    const token = await source.getToken();
    const replayable = canReplay(input, init);
    const first = await fetchImpl(withBearer(input, init, token));
    if (first.status !== 401 || !replayable || !isInvalidToken(first)) return first;
    const fresh = await source.refresh(token);
    // The first answer is dropped: release its connection.
    await first.body?.cancel().catch(() => undefined);
    return fetchImpl(withBearer(input, init, fresh));
  };
}

/** A Request with the caller's headers and ours, built anew from the caller's arguments for each attempt. */
function withBearer(input: string | URL | Request, init: RequestInit | undefined, token: string): Request {
  const request = new Request(input, init);
  request.headers.set("authorization", `Bearer ${token}`);
  return request;
}

/** The API refused the token itself (RFC 6750 invalid_token), not the caller's rights (403) or request. */
function isInvalidToken(response: Response): boolean {
  return /\berror="invalid_token"/.test(response.headers.get("www-authenticate") ?? "");
}

/** Whether the request's body, if any, can be sent a second time: not a stream, not a Request already carrying one. */
function canReplay(input: string | URL | Request, init: RequestInit | undefined): boolean {
  const body = init?.body;
  if (body instanceof ReadableStream) return false;
  if (body === undefined || body === null) return !(input instanceof Request && input.body !== null);
  return true;
}
