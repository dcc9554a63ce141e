// Fastify 4 and 5: request in, core call, reply out. Every decision about a
// token is made by the core verifier; this plugin only moves the
// Authorization header in (an onRequest hook) and writes core's answer out.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";
import fp from "fastify-plugin";
import {
  errorResponse,
  requireAuthLevel as authLevelCheck,
  requireClient as clientCheck,
  requireGroups as groupsCheck,
  requireScopes as scopesCheck,
  requireUser as userCheck,
  toAuthError,
  type AuthCheck,
  type AuthError,
  type AuthLevel,
  type CognitoAuth,
  type Requirement,
  type Verifier,
  type VerifierOptions,
} from "@cognito-bearer/core";
import { isCorsPreflight, missingPassageError, passageMark, passagesOf, requirementRefusal, resolveMiddlewareOptions, resourceMetadataAnswer } from "@cognito-bearer/core/adapter";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified access token; undefined for anonymous requests (`optional`) and CORS preflights. */
    auth?: CognitoAuth;
  }
}

export { AuthError, createVerifier, isAuthError, OptionsError } from "@cognito-bearer/core";
export type { AuthLevel, CognitoAuth, CognitoUserAuth, CognitoClientAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/** The plugin's own options. */
export interface CognitoAuthOptions {
  /** Let requests without credentials through anonymously (`request.auth` undefined); bad credentials are still refused. Default false. */
  optional?: boolean | undefined;
  /** Let CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) through unauthenticated. Default true. */
  allowPreflight?: boolean | undefined;
}

/** `app.register(cognitoAuth, { userPoolId, clientId, ... })`, or `{ verifier, ... }` to share a verifier. */
export type CognitoAuthPluginOptions = ((VerifierOptions & CognitoAuthOptions) | ({ verifier: Verifier } & CognitoAuthOptions)) & {
  /** Fastify's own register options, passed through to every plugin. */
  prefix?: string | undefined;
};

/** cognitoAuth marks each request it lets through, for requireScopes() and requireGroups() after it (core's passage.ts). */
const PASSAGE = passageMark("fastify");
/** Options Fastify itself passes to a plugin. */
const FASTIFY_KEYS = ["prefix", "logLevel", "logSerializers"];

const plugin: FastifyPluginCallback<CognitoAuthPluginOptions> = (fastify, pluginOptions, done) => {
  const given: Record<string, unknown> = { ...pluginOptions };
  for (const key of FASTIFY_KEYS) delete given[key];
  const { verifier: shared, ...rest } = given as { verifier?: Verifier } & Record<string, unknown>;
  const input = shared ?? (rest as unknown as VerifierOptions);
  const adapterOptions = shared ? (rest as CognitoAuthOptions) : undefined;
  let resolved: ReturnType<typeof resolveMiddlewareOptions>;
  try {
    resolved = resolveMiddlewareOptions(input, adapterOptions);
  } catch (err) {
    // A misconfiguration fails registration: app.register() / app.ready() reject with the OptionsError.
    return done(err as Error);
  }
  const { verifier, optional, allowPreflight } = resolved;
  const { authenticated, preflight } = passagesOf(verifier.realm, false, verifier.resourceMetadata?.url);

  fastify.decorateRequest("auth", undefined);
  fastify.addHook("onRequest", (request, reply, next) => {
    const metadata = resourceMetadataAnswer(verifier, request.method, request.url);
    if (metadata !== undefined) {
      reply.code(metadata.status).headers(metadata.headers).send(metadata.body);
      return;
    }
    if (allowPreflight && isCorsPreflight(request.method, request.headers)) {
      PASSAGE.set(request, preflight);
      return next();
    }
    PASSAGE.set(request, authenticated);
    const result = verifier.authenticate(request.headers.authorization, optional, request.headers);
    if (result === undefined) return next();
    if (result instanceof Promise) {
      result.then(
        (auth) => {
          if (auth !== undefined) request.auth = auth;
          next();
        },
        (err: unknown) => refuse(reply, toAuthError(err, verifier.realm)),
      );
      return;
    }
    // A verified-token cache hit: no promise, the route runs now.
    request.auth = result;
    next();
  });
  // Fastify runs no hook for a request that matches no route: give the metadata document (RFC 9728) one.
  // The onRequest hook above answers it before the handler; the handler is there for the route to exist.
  const metadataPath = verifier.resourceMetadata?.path;
  if (metadataPath !== undefined && !fastify.hasRoute({ method: "GET", url: metadataPath })) {
    fastify.get(metadataPath, (request, reply) => {
      const metadata = resourceMetadataAnswer(verifier, "GET", metadataPath)!;
      reply.code(metadata.status).headers(metadata.headers).send(metadata.body);
    });
  }
  if (!fastify.hasDecorator("cognitoVerifier")) fastify.decorate("cognitoVerifier", verifier);
  done();
};

/** The plugin (fastify-plugin: it applies to the context it is registered in and its children). */
export const cognitoAuth = fp(plugin, { fastify: "4.x || 5.x", name: "@cognito-bearer/fastify" });

/**
 * Require scopes of the token, as a route preHandler: all listed by default
 * (`requireScopes("a", "b")`), or one of them (`{ anyOf: [...] }`).
 */
export function requireScopes(...scopes: [Requirement] | string[]): preHandlerHookHandler {
  return requirementHandler(scopesCheck(...scopes));
}

/** Require groups of the user, as a route preHandler: any listed by default, or all of them (`{ allOf: [...] }`). */
export function requireGroups(...groups: [Requirement] | string[]): preHandlerHookHandler {
  return requirementHandler(groupsCheck(...groups));
}

/** Require a signed-in user's token, not a machine client's (403 `insufficient_scope` otherwise). */
export function requireUser(): preHandlerHookHandler {
  return requirementHandler(userCheck());
}

/** Require a machine client's token (client-credentials), optionally of these app clients (403 `insufficient_scope` otherwise). */
export function requireClient(...ids: [readonly string[]] | string[]): preHandlerHookHandler {
  return requirementHandler(clientCheck(...ids));
}

/**
 * Step-up (RFC 9470): require a sign-in of one of the `acr` classes and/or at most
 * `maxAge` seconds old; otherwise 401 `insufficient_user_authentication` with
 * `acr_values` / `max_age` in the challenge.
 */
export function requireAuthLevel(level: AuthLevel): preHandlerHookHandler {
  return requirementHandler(authLevelCheck(level));
}

/** The auth of a request cognitoAuth (not `optional`) let through, typed without a non-null assertion; throws when there is none. */
export function authOf(request: FastifyRequest): CognitoAuth {
  if (request.auth === undefined) throw new Error("cognito-bearer: authOf(request) found no auth: the route must run after cognitoAuth (without optional)");
  return request.auth;
}

function requirementHandler(check: AuthCheck): preHandlerHookHandler {
  return function cognitoRequirement(this: unknown, request: FastifyRequest, reply: FastifyReply, next: (err?: Error) => void): void {
    const passage = PASSAGE.get(request);
    if (passage === undefined) return next(missingPassageError());
    const refusal = requirementRefusal(check, passage, request.auth);
    if (refusal === undefined) return next();
    refuse(reply, refusal);
  } as preHandlerHookHandler;
}

function refuse(reply: FastifyReply, error: AuthError): void {
  const { status, headers, body } = errorResponse(error);
  reply.code(status).headers(headers).send(body);
}
