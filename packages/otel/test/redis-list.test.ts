// A Redis revocation list's instruments against the real SDK and a real
// redis-server: reloads (with a span), entries, staleness and the outbox.
import { SpanKind } from "@opentelemetry/api";
import { createRedisRevocationList, type RedisRevocationList } from "@cognito-bearer/redis";
import { createCognitoTelemetry, METRICS, SPANS } from "@cognito-bearer/otel";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { startSdk, type TestSdk } from "./sdk";

let redis: RedisServer;
let sdk: TestSdk;
let list: RedisRevocationList | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());
beforeEach(() => {
  sdk = startSdk();
});
afterEach(async () => {
  await list?.close();
  list = undefined;
  await sdk.shutdown();
});

test("loaded from Redis: one reload (a CLIENT span), entries by kind, staleness within the heartbeat, an empty outbox", async () => {
  const telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
  list = createRedisRevocationList({ url: redis.url, onEvent: telemetry.onRevocationEvent });
  telemetry.observeRevocationList(list);
  await list.ready({ timeoutMs: 5000 });
  await list.revokeUser("user-9");

  const metrics = await sdk.collect();
  expect(metrics.get(METRICS.revocationReloads)!.points).toEqual([{ attributes: {}, value: 1 }]);
  expect(metrics.get(METRICS.revocationEntries)!.points).toEqual([
    { attributes: { "cognito_bearer.revocation.kind": "session" }, value: 0 },
    { attributes: { "cognito_bearer.revocation.kind": "token" }, value: 0 },
    { attributes: { "cognito_bearer.revocation.kind": "user" }, value: 1 },
  ]);
  const staleness = metrics.get(METRICS.revocationStaleness)!;
  expect(staleness.unit).toBe("s");
  expect(staleness.points).toHaveLength(1);
  expect(staleness.points[0].value).toBeGreaterThanOrEqual(0);
  expect(staleness.points[0].value).toBeLessThan(10);
  expect(metrics.get(METRICS.revocationOutbox)!.points).toEqual([{ attributes: {}, value: 0 }]);
  expect(sdk.spans().map((span) => [span.name, span.kind, span.attributes])).toEqual([
    [SPANS.revocationReload, SpanKind.CLIENT, { "db.system.name": "redis", "cognito_bearer.revocation_list.entries": 0 }],
  ]);
  expect(JSON.stringify(sdk.spans().map((span) => span.attributes))).not.toContain("user-9");
});

test("Redis gone: staleness grows, a revocation waits in the outbox, errors are counted", async () => {
  const telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: false });
  list = createRedisRevocationList({ url: redis.url, onEvent: telemetry.onRevocationEvent, commandTimeoutMs: 200, closeTimeoutMs: 200 });
  telemetry.observeRevocationList(list);
  await list.ready({ timeoutMs: 5000 });
  await redis.kill();
  try {
    await expect(list.revokeUser("user-10")).rejects.toMatchObject({ queued: true });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const metrics = await sdk.collect();
    expect(metrics.get(METRICS.revocationOutbox)!.points).toEqual([{ attributes: {}, value: 1 }]);
    expect(metrics.get(METRICS.revocationStaleness)!.points[0].value).toBeGreaterThan(1);
    expect(metrics.get(METRICS.revocationErrors)!.points).toContainEqual({ attributes: { "cognito_bearer.reason": "error" }, value: expect.any(Number) });
  } finally {
    await redis.start();
  }
});
