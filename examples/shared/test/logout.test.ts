// POST /logout in every example: 204, then the same access token gets 401
// invalid_token. In memory by default; with COGNITO_REDIS_URL, two instances
// (different examples, one Redis) share the list: a logout on one is refused
// on the other, and the time that took is measured.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { EXAMPLES, issuerEnv, startExample, stopAllExamples } from "../harness";

jest.setTimeout(60_000);

let issuer: TestIssuer;
let redis: RedisServer;
beforeAll(async () => {
  [issuer, redis] = await Promise.all([createTestIssuer(), startRedisServer()]);
});
afterAll(async () => {
  await stopAllExamples();
  await issuer?.close();
  await redis?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test.each([...EXAMPLES, "fastify", "hono", "lambda"] as const)("%s: POST /logout answers 204, then the same token is refused with 401 invalid_token", async (name) => {
  const app = await startExample(name, issuerEnv(issuer));
  const token = issuer.mintAccessToken();
  const refreshed = issuer.mintAccessToken({ origin_jti: JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).origin_jti });
  const other = issuer.mintAccessToken();
  expect((await fetch(`${app.url}/me`, { headers: bearer(token) })).status).toBe(200);
  expect((await fetch(`${app.url}/logout`, { method: "POST" })).status).toBe(401);
  const out = await fetch(`${app.url}/logout`, { method: "POST", headers: bearer(token) });
  expect([out.status, await out.text()]).toEqual([204, ""]);
  const after = await fetch(`${app.url}/me`, { headers: bearer(token) });
  expect(after.status).toBe(401);
  expect(after.headers.get("www-authenticate")).toMatch(/error="invalid_token", error_description="The access token has been revoked"/);
  expect(await after.json()).toEqual({ error: "invalid_token", error_description: "The access token has been revoked" });
  expect((await fetch(`${app.url}/me`, { headers: bearer(refreshed) })).status).toBe(401);
  expect((await fetch(`${app.url}/me`, { headers: bearer(other) })).status).toBe(200);
  // A token whose app client has revocation off (no origin_jti) is revoked by itself.
  const noOrigin = issuer.mintAccessToken({ origin_jti: undefined });
  expect((await fetch(`${app.url}/logout`, { method: "POST", headers: bearer(noOrigin) })).status).toBe(204);
  expect((await fetch(`${app.url}/me`, { headers: bearer(noOrigin) })).status).toBe(401);
  await app.stop();
});

test("two instances on one Redis: a logout on one is refused on the other", async () => {
  const env = { ...issuerEnv(issuer), COGNITO_REDIS_URL: redis.url };
  const [a, b] = await Promise.all([startExample("express", env), startExample("koa", env)]);
  const timings: number[] = [];
  for (let i = 0; i < 20; i++) {
    const token = issuer.mintAccessToken();
    expect((await fetch(`${b.url}/me`, { headers: bearer(token) })).status).toBe(200);
    expect((await fetch(`${a.url}/logout`, { method: "POST", headers: bearer(token) })).status).toBe(204);
    const started = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - started < 5000) status = (await fetch(`${b.url}/me`, { headers: bearer(token) })).status;
    timings.push(performance.now() - started);
    expect(status).toBe(401);
  }
  // A loose bound, not a tight one: the machine is shared (pnpm bench measures the latency).
  expect(Math.max(...timings)).toBeLessThan(5000);
  await Promise.all([a.stop(), b.stop()]);
});
