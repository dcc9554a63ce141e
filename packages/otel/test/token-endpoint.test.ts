// The token handler's calls to Cognito's token and revoke endpoints through
// its `fetch` option and the otel package's tracedFetch, against the real SDK
// and the test issuer's OAuth endpoints: a CLIENT span per call (code
// exchange, refresh, revoke) under the request's server span, with the exact
// attributes, and never a token, the code, the client secret or a body.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createTokenHandler, type TokenHandler } from "@cognito-bearer/bff";
import { tokenHandlerListener } from "@cognito-bearer/bff/node";
import { createCognitoTelemetry, METRICS, SPANS, type CognitoTelemetry } from "@cognito-bearer/otel";
import type { TestIssuer } from "@cognito-bearer/testing";
import { Browser, sleep, startIssuer } from "../../bff/test/support";
import { parentOf, startSdk, type TestSdk } from "./sdk";

const SECRET = "client-s3cret-value-0123456789";

let sdk: TestSdk;
let telemetry: CognitoTelemetry;
let issuer: TestIssuer | undefined;
let handler: TokenHandler | undefined;
let server: Server | undefined;
/** Every string the token endpoint was sent or answered: none may appear in telemetry. */
const secrets = new Set<string>([SECRET]);

beforeEach(() => {
  sdk = startSdk();
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
});

afterEach(async () => {
  await handler?.close();
  handler = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  server = undefined;
  await issuer?.close();
  issuer = undefined;
  await sdk.shutdown();
});

/**
 * The real global fetch, reading what passes through it (a copy of the
 * answer): the codes, tokens and grants the spans must not contain.
 */
const observingFetch: typeof fetch = async (input, init) => {
  for (const [, value] of new URLSearchParams(String(init?.body ?? ""))) if (value.length > 8) secrets.add(value);
  const response = await fetch(input, init);
  const text = await response.clone().text();
  for (const value of Object.values(JSON.parse(text || "{}") as Record<string, unknown>)) if (typeof value === "string" && value.length > 8) secrets.add(value);
  return response;
};

/** node:http with every request in a SERVER span (as an HTTP instrumentation makes), the token handler under /auth. */
async function startApp(): Promise<Browser> {
  let listener: ((req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void) | undefined;
  server = createServer((req, res) => {
    void sdk.inServerSpan(`${req.method} ${req.url?.split("?")[0]}`, () => new Promise<void>((resolve) => {
      res.once("close", resolve);
      listener!(req, res);
    }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = await startIssuer({ accessTokenLifetimeSeconds: 6, refreshTokenRotation: true, clientSecret: SECRET }, [`${url}/auth/callback`]);
  handler = createTokenHandler({
    cognito: { domain: issuer.url, clientId: issuer.clientId, clientSecret: SECRET, redirectUri: `${url}/auth/callback` },
    verifier: issuer.verifierOptions, // the handler's own: closed with it
    refreshMarginSeconds: 3,
    onEvent: telemetry.onTokenHandlerEvent,
    fetch: telemetry.tracedFetch(observingFetch),
  });
  listener = tokenHandlerListener(handler);
  return new Browser(url);
}

/** The token-endpoint spans, each with the name of the server span it is a child of. */
function endpointCalls(spans: ReadableSpan[]): [string | undefined, ReadableSpan][] {
  return spans.filter((span) => span.name === SPANS.tokenEndpoint).map((span) => [spans.find((parent) => parent.spanContext().spanId === parentOf(span))?.name, span]);
}

test("code exchange, refresh and revoke: a CLIENT span each under the request's server span, exact attributes, no token, code or secret anywhere", async () => {
  const browser = await startApp();
  expect((await browser.signIn()).status).toBe(200);
  const first = await browser.accessToken();
  await sleep(3100);
  const second = await browser.accessToken();
  expect(second).not.toBe(first);
  expect((await browser.post("/auth/logout")).status).toBeLessThan(300);

  const issuerUrl = new URL(issuer!.url);
  const attributes = (path: string) => ({
    "http.request.method": "POST",
    "server.address": issuerUrl.hostname,
    "url.path": path,
    "http.response.status_code": 200,
  });
  const spans = sdk.spans();
  expect(endpointCalls(spans).map(([parent, span]) => [parent, span.kind, span.attributes, span.status.code])).toEqual([
    ["GET /auth/callback", SpanKind.CLIENT, attributes("/oauth2/token"), SpanStatusCode.UNSET],
    ["POST /auth/token", SpanKind.CLIENT, attributes("/oauth2/token"), SpanStatusCode.UNSET],
    ["POST /auth/logout", SpanKind.CLIENT, attributes("/oauth2/revoke"), SpanStatusCode.UNSET],
  ]);
  // The refresh's own span is the call's sibling, under the same server span.
  const refresh = spans.find((span) => span.name === SPANS.refresh)!;
  expect(parentOf(refresh)).toBe(parentOf(endpointCalls(spans)[1][1]));

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.tokenEndpointDuration)!.points).toEqual([
    { attributes: { "http.request.method": "POST", "server.address": issuerUrl.hostname, "http.response.status_code": 200 }, value: 3, sum: expect.any(Number) },
  ]);

  // What went to and came from the token endpoint: the code, the verifier, the grants, the tokens.
  for (const token of [first, second]) secrets.add(token);
  expect(secrets.size).toBeGreaterThan(6);
  const recorded = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events, span.status, span.links])) + JSON.stringify([...metrics.values()]);
  for (const secret of secrets) expect(recorded).not.toContain(secret);
  expect(recorded).not.toContain(Buffer.from(`${issuer!.clientId}:${SECRET}`).toString("base64"));
  expect(recorded).not.toMatch(/basic /i);
});

test("a refresh token Cognito refuses: the call's span has the 400 as error.type, and is not an error status (the handler's answer is a 401)", async () => {
  const browser = await startApp();
  await browser.signIn();
  await browser.accessToken();
  expect(issuer!.oauth!.globalSignOut("alice")).toBe(1);
  await sleep(3100);
  expect((await browser.post("/auth/token")).status).toBe(401);

  const refused = endpointCalls(sdk.spans()).at(-1)!;
  expect([refused[0], refused[1].attributes, refused[1].status.code]).toEqual([
    "POST /auth/token",
    { "http.request.method": "POST", "server.address": new URL(issuer!.url).hostname, "url.path": "/oauth2/token", "http.response.status_code": 400, "error.type": "400" },
    SpanStatusCode.UNSET,
  ]);
});

test("Cognito unreachable: the call's span has error.type and an error status", async () => {
  const browser = await startApp();
  await browser.signIn();
  await browser.accessToken();
  await issuer!.close();
  issuer = undefined;
  await sleep(3100);
  expect((await browser.post("/auth/token")).status).toBe(503);

  const failed = endpointCalls(sdk.spans()).at(-1)!;
  expect(failed[0]).toBe("POST /auth/token");
  expect(failed[1].attributes).toEqual({ "http.request.method": "POST", "server.address": "127.0.0.1", "url.path": "/oauth2/token", "error.type": "TypeError" });
  expect(failed[1].status.code).toBe(SpanStatusCode.ERROR);
});
