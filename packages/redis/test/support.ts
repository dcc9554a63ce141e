// What the Redis package's tests share: a real redis-server and a test issuer
// per file, a verifier's verdict as one comparable value, polling until a
// verdict (or anything) turns up, and a stored session.
import { randomBytes } from "node:crypto";
import type { StoredSession } from "@cognito-bearer/bff";
import type { Verifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";

/**
 * Starts a real redis-server and a test issuer before the file's tests (handed to `started`) and stops them after;
 * returns the list into which a test pushes what it opens, closed in reverse order after each test.
 */
export function useRedisAndIssuer(started: (redis: RedisServer, issuer: TestIssuer) => void): { close(): unknown }[] {
  const open: { close(): unknown }[] = [];
  let redis: RedisServer | undefined;
  let issuer: TestIssuer | undefined;
  beforeAll(async () => {
    [redis, issuer] = await Promise.all([startRedisServer(), createTestIssuer()]);
    started(redis, issuer);
  });
  afterAll(async () => {
    await issuer?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });
  return open;
}

/** 200, or "<status> <reason>" of the AuthError. */
export async function outcome(verifier: Verifier, token: string): Promise<number | string> {
  try {
    await verifier.verify(token);
    return 200;
  } catch (err) {
    const { status, reason } = err as { status: number; reason: string };
    return `${status} ${reason}`;
  }
}

/** Polls `probe` until it returns `expected` (or the deadline passes); resolves to the last value and the time it took. */
export async function until<T>(probe: () => Promise<T> | T, expected: T, timeoutMs = 10_000): Promise<{ value: T; ms: number }> {
  const begun = performance.now();
  let value = await probe();
  while (value !== expected && performance.now() - begun < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    value = await probe();
  }
  return { value, ms: performance.now() - begun };
}

const DAY = 86_400_000;

/** A token-handler session as the store holds it, fresh, with random tokens; `overrides` win. */
export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  const now = Date.now();
  return {
    version: 1,
    sub: "8f1c2a4e-user",
    username: "alice",
    accessToken: `access.${randomBytes(8).toString("hex")}`,
    idToken: `id.${randomBytes(8).toString("hex")}`,
    refreshToken: `refresh.${randomBytes(8).toString("hex")}`,
    accessTokenExpiresAt: now + 3_600_000,
    originJtis: ["origin-1"],
    accessTokenIds: [{ jti: "jti-1", exp: Math.floor(now / 1000) + 3600 }],
    createdAt: now,
    expiresAt: now + 30 * DAY,
    ...overrides,
  };
}
