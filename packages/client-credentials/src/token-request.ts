// One POST to Cognito's token endpoint (grant_type=client_credentials, the
// secret by HTTP Basic), turned into a token or a classified failure: whether
// retrying can help, and how long the endpoint asked us to wait.
import { ClientCredentialsError, oauthError, type OAuthErrorCode } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/** An access token and when it stops being usable, by this machine's clock. */
export interface Token {
  readonly accessToken: string;
  /** ms since the epoch: when the token was asked for (so the lifetime errs short). */
  readonly issuedAt: number;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

/** A failed attempt: the error to surface if it is the last, and whether another attempt may succeed. */
export class AttemptFailure {
  constructor(
    readonly error: ClientCredentialsError,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
  ) {}
}

const OAUTH_CODES = new Set<string>(["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"]);
const MAX_RESPONSE_CHARS = 64 * 1024;

/** The Authorization header of client_secret_basic: both parts form-encoded first (RFC 6749 §2.3.1). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}

export async function requestToken(options: ResolvedOptions, authorization: string): Promise<Token> {
  const { tokenEndpoint, clientId, scopes, timeoutMs } = options;
  const endpoint = new URL(tokenEndpoint).host;
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId });
  if (scopes.length > 0) form.set("scope", scopes.join(" "));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const issuedAt = Date.now();
  const unavailable = (message: string, status?: number, cause?: unknown) =>
    new ClientCredentialsError("temporarily_unavailable", `cognito-bearer: no token from ${endpoint} for client "${clientId}": ${message}`, status, 1, { cause });
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", authorization },
      body: form,
      signal: controller.signal,
      redirect: "error",
    });
    text = await response.text();
  } catch (err) {
    const timedOut = controller.signal.aborted;
    throw new AttemptFailure(unavailable(timedOut ? `no answer within ${timeoutMs} ms` : "the request failed (network error)", undefined, timedOut ? undefined : err), true);
  } finally {
    clearTimeout(timer);
  }
  const { status } = response;
  const body = parseJson(text.slice(0, MAX_RESPONSE_CHARS));
  if (status === 429 || status >= 500) {
    throw new AttemptFailure(unavailable(`HTTP ${status}`, status), true, retryAfterSeconds(response.headers.get("retry-after")));
  }
  const error = typeof body?.error === "string" ? body.error : undefined;
  if (status >= 400 && error !== undefined && OAUTH_CODES.has(error)) {
    throw new AttemptFailure(oauthError(error as OAuthErrorCode, status, clientId, endpoint), false);
  }
  if (status !== 200) {
    const message = `cognito-bearer: ${endpoint} answered HTTP ${status} to client "${clientId}" (is the domain right?)`;
    throw new AttemptFailure(new ClientCredentialsError("unexpected_status", message, status, 1), false);
  }
  const accessToken = body?.access_token;
  const expiresIn = body?.expires_in;
  if (typeof accessToken !== "string" || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(accessToken) || typeof expiresIn !== "number" || !(expiresIn > 0)) {
    const message = `cognito-bearer: ${endpoint} answered 200 without a token response (HTML from a proxy, or malformed JSON) for client "${clientId}"`;
    throw new AttemptFailure(new ClientCredentialsError("invalid_response", message, status, 1), true);
  }
  return { accessToken, issuedAt, expiresAt: issuedAt + expiresIn * 1000 };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
