// An option given as `undefined` is an option not given: the option types say
// `?: T | undefined` (for `exactOptionalPropertyTypes` users, who write
// `{ url: process.env.REDIS_URL }`), and the validation at run time agrees.
import http from "node:http";
import { AddressInfo } from "node:net";
import { createVerifier, type VerifierOptions } from "@cognito-bearer/core";
import { resolveMiddlewareOptions } from "@cognito-bearer/core/adapter";
import { createAuthFetch } from "@cognito-bearer/client";
import { withCognitoAuth as withFetchAuth } from "@cognito-bearer/fetch";
import { withCognitoAuth as withLambdaAuth } from "@cognito-bearer/lambda";
import { withCognitoAuth as withNodeAuth } from "@cognito-bearer/node";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { resolveTokenHandlerOptions } from "../packages/bff/src/options";
import { VERIFIER_OPTION_KEYS } from "../packages/core/src/options";
import { compileSamples } from "./support/readme-samples";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

/** `keys` set to undefined over `base`. */
const undefinedOver = <T extends object>(base: T, keys: readonly string[]): T => ({ ...base, ...Object.fromEntries(keys.map((key) => [key, undefined])) });

test("createVerifier: every optional option undefined (nested jwks and cache ones too) verifies as the defaults do", async () => {
  const optional = VERIFIER_OPTION_KEYS.filter((key) => key !== "userPoolId" && key !== "clientId" && key !== "issuer" && key !== "jwksUri");
  const options = undefinedOver(issuer.verifierOptions, optional) as VerifierOptions;
  const verifier = createVerifier(options);
  const nested = createVerifier({
    ...issuer.verifierOptions,
    jwks: { maxAgeSeconds: undefined, timeoutMs: undefined, cooldownSeconds: undefined, maxResponseBytes: undefined },
    cache: { maxEntries: undefined, maxBytes: undefined },
  });
  try {
    expect(optional.length).toBeGreaterThan(10);
    const token = issuer.mintAccessToken({ scopes: ["orders/read"] });
    await expect(verifier.verify(token)).resolves.toMatchObject({ scopes: ["orders/read"] });
    await expect(nested.verify(token)).resolves.toMatchObject({ scopes: ["orders/read"] });
    // The default realm, and the verified-token cache on with its default bounds.
    await expect(verifier.verify("x.y.z")).rejects.toMatchObject({ headers: { "WWW-Authenticate": expect.stringContaining('realm="api"') } });
    expect(verifier.stats().cache).toMatchObject({ size: 1, maxEntries: 10_000 });
  } finally {
    verifier.close();
    nested.close();
  }
});

test("the middleware adapters' options (Express, Koa, Fastify, Hono): undefined, in either argument, is the default", () => {
  const keys = ["optional", "passErrors", "allowPreflight"];
  const mixed = resolveMiddlewareOptions(undefinedOver(issuer.verifierOptions, keys), undefinedOver({}, keys));
  expect([mixed.optional, mixed.passErrors, mixed.allowPreflight]).toEqual([false, false, true]);
  // An undefined in the second argument does not undo a value given in the first.
  const mixedIn: VerifierOptions = Object.assign({ optional: true, allowPreflight: false }, issuer.verifierOptions);
  const kept = resolveMiddlewareOptions(mixedIn, undefinedOver({}, keys));
  expect([kept.optional, kept.passErrors, kept.allowPreflight]).toEqual([true, false, false]);
  mixed.verifier.close();
  kept.verifier.close();
});

test("fetch and Lambda wrappers: undefined adapter options are the defaults (a token is required, preflights reach the handler)", async () => {
  const keys = ["optional", "allowPreflight"];
  const fetchHandler = withFetchAuth(undefinedOver(issuer.verifierOptions, keys), (_request, auth) => Response.json({ sub: auth?.sub ?? null }), undefinedOver({}, keys));
  expect((await fetchHandler(new Request("http://api.example/me"))).status).toBe(401);
  expect((await fetchHandler(new Request("http://api.example/me", { method: "OPTIONS", headers: { "access-control-request-method": "GET" } }))).status).toBe(200);
  const lambdaHandler = withLambdaAuth(undefinedOver(issuer.verifierOptions, keys), async () => ({ statusCode: 200 }), undefinedOver({}, keys));
  expect((await lambdaHandler({ httpMethod: "GET", headers: {} }, {})).statusCode).toBe(401);
  expect((await lambdaHandler({ httpMethod: "OPTIONS", headers: { "Access-Control-Request-Method": "GET" } }, {})).statusCode).toBe(200);
  fetchHandler.verifier.close();
  lambdaHandler.verifier.close();
});

test("node:http wrapper: undefined adapter options are the defaults", async () => {
  const keys = ["optional", "allowPreflight", "onError"];
  const listener = withNodeAuth(undefinedOver(issuer.verifierOptions, keys), (_req, res) => res.end("ok"), undefinedOver({}, keys));
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${issuer.mintAccessToken()}` } })).status).toBe(200);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    listener.verifier.close();
  }
});

test("the token handler's options: undefined is the default", () => {
  const base = { cognito: { domain: "https://auth.example.com", clientId: "c", redirectUri: "https://app.example.com/auth/callback" }, verifier: issuer.verifierOptions };
  const keys = ["revocations", "sessions", "secret", "basePath", "allowedOrigins", "csrfHeader", "refreshMarginSeconds", "sessionLifetimeSeconds", "idleTimeoutSeconds", "transactionLifetimeSeconds", "timeoutMs", "lockLeaseMs", "cookies", "onEvent", "errorPath"];
  const absent = resolveTokenHandlerOptions(base);
  const given = resolveTokenHandlerOptions({
    ...undefinedOver(base, keys),
    cognito: undefinedOver(base.cognito, ["clientSecret", "scopes", "logoutUri"]),
  });
  const comparable = (resolved: typeof absent) => {
    const { verifier, sessions, sealer, ...rest } = resolved as typeof absent & { verifier: unknown; sessions: unknown; sealer: unknown };
    return [rest, typeof verifier, typeof sessions, typeof sealer];
  };
  expect(comparable(given)).toEqual(comparable(absent));
  expect(resolveTokenHandlerOptions({ ...base, cookies: { secure: undefined } })).toMatchObject({ cookieNames: absent.cookieNames });
  absent.verifier.close();
  given.verifier.close();
});

test("the Next.js handler's name: undefined is the default instance", async () => {
  const base = { cognito: { domain: "https://auth.example.com", clientId: "c", redirectUri: "https://app.example.com/auth/callback" }, verifier: issuer.verifierOptions };
  const { createNextTokenHandler } = await import("@cognito-bearer/bff/next");
  const given = createNextTokenHandler({ ...base, name: undefined });
  try {
    expect(createNextTokenHandler(base).handler).toBe(given.handler);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("cognito-bearer.next:default")]).toBeDefined();
  } finally {
    await given.close();
  }
  expect((globalThis as Record<symbol, unknown>)[Symbol.for("cognito-bearer.next:default")]).toBeUndefined();
});

test("the browser client's options: undefined is the default", () => {
  const keys = ["tokenUrl", "loginUrl", "logoutUrl", "onSessionExpired", "onSignedOut", "refresh", "csrfHeader", "refreshMarginSeconds", "retryNonIdempotent", "maxRetries", "baseDelayMs", "maxDelayMs", "fetch"];
  expect(() => createAuthFetch(undefinedOver({ apiOrigins: ["https://api.example.com"], channelName: `test-${Math.random()}` }, keys)).close()).not.toThrow();
});

test("the test kit: createTestIssuer, mint and rotate options undefined are the defaults", async () => {
  const local = await createTestIssuer({ region: undefined, userPoolId: undefined, clientId: undefined, algorithm: undefined, host: undefined, port: undefined, oauth: undefined });
  try {
    expect([local.host, local.oauth, local.region, local.userPoolId.startsWith("eu-west-1_")]).toEqual(["127.0.0.1", undefined, "eu-west-1", true]);
    const verifier = createVerifier(local.verifierOptions);
    try {
      await expect(verifier.verify(local.mintAccessToken({}, { kid: undefined, expiresInSeconds: undefined, header: undefined }))).resolves.toBeDefined();
    } finally {
      verifier.close();
    }
    expect(local.rotateKey({ retireOthers: undefined, algorithm: undefined })).toBe(local.kid);
  } finally {
    await local.close();
  }
});

test("the built option types take undefined under exactOptionalPropertyTypes, in every package", () => {
  const u = "process.env.NOT_SET";
  const code = `
import { createVerifier, createMemoryRevocationList, AuthError } from "@cognito-bearer/core";
import { cognitoAuth as expressAuth } from "@cognito-bearer/express";
import { cognitoAuth as koaAuth } from "@cognito-bearer/koa";
import { cognitoAuth as fastifyAuth, type CognitoAuthPluginOptions } from "@cognito-bearer/fastify";
import { withCognitoAuth as nodeAuth, authenticate } from "@cognito-bearer/node";
import { withCognitoAuth as fetchAuth, authenticateRequest } from "@cognito-bearer/fetch";
import { cognitoAuth as honoAuth } from "@cognito-bearer/fetch/hono";
import { withCognitoAuth as lambdaAuth, authFromJwtAuthorizer } from "@cognito-bearer/lambda";
import { createRedisRevocationList, createRedisSessionStore } from "@cognito-bearer/redis";
import { createTokenHandler } from "@cognito-bearer/bff";
import { createNextTokenHandler } from "@cognito-bearer/bff/next";
import { createAuthFetch } from "@cognito-bearer/client";
import { createClientCredentials } from "@cognito-bearer/client-credentials";
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { createTestIssuer } from "@cognito-bearer/testing";
import { requireAuthLevel } from "@cognito-bearer/core";
const s: string | undefined = ${u};
const n: number | undefined = s === undefined ? undefined : Number(s);
const b: boolean | undefined = s === undefined ? undefined : s === "1";
const base = { userPoolId: "eu-west-1_AbCdEf123", clientId: "c" };
const verifier = createVerifier({ ...base, issuer: s, jwksUri: s, scopes: s, groups: s, graceSeconds: n, realm: s, maxTokenLength: n, cache: b, jwks: { timeoutMs: n, maxAgeSeconds: n }, onEvent: undefined, isRevoked: undefined, revocations: undefined });
const ss: readonly string[] | undefined = s === undefined ? undefined : [s];
createVerifier({ ...base, audience: s, resourceMetadata: { resource: "https://api.example.com", scopesSupported: ss, authorizationServers: ss } });
createVerifier({ ...base, audience: ss, resourceMetadata: undefined });
createVerifier({ resolveIssuer: async () => undefined, maxPools: n, maxRefusedIssuers: n, refusedIssuerTtlSeconds: n, resolveTimeoutMs: n, realm: s, resourceMetadata: undefined });
requireAuthLevel({ acr: s, maxAge: n });
new AuthError("expired", { description: s, realm: s, scope: s });
createMemoryRevocationList({ graceSeconds: n, maxTokenLifetimeSeconds: n, requireOriginJti: b });
expressAuth({ ...base, optional: b, passErrors: b, allowPreflight: b }, { optional: b });
koaAuth(verifier, { optional: b, passErrors: b, allowPreflight: b });
const fastifyOptions: CognitoAuthPluginOptions = { ...base, optional: b, allowPreflight: b, prefix: s };
void fastifyAuth; void fastifyOptions;
nodeAuth(verifier, () => undefined, { optional: b, allowPreflight: b, onError: undefined });
declare const req: import("node:http").IncomingMessage;
void authenticate(req, verifier, { optional: b });
fetchAuth(verifier, () => new Response(), { optional: b, allowPreflight: b });
void authenticateRequest(new Request("http://x"), verifier, { optional: b });
honoAuth(verifier, { optional: b, allowPreflight: b });
lambdaAuth({ ...base, optional: b, allowPreflight: b }, async () => ({ statusCode: 200, body: s, headers: undefined }), { optional: b });
authFromJwtAuthorizer({}, { scopes: s, groups: s });
createRedisRevocationList({ url: s, keyPrefix: s, maxStalenessSeconds: n, commandTimeoutMs: n, tls: undefined, onEvent: undefined });
createRedisSessionStore({ url: s, secret: "a session secret of 32 characters", keyPrefix: s, commandTimeoutMs: n });
createTokenHandler({ cognito: { domain: "https://d", clientId: "c", redirectUri: "https://a/cb", clientSecret: s, logoutUri: s, scopes: undefined }, verifier, secret: s, basePath: s, timeoutMs: n, cookies: { secure: b }, errorPath: s, onEvent: undefined });
createTokenHandler({ cognito: { domain: "https://d", clientId: "c", redirectUri: "https://a/cb" }, verifier, upstreams: undefined, proxy: { timeoutMs: n, trustProxy: b, allowedSetCookies: undefined, replayBodyBytes: n }, exposeAccessToken: b });
createNextTokenHandler({ cognito: { domain: "https://d", clientId: "c", redirectUri: "https://a/cb" }, verifier, name: s, upstreams: undefined, proxy: undefined, secret: s });
createAuthFetch({ mode: undefined, onStepUp: undefined, apiOrigins: undefined });
createCognitoTelemetry({ meterProvider: undefined, tracerProvider: undefined, recordSub: b });
createClientCredentials({ domain: s, tokenEndpoint: s, clientId: "c", clientSecret: "x", scopes: undefined, refreshBeforeExpirySeconds: n, timeoutMs: n, retry: { retries: n, baseDelayMs: n, maxDelayMs: n, maxRetryAfterSeconds: n }, failureCooldownMs: n, sharedCache: undefined, fetch: undefined });
createAuthFetch({ apiOrigins: undefined, tokenUrl: s, loginUrl: s, logoutUrl: s, maxRetries: n, retryNonIdempotent: b, fetch: undefined, channelName: s });
const issuer = await createTestIssuer({ region: s, port: n, oauth: undefined });
issuer.mintAccessToken({ groups: undefined, scopes: undefined }, { kid: s, expiresInSeconds: n, header: undefined });
issuer.rotateKey({ retireOthers: b });
`;
  const sample = { where: "README.md:0", readme: "README.md", code, extension: ".mts" as const, fragment: undefined, prelude: "" };
  expect(compileSamples([sample]).get(sample.where)).toEqual([]);
}, 120_000);
