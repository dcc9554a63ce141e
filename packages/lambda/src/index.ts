// AWS Lambda behind API Gateway: proxy handlers (HTTP API v2 and REST v1
// events), Lambda authorizers (REST TOKEN and REQUEST, HTTP API simple
// responses), and claims an API Gateway JWT authorizer already verified.
// Every decision about a token is made by core; this file only translates
// API Gateway's shapes. Declare the verifier outside the handler, so warm
// invocations share its JWKS and verified-token caches.
import {
  AuthError,
  errorResponse,
  isAuthError,
  requireGroups,
  requireScopes,
  toAuthError,
  type CognitoAuth,
  type Requirement,
  type Verifier,
  type VerifierOptions,
} from "@cognito-bearer/core";
import { booleanOption, isCorsPreflight, preflightRefusal, resolveAdapterInput, resourceMetadataAnswer } from "@cognito-bearer/core/adapter";

export { AuthError, createVerifier, isAuthError, OptionsError, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser } from "@cognito-bearer/core";
export type { AuthLevel, CognitoAuth, CognitoUserAuth, CognitoClientAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/** The parts of an API Gateway proxy event (REST v1 or HTTP API v2) read here. */
export interface ProxyEvent {
  version?: string | undefined;
  httpMethod?: string | undefined;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  requestContext?: { http?: { method?: string | undefined } | undefined } | undefined;
  /** HTTP API (payload 2.0): the request path. */
  rawPath?: string | undefined;
  /** REST API (payload 1.0): the request path. */
  path?: string | undefined;
}

/** A proxy result, as both payload versions accept it. */
export interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean> | undefined;
  body?: string | undefined;
  isBase64Encoded?: boolean;
  [key: string]: unknown;
}

type Input = (VerifierOptions & { optional?: boolean | undefined; allowPreflight?: boolean | undefined }) | readonly VerifierOptions[] | Verifier;

/**
 * Wraps a proxy handler: it runs with the verified auth as its third argument,
 * or the request is answered 400/401/403/503 as the contract says (API
 * Gateway passes a proxy integration's status and headers through, so a
 * JWKS outage really is a 503 here). An AuthError the handler throws (e.g.
 * `requireScopes(...)(auth)`) is answered too. A CORS preflight reaches the
 * handler with `auth` undefined (allowPreflight, the default), for its CORS
 * answer; a requirement check on it is answered 204, never 401.
 */
export function withCognitoAuth<E extends ProxyEvent, C>(
  options: Input,
  handler: (event: E, context: C, auth: CognitoAuth | undefined) => Promise<ProxyResult> | ProxyResult,
  adapterOptions?: { optional?: boolean | undefined; allowPreflight?: boolean | undefined },
): ((event: E, context: C) => Promise<ProxyResult>) & { readonly verifier: Verifier } {
  const { verifier, options: resolved } = resolveAdapterInput(options, adapterOptions, ["optional", "allowPreflight"]);
  const optional = booleanOption("optional", resolved.optional, false);
  const allowPreflight = booleanOption("allowPreflight", resolved.allowPreflight, true);
  async function cognitoAuthHandler(event: E, context: C): Promise<ProxyResult> {
    let auth: CognitoAuth | undefined;
    const method = event.requestContext?.http?.method ?? event.httpMethod;
    const metadata = resourceMetadataAnswer(verifier, method, event.rawPath ?? event.path);
    if (metadata !== undefined) return { statusCode: metadata.status, headers: metadata.headers, body: metadata.body };
    const preflight = allowPreflight && isCorsPreflight(method, { "access-control-request-method": header(event, "access-control-request-method") });
    if (!preflight) {
      try {
        auth = await verifier.authenticate(authorizationOf(event), optional, event.headers ?? event.multiValueHeaders ?? undefined);
      } catch (err) {
        return authErrorResult(toAuthError(err, verifier.realm));
      }
    }
    try {
      return await handler(event, context, auth);
    } catch (err) {
      if (!isAuthError(err)) throw err;
      const refusal = preflight ? preflightRefusal(err) : err;
      return refusal === undefined ? { statusCode: 204 } : authErrorResult(refusal);
    }
  }
  return Object.defineProperty(cognitoAuthHandler, "verifier", { value: verifier, enumerable: true }) as typeof cognitoAuthHandler & { readonly verifier: Verifier };
}

/** The contract's answer to an AuthError as a proxy result. */
export function authErrorResult(err: AuthError): ProxyResult {
  const { status, headers, body } = errorResponse(err);
  return { statusCode: status, headers, body };
}

/** A REST API authorizer's IAM policy answer. */
export interface AuthorizerPolicy {
  principalId: string;
  policyDocument: { Version: "2012-10-17"; Statement: { Action: "execute-api:Invoke"; Effect: "Allow" | "Deny"; Resource: string }[] };
  context?: Record<string, string>;
}

/**
 * A REST API TOKEN authorizer (identity source: the Authorization header).
 * A valid token: an Allow policy for the whole stage (`…/stage/*`), so the
 * answer API Gateway caches for the token serves every route; the verified
 * claims in `context` (strings only, as API Gateway requires). A token
 * lacking a scope or group: a Deny policy (API Gateway answers 403). Any other
 * refusal: the "Unauthorized" error, which API Gateway turns into 401. An
 * authorizer cannot answer 503: when the signing keys cannot be fetched it
 * fails, and API Gateway answers 500 (never 401, so clients do not sign out).
 */
export function tokenAuthorizer(options: Input): ((event: { type?: string; authorizationToken?: string; methodArn: string }) => Promise<AuthorizerPolicy>) & { readonly verifier: Verifier } {
  return authorizer(options, (event: { authorizationToken?: string; methodArn: string }) => ({ authorization: event.authorizationToken, methodArn: event.methodArn }));
}

/** A REST API REQUEST authorizer: the same answers as tokenAuthorizer, reading the Authorization header of the request. */
export function requestAuthorizer(options: Input): ((event: ProxyEvent & { methodArn: string }) => Promise<AuthorizerPolicy>) & { readonly verifier: Verifier } {
  return authorizer(options, (event: ProxyEvent & { methodArn: string }) => ({ authorization: authorizationOf(event), methodArn: event.methodArn }));
}

function authorizer<E>(options: Input, read: (event: E) => { authorization: string | string[] | undefined; methodArn: string }) {
  const { verifier } = resolveAdapterInput(options, undefined, []);
  async function cognitoAuthorizer(event: E): Promise<AuthorizerPolicy> {
    const { authorization, methodArn } = read(event);
    let auth: CognitoAuth;
    try {
      auth = (await verifier.authenticate(authorization, false))!;
    } catch (err) {
      const error = toAuthError(err, verifier.realm);
      if (error.status === 403) return policy("Deny", "anonymous", methodArn);
      if (error.status === 503) throw new Error(`cognito-bearer: ${error.message}`);
      throw new Error("Unauthorized");
    }
    return { ...policy("Allow", auth.sub, methodArn), context: flatContext(auth) };
  }
  return Object.defineProperty(cognitoAuthorizer, "verifier", { value: verifier, enumerable: true }) as typeof cognitoAuthorizer & { readonly verifier: Verifier };
}

function policy(effect: "Allow" | "Deny", principalId: string, methodArn: string): AuthorizerPolicy {
  return { principalId, policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: stageWildcard(methodArn) }] } };
}

/** `arn:…:apiId/stage/METHOD/path` → `arn:…:apiId/stage/*`: a cached Allow must not be tied to the first route it was asked for. */
export function stageWildcard(methodArn: string): string {
  const [api, stage] = methodArn.split("/");
  return stage === undefined ? methodArn : `${api}/${stage}/*`;
}

/**
 * An HTTP API (payload 2.0) authorizer with simple responses: `{ isAuthorized,
 * context }`. API Gateway answers 403 for `isAuthorized: false`, whatever the
 * reason (simple responses have no 401), and 500 when the authorizer fails
 * (the signing keys unavailable: never a 401).
 */
export function httpApiAuthorizer(options: Input): ((event: ProxyEvent) => Promise<{ isAuthorized: boolean; context?: Record<string, string> }>) & { readonly verifier: Verifier } {
  const { verifier } = resolveAdapterInput(options, undefined, []);
  async function cognitoHttpApiAuthorizer(event: ProxyEvent) {
    try {
      const auth = (await verifier.authenticate(authorizationOf(event), false))!;
      return { isAuthorized: true, context: flatContext(auth) };
    } catch (err) {
      const error = toAuthError(err, verifier.realm);
      if (error.status === 503) throw new Error(`cognito-bearer: ${error.message}`);
      return { isAuthorized: false };
    }
  }
  return Object.defineProperty(cognitoHttpApiAuthorizer, "verifier", { value: verifier, enumerable: true }) as typeof cognitoHttpApiAuthorizer & { readonly verifier: Verifier };
}

/** The verified claims as API Gateway wants an authorizer's context: strings only. */
export function flatContext(auth: CognitoAuth): Record<string, string> {
  return {
    sub: auth.sub,
    username: auth.username ?? "",
    clientId: auth.clientId,
    scopes: auth.scopes.join(" "),
    groups: auth.groups.join(","),
    issuer: auth.issuer,
  };
}

/** What a JWT authorizer verified, read back: the claims, with scopes and groups as arrays. */
export interface JwtAuthorizerAuth {
  sub: string;
  username: string | undefined;
  clientId: string;
  scopes: string[];
  groups: string[];
  claims: Record<string, string>;
}

/**
 * The claims an API Gateway HTTP API JWT authorizer already verified
 * (`requestContext.authorizer.jwt.claims`), with the scopes and groups checks
 * a JWT authorizer cannot do for groups: throws a 403 AuthError when they are
 * not met, a 401 when the event carries no verified claims. The JWT authorizer
 * checks the signature, `iss`, `exp` and `aud`; configure it with the app
 * client id as audience (Cognito access tokens carry `client_id`, which it checks as `aud`).
 */
export function authFromJwtAuthorizer(event: { requestContext?: object }, requirements: { scopes?: Requirement | undefined; groups?: Requirement | undefined } = {}): JwtAuthorizerAuth {
  const claims = (event.requestContext as undefined | { authorizer?: { jwt?: { claims?: Record<string, string> } } } | undefined)?.authorizer?.jwt?.claims;
  if (claims === undefined || typeof claims.sub !== "string") throw new AuthError("missing_credentials");
  if (claims.token_use !== undefined && claims.token_use !== "access") throw new AuthError("wrong_token_use");
  const auth = {
    sub: claims.sub,
    username: claims.username,
    clientId: claims.client_id,
    scopes: (claims.scope ?? "").split(" ").filter(Boolean),
    // API Gateway flattens arrays into "[a b]".
    groups: String(claims["cognito:groups"] ?? "").replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean),
    claims,
  };
  if (requirements.scopes !== undefined) requireScopes(requirements.scopes)(auth as unknown as CognitoAuth);
  if (requirements.groups !== undefined) requireGroups(requirements.groups)(auth as unknown as CognitoAuth);
  return auth;
}

/** The Authorization header of either payload version (REST v1 keeps the header's case; several values stay several). */
function authorizationOf(event: ProxyEvent): string | string[] | undefined {
  const multi = event.multiValueHeaders;
  if (multi) {
    for (const name of Object.keys(multi)) if (name.toLowerCase() === "authorization" && (multi[name]?.length ?? 0) > 1) return multi[name];
  }
  return header(event, "authorization");
}

function header(event: ProxyEvent, name: string): string | undefined {
  const headers = event.headers;
  if (!headers) return undefined;
  if (headers[name] !== undefined) return headers[name];
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}
