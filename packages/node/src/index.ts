// Plain node:http: request in, core call, response out. Every decision about a
// token is made by the core verifier; this file only moves the Authorization
// header in and writes core's answer out, and keeps a failing handler from
// taking the process down.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import {
  errorResponse,
  isAuthError,
  isVerifier,
  toAuthError,
  type CognitoAuth,
  type Verifier,
  type VerifierOptions,
} from "@cognito-bearer/core";
import { booleanOption, isCorsPreflight, resourceMetadataAnswer } from "@cognito-bearer/core/adapter";
import { resolveAdapter, type WithCognitoAuthOptions } from "./options.js";
import { rawAuthorization } from "./raw-headers.js";

export type { WithCognitoAuthOptions } from "./options.js";
export { AuthError, createVerifier, isAuthError, isCorsPreflight, OptionsError, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser } from "@cognito-bearer/core";
export type { AuthCheck, AuthLevel, CognitoAuth, CognitoUserAuth, CognitoClientAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/** Anything shaped like an IncomingMessage: only `headers` (and `method`, for preflights) are read. */
export interface RequestLike {
  readonly method?: string | undefined;
  readonly headers: IncomingHttpHeaders | Readonly<Record<string, string | string[] | undefined>>;
}

/** A request handler; it may return a promise (async), whose rejection is handled like a throw. Its value is ignored. */
export type AuthenticatedHandler = (req: IncomingMessage, res: ServerResponse, auth: CognitoAuth) => unknown;
/** A request handler that may be called without auth: CORS preflights (by default) and anonymous requests (`optional`). */
export type MaybeAuthenticatedHandler = (req: IncomingMessage, res: ServerResponse, auth: CognitoAuth | undefined) => unknown;

/** The request listener returned by withCognitoAuth(), with the verifier it uses (for `warmup()`, `stats()`, `close()`). */
export type CognitoRequestListener = ((req: IncomingMessage, res: ServerResponse) => void) & { readonly verifier: Verifier };

/**
 * A request listener for `http.createServer` that authenticates every request
 * and calls `handler(req, res, auth)`, or answers 400/401/403/503 per RFC 6750.
 *
 * `auth` is undefined for CORS preflights (allowed by default) and, with
 * `optional: true`, for requests without credentials; it is always set with
 * `{ allowPreflight: false }` and without `optional`.
 *
 * A handler that throws or rejects gets a 500 with a generic body (an AuthError,
 * e.g. from `requireScopes(...)(auth)`, gets its own answer instead); the error
 * goes to `onError`, never to the client.
 */
export function withCognitoAuth(
  options: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  handler: AuthenticatedHandler,
  adapterOptions: WithCognitoAuthOptions & { optional?: false | undefined; allowPreflight: false },
): CognitoRequestListener;
export function withCognitoAuth(
  options: VerifierOptions & WithCognitoAuthOptions & { optional?: false | undefined; allowPreflight: false },
  handler: AuthenticatedHandler,
  adapterOptions?: WithCognitoAuthOptions & { optional?: false | undefined; allowPreflight?: false | undefined },
): CognitoRequestListener;
export function withCognitoAuth(
  options: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  handler: MaybeAuthenticatedHandler,
  adapterOptions?: WithCognitoAuthOptions,
): CognitoRequestListener;
export function withCognitoAuth(
  options: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  handler: AuthenticatedHandler | MaybeAuthenticatedHandler,
  adapterOptions?: WithCognitoAuthOptions,
): CognitoRequestListener {
  if (typeof handler !== "function") throw new TypeError("cognito-bearer: withCognitoAuth(options, handler) needs a handler function");
  const { verifier, optional, allowPreflight, onError } = resolveAdapter(options, adapterOptions);
  // The overloads above tie the type of `auth` to the options; at run time it is one handler.
  const serve = handler as MaybeAuthenticatedHandler;

  function cognitoAuthListener(req: IncomingMessage, res: ServerResponse): void {
    const metadata = resourceMetadataAnswer(verifier, req.method, req.url);
    if (metadata !== undefined) return writeJson(res, metadata.status, metadata.headers, metadata.body);
    // `req.method` first: reading `req.headers` makes Node build them (see raw-headers.ts).
    if (allowPreflight && req.method === "OPTIONS" && isCorsPreflight(req.method, req.headers)) {
      return runHandler(serve, req, res, undefined, onError);
    }
    const result = verifier.authenticate(rawAuthorization(req.rawHeaders), optional, req.rawHeaders);
    if (result instanceof Promise) {
      result.then(
        (auth) => runHandler(serve, req, res, auth, onError),
        (err: unknown) => sendAuthError(res, toAuthError(err, verifier.realm)),
      );
      return;
    }
    // A verified-token cache hit (or an anonymous request): the handler runs now.
    runHandler(serve, req, res, result, onError);
  }
  return Object.defineProperty(cognitoAuthListener, "verifier", { value: verifier, enumerable: true }) as CognitoRequestListener;
}

/**
 * Authenticate a request's Authorization header: resolves to the auth object
 * (or undefined for a request without credentials, with `optional: true`);
 * rejects with an AuthError, which `sendAuthError(res, err)` answers.
 * CORS preflights are not special here: check `isCorsPreflight(req.method, req.headers)` first if you need to.
 */
export function authenticate(req: RequestLike, verifier: Verifier, options?: { optional?: false | undefined }): Promise<CognitoAuth>;
export function authenticate(req: RequestLike, verifier: Verifier, options?: { optional?: boolean | undefined }): Promise<CognitoAuth | undefined>;
export function authenticate(req: RequestLike, verifier: Verifier, options?: { optional?: boolean | undefined }): Promise<CognitoAuth | undefined> {
  if (!isVerifier(verifier)) throw new TypeError("cognito-bearer: authenticate(req, verifier) needs a verifier made by createVerifier()");
  const optional = booleanOption("optional", options?.optional, false);
  try {
    return Promise.resolve(verifier.authenticate(req?.headers?.authorization, optional, req?.headers));
  } catch (err) {
    return Promise.reject(toAuthError(err, verifier.realm));
  }
}

const INTERNAL_ERROR_BODY = JSON.stringify({ error: "server_error", error_description: "The server could not complete the request" });
const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

/**
 * Answer an AuthError: status, `WWW-Authenticate` / `Retry-After`, and the JSON
 * body, as every adapter does. Takes what a `catch` gives: anything that is not
 * an AuthError is a server fault and gets the generic 500, never a 401.
 */
export function sendAuthError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    // Too late to answer: cut the response rather than let a truncated one look complete.
    res.destroy();
    return;
  }
  if (!isAuthError(err)) return writeJson(res, 500, JSON_HEADERS, INTERNAL_ERROR_BODY);
  const { status, headers, body } = errorResponse(err);
  writeJson(res, status, headers, body);
}

function runHandler(
  handler: MaybeAuthenticatedHandler,
  req: IncomingMessage,
  res: ServerResponse,
  auth: CognitoAuth | undefined,
  onError: (error: unknown, req: IncomingMessage) => void,
): void {
  let returned: unknown;
  try {
    returned = handler(req, res, auth);
  } catch (err) {
    return handlerFailed(req, res, err, onError);
  }
  if (typeof (returned as PromiseLike<unknown> | undefined)?.then === "function") {
    (returned as PromiseLike<unknown>).then(undefined, (err: unknown) => handlerFailed(req, res, err, onError));
  }
}

function handlerFailed(req: IncomingMessage, res: ServerResponse, err: unknown, onError: (error: unknown, req: IncomingMessage) => void): void {
  // A refusal raised by the handler (e.g. a requireScopes check) is an answer, not a failure.
  if (isAuthError(err)) return sendAuthError(res, err);
  try {
    onError(err, req);
  } catch {
    // A failing error reporter must not take the server down either.
  }
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  writeJson(res, 500, JSON_HEADERS, INTERNAL_ERROR_BODY);
}

function writeJson(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
