// The Redis commands of a revocation list and a session store as CLIENT spans
// (their `onCommand` hook and the otel package's onRedisCommand), against the
// real SDK and a real redis-server with a password: a revoke, a session
// get/create/lock/replace/release, each under the active span with the exact
// attributes of OTel's database conventions; a stopped Redis gives error.type;
// no key, session id, token, entry or password in any span.
import { createHash, randomBytes } from "node:crypto";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createRedisRevocationList, createRedisSessionStore, type RedisRevocationList } from "@cognito-bearer/redis";
import type { SessionStore } from "@cognito-bearer/bff";
import { createCognitoTelemetry, type CognitoTelemetry } from "@cognito-bearer/otel";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { run } from "../../../test/support/redis-process";
import { storedSession } from "../../redis/test/support";
import { parentOf, startSdk, type TestSdk } from "./sdk";

jest.setTimeout(30_000);

const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const SECRET = "a session secret that is long enough to derive a key";

let redis: RedisServer;
let url: string;
let sdk: TestSdk;
let telemetry: CognitoTelemetry;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  redis = await startRedisServer(["--requirepass", PASSWORD]);
  url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
});
afterAll(() => redis.stop());
beforeEach(() => {
  sdk = startSdk();
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
});
afterEach(async () => {
  for (const closable of open.splice(0).reverse()) await closable.close();
  await sdk.shutdown();
});

const server = () => ({ "server.address": "127.0.0.1", "server.port": redis.port });
const redisAttributes = (command: string, operation: string, extra: Record<string, unknown> = {}) => ({
  "db.system.name": "redis",
  "db.operation.name": command,
  "cognito_bearer.redis.operation": operation,
  ...server(),
  ...extra,
});

/** The spans under the active span named `parent`: [name, kind, attributes]. */
function childrenOf(parent: string): [string, SpanKind, Record<string, unknown>][] {
  const spans = sdk.spans();
  const id = spans.find((span) => span.name === parent)!.spanContext().spanId;
  return spans.filter((span) => parentOf(span) === id).map((span) => [span.name, span.kind, { ...span.attributes }]);
}

/** Nothing of these strings in any span's name, attributes, events or status. */
function expectNowhere(spans: ReadableSpan[], secrets: string[]): void {
  const text = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events, span.status]));
  for (const secret of secrets) expect(text).not.toContain(secret);
}

function sessionStore(): SessionStore {
  const store = createRedisSessionStore({ url, secret: SECRET, onCommand: telemetry.onRedisCommand });
  open.push(store);
  return store;
}

async function revocationList(): Promise<RedisRevocationList> {
  const list = createRedisRevocationList({ url, onEvent: telemetry.onRevocationEvent, onCommand: telemetry.onRedisCommand, commandTimeoutMs: 500, closeTimeoutMs: 1000 });
  open.push(list);
  await list.ready({ timeoutMs: 5000 });
  return list;
}

test("a revoke: one EVAL span (revocation.write) under the active span, with the server and no key, entry or password", async () => {
  const list = await revocationList();
  await sdk.inServerSpan("POST /admin/revoke", () => list.revokeUser("user-secret-42"));

  expect(childrenOf("POST /admin/revoke")).toEqual([["EVAL revocation.write", SpanKind.CLIENT, redisAttributes("EVAL", "revocation.write")]]);
  // The start-up's commands, outside any request: where the log ends, the pages of the load, the eviction policy.
  const startUp = sdk.spans().filter((span) => parentOf(span) === undefined && span.attributes["db.operation.name"] !== undefined);
  expect(new Set(startUp.map((span) => span.name))).toEqual(new Set(["EVAL revocation.position", "ZSCAN revocation.load", "CONFIG revocation.eviction_policy"]));
  for (const span of startUp) expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expectNowhere(sdk.spans(), ["user-secret-42", PASSWORD, "cognito-bearer:revocations:", "{rev}"]);
});

test("a session's get, create, lock, replace and release: a span each under the request's span, named by command and operation", async () => {
  const sessions = sessionStore();
  const id = randomBytes(24).toString("base64url");
  const session = storedSession();
  await sdk.inServerSpan("POST /auth/token", async () => {
    expect(await sessions.get(id)).toBeUndefined();
    await sessions.create(id, session, Date.now() + 60_000);
    const lock = await sessions.lock(id, 5000);
    expect(lock).toBeDefined();
    expect(await sessions.replace(id, 1, { ...session, version: 2 }, lock)).toBe(true);
    await lock!.release();
  });

  expect(childrenOf("POST /auth/token")).toEqual([
    ["HMGET session.get", SpanKind.CLIENT, redisAttributes("HMGET", "session.get")],
    ["EVAL session.create", SpanKind.CLIENT, redisAttributes("EVAL", "session.create")],
    ["SET session.lock", SpanKind.CLIENT, redisAttributes("SET", "session.lock")],
    ["EVAL session.replace", SpanKind.CLIENT, redisAttributes("EVAL", "session.replace")],
    ["EVAL session.release", SpanKind.CLIENT, redisAttributes("EVAL", "session.release")],
  ]);
  const hashed = createHash("sha256").update(id, "utf8").digest("base64url");
  expectNowhere(sdk.spans(), [id, hashed, session.refreshToken, session.accessToken, session.idToken, PASSWORD, "cognito-bearer:bff:"]);
  // The span lasts the command: within the request, and not zero.
  const get = sdk.spans().find((span) => span.name === "HMGET session.get")!;
  expect(get.duration[0] * 1e9 + get.duration[1]).toBeGreaterThan(0);
});

test("Redis stopped: the session store's command is an error span with error.type; nothing secret", async () => {
  const sessions = sessionStore();
  const id = randomBytes(24).toString("base64url");
  expect(await sessions.get(id)).toBeUndefined(); // connected
  await redis.kill();
  try {
    await sdk.inServerSpan("POST /auth/token", async () => {
      await expect(sessions.get(id)).rejects.toThrow();
    });
  } finally {
    await redis.start();
  }

  const children = childrenOf("POST /auth/token");
  expect(children).toEqual([
    ["HMGET session.get", SpanKind.CLIENT, redisAttributes("HMGET", "session.get", { "error.type": expect.stringMatching(/^(unreachable|SocketClosedUnexpectedlyError|ClientOfflineError|ClientClosedError)$/) })],
  ]);
  const failed = sdk.spans().find((span) => span.name === "HMGET session.get" && span.attributes["error.type"] !== undefined)!;
  expect(failed.status.code).toBe(SpanStatusCode.ERROR);
  expectNowhere(sdk.spans(), [id, PASSWORD]);
});

test("commands Redis refuses: error.type is Redis's error code (WRONGTYPE), never its message; the session store's and the list's", async () => {
  const sessions = sessionStore();
  const list = await revocationList();
  const id = randomBytes(24).toString("base64url");
  // Keys holding a string (written by redis-cli): HMGET on the session's, and the revoke script's ZADD on the users' set, are refused with WRONGTYPE.
  const sessionKey = `cognito-bearer:bff:{${createHash("sha256").update(id, "utf8").digest("base64url")}}:session`;
  const usersKey = "cognito-bearer:revocations:{rev}:users";
  const cli = (...args: string[]) => run("redis-cli", ["-p", String(redis.port), "-a", PASSWORD, "--no-auth-warning", ...args], 5000);
  await cli("SET", sessionKey, "not-a-hash");
  await cli("SET", usersKey, "not-a-sorted-set");
  try {
    await sdk.inServerSpan("POST /auth/token", async () => {
      await expect(sessions.get(id)).rejects.toThrow(/WRONGTYPE/);
    });
    await sdk.inServerSpan("POST /admin/revoke", async () => {
      await expect(list.revokeUser("user-secret-43")).rejects.toMatchObject({ queued: true });
    });
  } finally {
    await cli("DEL", sessionKey, usersKey); // the outbox then delivers the revocation
  }

  expect(childrenOf("POST /auth/token")).toEqual([["HMGET session.get", SpanKind.CLIENT, redisAttributes("HMGET", "session.get", { "error.type": "WRONGTYPE" })]]);
  const [write, ...retries] = childrenOf("POST /admin/revoke");
  expect(write).toEqual(["EVAL revocation.write", SpanKind.CLIENT, redisAttributes("EVAL", "revocation.write", { "error.type": "WRONGTYPE" })]);
  // The outbox's retries, started from the revoke that queued it, are in its trace too.
  for (const [name] of retries) expect(name).toBe("EVAL revocation.write_batch");
  for (const span of sdk.spans().filter((candidate) => candidate.attributes["error.type"] !== undefined)) expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "WRONGTYPE" });
  expectNowhere(sdk.spans(), [PASSWORD, id, sessionKey, usersKey, "{rev}", "user-secret-43", "wrong kind of value"]);
});

test("no tracer (tracerProvider: false): onRedisCommand makes no span", async () => {
  telemetry = createCognitoTelemetry({ meterProvider: sdk.meterProvider, tracerProvider: false });
  const sessions = sessionStore();
  await sdk.inServerSpan("POST /auth/token", () => sessions.get("another-session-id"));
  expect(sdk.spans().map((span) => span.name)).toEqual(["POST /auth/token"]);
});
