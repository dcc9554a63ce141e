// The token handler's and a client-credentials source's instruments against the
// real SDK: a sign-in, a refresh (with its span), a sign-out, an expired
// session; token requests with the token-endpoint span and latency.
import { SpanKind } from "@opentelemetry/api";
import { createClientCredentials } from "@cognito-bearer/client-credentials";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { createCognitoTelemetry, METRICS, SPANS, type CognitoTelemetry } from "@cognito-bearer/otel";
import { Browser, sleep, startApp, startIssuer, type App } from "../../bff/test/support";
import { startSdk, type TestSdk } from "./sdk";

let sdk: TestSdk;
let telemetry: CognitoTelemetry;
const closers: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  sdk = startSdk();
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await sdk.shutdown();
});

async function app(oauth: Parameters<typeof startIssuer>[0], refreshMarginSeconds: number): Promise<App & { issuer: TestIssuer; browser: Browser }> {
  const started = await startApp((redirectUri) => startIssuer(oauth, [redirectUri]), { refreshMarginSeconds, onEvent: telemetry.onTokenHandlerEvent });
  closers.push(() => started.issuer.close(), () => started.close());
  return { ...started, browser: new Browser(started.url) };
}

test("sign-in, refresh, sign-out: counted by outcome; the refresh is a span with its duration; no sub, no session id", async () => {
  const { browser } = await app({ accessTokenLifetimeSeconds: 6, refreshTokenRotation: true }, 3);
  expect((await browser.signIn()).status).toBe(200); // the callback page that sends the browser back to the app
  const first = await browser.accessToken();
  expect(await browser.accessToken()).toBe(first); // fresh: no refresh yet
  await sleep(3100);
  expect(await browser.accessToken()).not.toBe(first);
  expect((await browser.post("/auth/logout")).status).toBeLessThan(300);

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.signIns)!.points).toEqual([{ attributes: { "cognito_bearer.outcome": "success" }, value: 1 }]);
  expect(metrics.get(METRICS.refreshes)!.points).toEqual([{ attributes: { "cognito_bearer.outcome": "success" }, value: 1 }]);
  const refreshDuration = metrics.get(METRICS.refreshDuration)!;
  expect(refreshDuration.unit).toBe("s");
  expect(refreshDuration.points).toEqual([{ attributes: {}, value: 1, sum: expect.any(Number) }]);
  expect(refreshDuration.points[0].sum).toBeGreaterThan(0);
  expect(metrics.get(METRICS.signOuts)!.points).toEqual([{ attributes: { "cognito_bearer.cognito_revoked": true, "cognito_bearer.api_revoked": true }, value: 1 }]);

  const spans = sdk.spans();
  expect(spans.map((span) => [span.name, span.kind, span.attributes])).toEqual([
    [SPANS.refresh, SpanKind.INTERNAL, { "cognito_bearer.rotated": true }],
    [SPANS.signOut, SpanKind.INTERNAL, { "cognito_bearer.cognito_revoked": true, "cognito_bearer.api_revoked": true }],
  ]);
  const session = browser.cookies.get(new URL(browser.origin).host);
  const recorded = JSON.stringify([...metrics.values()]) + JSON.stringify(spans.map((span) => span.attributes));
  expect(recorded).not.toContain("alice");
  for (const value of session?.values() ?? []) expect(recorded).not.toContain(value);
});

test("a refresh token Cognito refuses: a failed refresh and a session expired by invalid_grant", async () => {
  const { browser } = await app({ accessTokenLifetimeSeconds: 3, refreshTokenLifetimeSeconds: 1 }, 2);
  await browser.signIn();
  await browser.accessToken();
  await sleep(1500);
  expect((await browser.post("/auth/token")).status).toBe(401);

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.refreshes)!.points).toEqual([{ attributes: { "cognito_bearer.outcome": "failure", "error.type": "invalid_grant" }, value: 1 }]);
  expect(metrics.get(METRICS.sessionsExpired)!.points).toEqual([{ attributes: { "cognito_bearer.reason": "invalid_grant" }, value: 1 }]);
});

test("client credentials: token requests and the token-endpoint span (method, host, path, status; never the secret or the token)", async () => {
  const issuer = await createTestIssuer({ oauth: { machineClients: [{ clientId: "svc", clientSecret: "s3cret-value-xyz", allowedScopes: ["orders/read"] }] } });
  closers.push(() => issuer.close());
  const source = createClientCredentials({ tokenEndpoint: issuer.oauth!.tokenUrl, clientId: "svc", clientSecret: "s3cret-value-xyz", scopes: ["orders/read"], fetch: telemetry.tracedFetch() });
  closers.push(() => source.close());
  telemetry.observeClientCredentials(source);
  const token = await source.getToken();
  expect(await source.getToken()).toBe(token);

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.clientCredentialsRequests)!.points).toEqual([{ attributes: { "cognito_bearer.client_id": "svc" }, value: 1 }]);
  expect(metrics.get(METRICS.clientCredentialsCacheHits)!.points).toEqual([{ attributes: { "cognito_bearer.client_id": "svc" }, value: 0 }]);
  expect(metrics.get(METRICS.tokenEndpointDuration)!.points).toEqual([
    { attributes: { "http.request.method": "POST", "server.address": "127.0.0.1", "http.response.status_code": 200 }, value: 1, sum: expect.any(Number) },
  ]);
  const spans = sdk.spans();
  expect(spans.map((span) => [span.name, span.kind, span.attributes])).toEqual([
    [
      SPANS.tokenEndpoint,
      SpanKind.CLIENT,
      { "http.request.method": "POST", "server.address": "127.0.0.1", "url.path": new URL(issuer.oauth!.tokenUrl).pathname, "http.response.status_code": 200 },
    ],
  ]);
  const recorded = JSON.stringify([...metrics.values()]) + JSON.stringify(spans.map((span) => span.attributes));
  expect(recorded).not.toContain("s3cret");
  expect(recorded).not.toContain(token.split(".")[2]);
});
