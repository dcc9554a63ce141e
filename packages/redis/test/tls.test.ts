// rediss:// with a CA of your own, against a real redis-server that speaks only
// TLS (test CA made by the harness with openssl): the revocation list and the
// session store work; trusting the wrong CA is refused: reported, never a
// crash, and checks answer "unavailable" (503), calls reject.
import { randomBytes } from "node:crypto";
import type { StoredSession } from "@cognito-bearer/bff";
import { OptionsError } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { createRedisRevocationList, createRedisSessionStore, type RedisRevocationEvent } from "@cognito-bearer/redis";
import { startRedisTlsServer, type RedisTlsServer } from "../../../test/support/redis-tls";

jest.setTimeout(30_000);

const SECRET = "a test secret that is long enough to derive a key";
let redis: RedisTlsServer;
let issuer: TestIssuer;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  [redis, issuer] = await Promise.all([startRedisTlsServer(), createTestIssuer()]);
});
afterAll(async () => {
  await issuer?.close();
  await redis?.stop();
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function session(): StoredSession {
  const now = Date.now();
  return {
    version: 1, sub: "user", username: "alice", accessToken: "access.x", idToken: "id.x", refreshToken: `refresh.${randomBytes(8).toString("hex")}`,
    accessTokenExpiresAt: now + 3_600_000, originJtis: ["o"], accessTokenIds: [], createdAt: now, expiresAt: now + 86_400_000,
  };
}

test("revocation list over TLS: revoked on one instance, refused on another", async () => {
  const a = createRedisRevocationList({ url: redis.url, tls: { ca: redis.ca } });
  const b = createRedisRevocationList({ url: redis.url, tls: { ca: redis.ca } });
  open.push(a, b);
  await Promise.all([a.ready(), b.ready()]);
  const auth = { claims: { sub: "u", jti: "j1", origin_jti: "o1", exp: Math.floor(Date.now() / 1000) + 600 } } as never;
  await a.revokeSession(auth);
  const deadline = Date.now() + 2000;
  while (b.check((auth as { claims: never }).claims) !== "revoked" && Date.now() < deadline) await sleep(10);
  expect(b.check((auth as { claims: never }).claims)).toBe("revoked");
});

test("session store over TLS", async () => {
  const sessions = createRedisSessionStore({ url: redis.url, tls: { ca: redis.ca }, secret: SECRET });
  open.push(sessions);
  const id = randomBytes(32).toString("base64url");
  const value = session();
  await sessions.create(id, value, Date.now() + 60_000);
  expect(await sessions.get(id)).toEqual(value);
  expect(await sessions.delete(id)).toBe(true);
});

test("the wrong CA is refused: reported, checks answer unavailable, calls reject; nothing crashes", async () => {
  const events: RedisRevocationEvent[] = [];
  const list = createRedisRevocationList({ url: redis.url, tls: { ca: redis.otherCa }, onEvent: (e) => events.push(e) });
  const sessions = createRedisSessionStore({ url: redis.url, tls: { ca: redis.otherCa }, secret: SECRET, commandTimeoutMs: 500 });
  open.push(list, sessions);
  const deadline = Date.now() + 5000;
  while (!events.some((e) => e.type === "error") && Date.now() < deadline) await sleep(20);
  const errors = events.filter((e): e is Extract<RedisRevocationEvent, { type: "error" }> => e.type === "error");
  expect(errors.length).toBeGreaterThan(0);
  expect(errors[0].error).toMatch(/certificate|self.signed|verify/i);
  expect(list.check({ sub: "u", jti: "j", origin_jti: "o", exp: Math.floor(Date.now() / 1000) + 600 } as never)).toBe("unavailable");
  await expect(list.revokeToken({ claims: { sub: "u", jti: "j2", exp: Math.floor(Date.now() / 1000) + 600 } } as never)).rejects.toThrow(/unreachable|did not store/);
  await expect(sessions.get("some-id")).rejects.toThrow();
});

test("tls is checked: it needs rediss:// URLs and a PEM CA", () => {
  expect(() => createRedisRevocationList({ url: "redis://127.0.0.1:1", tls: { ca: redis.ca } })).toThrow(OptionsError);
  expect(() => createRedisRevocationList({ url: redis.url, tls: { ca: 42 as never } })).toThrow(/tls.ca/);
  expect(() => createRedisSessionStore({ url: redis.url, tls: "yes" as never, secret: SECRET })).toThrow(/tls must be an object/);
});
