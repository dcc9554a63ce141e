// The verifier's instruments and spans against the real OTel SDK: a valid token
// (cold, then cached), each refusal reason, a JWKS outage and a revocation.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { DataPointType } from "@opentelemetry/sdk-metrics";
import { createMemoryRevocationList, createVerifier, REJECT_REASONS, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { authenticate } from "@cognito-bearer/node";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { createCognitoTelemetry, METRICS, SPANS, type CognitoTelemetry } from "@cognito-bearer/otel";
import { parentOf, startSdk, type TestSdk } from "./sdk";

let issuer: TestIssuer;
let sdk: TestSdk;
let telemetry: CognitoTelemetry;
let verifier: Verifier;
let server: Server;
let url: string;

/** An API: every request in a SERVER span (as an HTTP instrumentation makes), authenticated by the node adapter. */
async function startApi(options: Partial<VerifierOptions> = {}): Promise<void> {
  verifier = createVerifier({ ...issuer.verifierOptions, onEvent: telemetry.onVerifierEvent, ...options });
  telemetry.observeVerifier(verifier);
  server = createServer((req, res) => {
    void sdk.inServerSpan(`GET ${req.url}`, async () => {
      try {
        const auth = await authenticate(req, verifier);
        res.writeHead(200).end(auth.sub);
      } catch (err) {
        res.writeHead((err as { status?: number }).status ?? 500).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const call = (authorization?: string) => fetch(`${url}/me`, { headers: authorization === undefined ? {} : { authorization } }).then((res) => res.status);

beforeEach(async () => {
  issuer = await createTestIssuer();
  sdk = startSdk();
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
});

afterEach(async () => {
  verifier?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await issuer.close();
  await sdk.shutdown();
});

/** No token (nor its signature or payload) in any attribute of any span or data point. */
async function expectNoToken(tokens: string[]): Promise<void> {
  const text = JSON.stringify([...(await sdk.collect()).values()]) + JSON.stringify(sdk.spans().map((span) => [span.name, span.attributes]));
  for (const token of tokens) for (const part of [token, ...token.split(".").slice(1)]) if (part.length > 8) expect(text).not.toContain(part);
}

test("a valid token (default, cache hits counted): a cold verification with its JWKS fetch, then a cache hit counted and its attributes on the server span; no token, no sub", async () => {
  await startApi();
  const token = issuer.mintAccessToken({ sub: "user-1" });
  expect(await call(`Bearer ${token}`)).toBe(200);
  expect(await call(`Bearer ${token}`)).toBe(200);

  const metrics = await sdk.collect();
  const duration = metrics.get(METRICS.verificationDuration)!;
  expect(duration.unit).toBe("s");
  expect(duration.type).toBe(DataPointType.HISTOGRAM);
  // The cache hit is not a histogram point in the default mode: it is counted.
  expect(duration.points).toEqual([
    { attributes: { "cognito_bearer.outcome": "success", "cognito_bearer.cached": false, "cognito_bearer.issuer_form": "override" }, value: 1, sum: expect.any(Number) },
  ]);
  expect(metrics.get(METRICS.cacheHits)!.type).toBe(DataPointType.SUM);
  expect(metrics.get(METRICS.cacheHits)!.unit).toBe("{verification}");
  expect(metrics.get(METRICS.cacheHits)!.points).toEqual([{ attributes: { "cognito_bearer.issuer_form": "override" }, value: 1 }]);
  expect(metrics.get(METRICS.jwksFetches)!.points).toEqual([
    { attributes: { "cognito_bearer.outcome": "success", "cognito_bearer.jwks.trigger": "cold", "server.address": "127.0.0.1" }, value: 1 },
  ]);
  expect(metrics.get(METRICS.refusals)).toBeUndefined();
  expect(metrics.get(METRICS.tokenCacheEntries)!.points).toEqual([{ attributes: {}, value: 1 }]);
  const age = metrics.get(METRICS.jwksAge)!.points;
  expect(age).toEqual([{ attributes: { "server.address": "127.0.0.1" }, value: expect.any(Number) }]);
  expect(age[0].value).toBeGreaterThanOrEqual(0);
  expect(age[0].value).toBeLessThan(60);

  const spans = sdk.spans();
  const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
  expect(servers).toHaveLength(2);
  const [first, second] = servers.map((server) => spans.filter((span) => parentOf(span) === server.spanContext().spanId));
  expect(first.map((span) => [span.name, span.kind]).sort()).toEqual([
    [SPANS.jwksFetch, SpanKind.CLIENT],
    [SPANS.verify, SpanKind.INTERNAL],
  ]);
  expect(first.find((span) => span.name === SPANS.jwksFetch)!.attributes).toEqual({
    "cognito_bearer.outcome": "success",
    "cognito_bearer.jwks.trigger": "cold",
    "server.address": "127.0.0.1",
    "url.full": issuer.jwksUri,
  });
  expect(first.find((span) => span.name === SPANS.verify)!.attributes).toEqual({
    "cognito_bearer.outcome": "success",
    "cognito_bearer.cached": false,
    "cognito_bearer.issuer_form": "override",
  });
  // The cold request's server span is left alone (its verification has a span of its own).
  expect(servers[0].attributes).toEqual({});
  // The cache hit: no span of ours; the verification's attributes on the framework's server span.
  expect(second).toEqual([]);
  expect(servers[1].attributes).toEqual({ "cognito_bearer.outcome": "success", "cognito_bearer.cached": true, "cognito_bearer.issuer_form": "override" });
  for (const span of spans) expect(span.attributes["enduser.id"]).toBeUndefined();
  // The spans lie within their request's server span.
  const verify = first.find((span) => span.name === SPANS.verify)!;
  expect(verify.startTime[0] * 1e9 + verify.startTime[1]).toBeGreaterThanOrEqual(servers[0].startTime[0] * 1e9 + servers[0].startTime[1] - 1e6);
  await expectNoToken([token]);
});

test('cacheHits: "recorded": a cache hit is a histogram point and a span of its own (the server span keeps its attributes); no cache_hits counter', async () => {
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider, cacheHits: "recorded" });
  await startApi();
  const token = issuer.mintAccessToken({ sub: "user-1" });
  expect(await call(`Bearer ${token}`)).toBe(200);
  expect(await call(`Bearer ${token}`)).toBe(200);

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.verificationDuration)!.points).toEqual([
    { attributes: { "cognito_bearer.outcome": "success", "cognito_bearer.cached": false, "cognito_bearer.issuer_form": "override" }, value: 1, sum: expect.any(Number) },
    { attributes: { "cognito_bearer.outcome": "success", "cognito_bearer.cached": true, "cognito_bearer.issuer_form": "override" }, value: 1, sum: expect.any(Number) },
  ]);
  expect(metrics.get(METRICS.cacheHits)).toBeUndefined();

  const spans = sdk.spans();
  const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
  expect(servers.map((server) => server.attributes)).toEqual([{}, {}]);
  const second = spans.filter((span) => parentOf(span) === servers[1].spanContext().spanId);
  expect(second.map((span) => [span.name, span.kind, span.attributes])).toEqual([
    [SPANS.verify, SpanKind.INTERNAL, { "cognito_bearer.outcome": "success", "cognito_bearer.cached": true, "cognito_bearer.issuer_form": "override" }],
  ]);
  await expectNoToken([token]);
});

test("default mode, metrics only (tracerProvider: false): a cache hit is counted and touches no span, not even the active one", async () => {
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: false });
  await startApi();
  const token = issuer.mintAccessToken();
  for (let i = 0; i < 3; i++) expect(await call(`Bearer ${token}`)).toBe(200);

  expect((await sdk.collect()).get(METRICS.cacheHits)!.points).toEqual([{ attributes: { "cognito_bearer.issuer_form": "override" }, value: 2 }]);
  expect(sdk.spans().map((span) => [span.kind, span.attributes])).toEqual([
    [SpanKind.SERVER, {}],
    [SpanKind.SERVER, {}],
    [SpanKind.SERVER, {}],
  ]);
});

test("recordSub: true puts the sub on verification spans, and on the server span of a cache hit (and nowhere else)", async () => {
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider, recordSub: true });
  await startApi();
  const token = issuer.mintAccessToken({ sub: "user-2" });
  expect(await call(`Bearer ${token}`)).toBe(200);
  expect(await call(`Bearer ${token}`)).toBe(200);
  const verify = sdk.spans().filter((span) => span.name === SPANS.verify);
  expect(verify.map((span) => span.attributes["enduser.id"])).toEqual(["user-2"]);
  expect(sdk.spans().filter((span) => span.kind === SpanKind.SERVER).map((span) => span.attributes["enduser.id"])).toEqual([undefined, "user-2"]);
  expect(JSON.stringify([...(await sdk.collect()).values()])).not.toContain("user-2");
});

test("each refusal reason: counted by error.type and status, one verify span each, not an error status", async () => {
  await startApi({ cache: false });
  const good = issuer.mintAccessToken();
  const [header, payload, signature] = good.split(".");
  const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.at(-1);
  const cases: [string, string | undefined, number][] = [
    ["missing_credentials", undefined, 401],
    ["malformed_credentials", "Bearer a b", 400],
    ["malformed_token", "Bearer not-a-jwt", 401],
    ["invalid_signature", `Bearer ${header}.${payload}.${flipped}`, 401],
    ["expired", `Bearer ${issuer.mintAccessToken({}, { expiresInSeconds: -600 })}`, 401],
    ["client_not_accepted", `Bearer ${issuer.mintAccessToken({ client_id: "another-client" })}`, 401],
    ["wrong_token_use", `Bearer ${issuer.mintIdToken()}`, 401],
    ["unknown_key", `Bearer ${issuer.mintAccessToken({}, { header: { kid: "no-such-key" } })}`, 401],
  ];
  for (const [, authorization, status] of cases) expect(await call(authorization)).toBe(status);

  const refusals = (await sdk.collect()).get(METRICS.refusals)!.points;
  expect(refusals.sort((a, b) => String(a.attributes["error.type"]).localeCompare(String(b.attributes["error.type"])))).toEqual(
    cases
      .map(([reason, , status]) => ({ attributes: { "error.type": reason, "http.response.status_code": status }, value: 1 }))
      .sort((a, b) => a.attributes["error.type"].localeCompare(b.attributes["error.type"])),
  );
  for (const [reason] of cases) expect(REJECT_REASONS).toHaveProperty(reason);

  const verifySpans = sdk.spans().filter((span) => span.name === SPANS.verify);
  expect(verifySpans.map((span) => span.attributes["error.type"]).sort()).toEqual(cases.map(([reason]) => reason).sort());
  for (const span of verifySpans) {
    expect(span.attributes["cognito_bearer.outcome"]).toBe("failure");
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const server = sdk.spans().find((candidate) => candidate.spanContext().spanId === parentOf(span));
    expect(server?.kind).toBe(SpanKind.SERVER);
  }
  await expectNoToken(cases.flatMap(([, authorization]) => (authorization ? [authorization.slice(7)] : [])));
});

test("a JWKS outage: failed fetches by status, 503 refusals as `unavailable`, error spans", async () => {
  await startApi();
  issuer.setFault({ mode: "status", status: 500 });
  expect(await call(`Bearer ${issuer.mintAccessToken()}`)).toBe(503);

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.jwksFetches)!.points).toEqual([
    {
      attributes: { "cognito_bearer.outcome": "failure", "cognito_bearer.jwks.trigger": "cold", "server.address": "127.0.0.1", "http.response.status_code": 500, "error.type": "500" },
      value: 1,
    },
  ]);
  expect(metrics.get(METRICS.refusals)!.points).toEqual([{ attributes: { "error.type": "jwks_unavailable", "http.response.status_code": 503 }, value: 1 }]);
  expect(metrics.get(METRICS.verificationDuration)!.points).toEqual([
    { attributes: { "cognito_bearer.outcome": "unavailable", "error.type": "jwks_unavailable" }, value: 1, sum: expect.any(Number) },
  ]);
  // No key set yet: no age to report.
  expect(metrics.get(METRICS.jwksAge)?.points ?? []).toEqual([]);

  const spans = sdk.spans();
  const server = spans.find((span) => span.kind === SpanKind.SERVER)!;
  const children = spans.filter((span) => parentOf(span) === server.spanContext().spanId);
  expect(children.map((span) => [span.name, span.status.code, span.attributes["error.type"]]).sort()).toEqual([
    [SPANS.jwksFetch, SpanStatusCode.ERROR, "500"],
    [SPANS.verify, SpanStatusCode.ERROR, "jwks_unavailable"],
  ]);
});

test("a revocation: the list's entries by kind, and the revoked token's refusal", async () => {
  const revocations = createMemoryRevocationList();
  telemetry.observeRevocationList(revocations);
  await startApi({ revocations });
  const token = issuer.mintAccessToken({ origin_jti: "origin-1" });
  expect(await call(`Bearer ${token}`)).toBe(200);
  await revocations.revokeSession(await verifier.verify(token));
  expect(await call(`Bearer ${token}`)).toBe(401);

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.revocationEntries)!.points).toEqual([
    { attributes: { "cognito_bearer.revocation.kind": "session" }, value: 1 },
    { attributes: { "cognito_bearer.revocation.kind": "token" }, value: 0 },
    { attributes: { "cognito_bearer.revocation.kind": "user" }, value: 0 },
  ]);
  expect(metrics.get(METRICS.refusals)!.points).toEqual([{ attributes: { "error.type": "revoked", "http.response.status_code": 401 }, value: 1 }]);
  // A memory list has neither staleness nor an outbox.
  expect(metrics.get(METRICS.revocationStaleness)?.points ?? []).toEqual([]);
  expect(metrics.get(METRICS.revocationOutbox)?.points ?? []).toEqual([]);
  const revoked = sdk.spans().filter((span) => span.name === SPANS.verify && span.attributes["error.type"] === "revoked");
  expect(revoked.map((span) => span.attributes)).toEqual([{ "cognito_bearer.outcome": "failure", "error.type": "revoked", "http.response.status_code": 401 }]);
  await revocations.close();
});

test("default mode: cache hits are counted by issuer form at collection, with no histogram point and no verify span; the rest as usual", async () => {
  await startApi();
  const token = issuer.mintAccessToken();
  for (let i = 0; i < 4; i++) expect(await call(`Bearer ${token}`)).toBe(200);
  expect(await call("Bearer not-a-jwt")).toBe(401);

  let metrics = await sdk.collect();
  expect(metrics.get(METRICS.cacheHits)!.type).toBe(DataPointType.SUM);
  expect(metrics.get(METRICS.cacheHits)!.points).toEqual([{ attributes: { "cognito_bearer.issuer_form": "override" }, value: 3 }]);
  expect(metrics.get(METRICS.verificationDuration)!.points).toEqual([
    { attributes: { "cognito_bearer.outcome": "success", "cognito_bearer.cached": false, "cognito_bearer.issuer_form": "override" }, value: 1, sum: expect.any(Number) },
    { attributes: { "cognito_bearer.outcome": "failure", "error.type": "malformed_token" }, value: 1, sum: expect.any(Number) },
  ]);
  expect(sdk.spans().filter((span) => span.name === SPANS.verify).map((span) => span.attributes["cognito_bearer.cached"] ?? span.attributes["error.type"])).toEqual([false, "malformed_token"]);
  // Three cache hits, three server spans carrying them; the refused request's server span carries nothing of ours.
  expect(sdk.spans().filter((span) => span.kind === SpanKind.SERVER).map((span) => span.attributes["cognito_bearer.cached"])).toEqual([undefined, true, true, true, undefined]);

  expect(await call(`Bearer ${token}`)).toBe(200);
  metrics = await sdk.collect();
  expect(metrics.get(METRICS.cacheHits)!.points).toEqual([{ attributes: { "cognito_bearer.issuer_form": "override" }, value: 4 }]);
});
