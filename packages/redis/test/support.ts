// What the Redis package's tests share: a verifier's verdict as one comparable
// value, polling until a verdict (or anything) turns up, and a stored session.
import { randomBytes } from "node:crypto";
import type { StoredSession } from "@cognito-bearer/bff";
import type { Verifier } from "@cognito-bearer/core";

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
