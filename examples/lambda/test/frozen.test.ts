// A Lambda-style instance frozen between invocations: the Lambda example
// (handler.js behind its local API Gateway stand-in) runs in a child process
// on a real redis-server, is frozen with SIGSTOP, another instance (the Express
// example) signs a token out meanwhile, and the first request after SIGCONT
// must be refused (401 invalid_token, revoked).
//
// The example's list runs in "catch-up" mode: no subscription; the invocation
// finds its mirror older than maxStalenessSeconds (1 s) and reads what it
// missed from the list's log before the check. The control runs the same
// example with a subscription ("subscribe", the servers' mode): its mirror is
// kept current only by what Redis pushes, and a frozen process has not read
// what was pushed while it was frozen. In Lambda the whole execution
// environment is frozen, network included; here the subscriber's connection is
// stalled (a relay holds its bytes) for as long as the process is stopped,
// which makes that state exact: the revocation's message is on its way, the
// heartbeats of the last seconds vouch for the mirror (its bound is 30 s), and
// the first invocation lets the revoked token through. That is why a frozen
// process needs the catch-up mode, not a subscription.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { startStallingProxy, type StallingProxy } from "../../../test/support/stalling-proxy";
import { issuerEnv, startExample, stopAllExamples, type Running } from "../../shared/harness";

jest.setTimeout(60_000);

let issuer: TestIssuer;
let redis: RedisServer;
let proxy: StallingProxy;
beforeAll(async () => {
  [issuer, redis] = await Promise.all([createTestIssuer(), startRedisServer()]);
  proxy = await startStallingProxy(redis.port);
});
afterAll(async () => {
  await stopAllExamples();
  await proxy?.close();
  await issuer?.close();
  await redis?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Freezes `lambda`, signs `token` out on `other` meanwhile, waits `frozenMs`, and answers what the first request
 * after the thaw gets: it is sent while the process is still stopped (so it is the first thing the thawed
 * process reads), then the process is continued.
 */
async function frozenWhileSignedOut(lambda: Running, other: Running, token: string, frozenMs: number, duringFreeze = () => undefined as unknown) {
  expect((await fetch(`${lambda.url}/me`, { headers: bearer(token) })).status).toBe(200);
  lambda.child.kill("SIGSTOP");
  try {
    duringFreeze();
    const out = await fetch(`${other.url}/logout`, { method: "POST", headers: bearer(token) });
    expect(out.status).toBe(204);
    await sleep(frozenMs);
    const first = fetch(`${lambda.url}/me`, { headers: bearer(token) });
    await sleep(50);
    lambda.child.kill("SIGCONT");
    const res = await first;
    return { status: res.status, wwwAuthenticate: res.headers.get("www-authenticate"), body: await res.json() };
  } finally {
    lambda.child.kill("SIGCONT");
  }
}

test("catch-up (the Lambda example's mode): the revoked token is refused on the very first invocation after the thaw", async () => {
  const env = { ...issuerEnv(issuer), COGNITO_REDIS_URL: redis.url };
  const [lambda, express] = await Promise.all([startExample("lambda", env), startExample("express", env)]);
  for (let round = 0; round < 3; round++) {
    const first = await frozenWhileSignedOut(lambda, express, issuer.mintAccessToken(), 1500);
    expect(first).toEqual({
      status: 401,
      wwwAuthenticate: expect.stringMatching(/error="invalid_token", error_description="The access token has been revoked"/),
      body: { error: "invalid_token", error_description: "The access token has been revoked" },
    });
  }
  // And a token nobody signed out still passes.
  expect((await fetch(`${lambda.url}/me`, { headers: bearer(issuer.mintAccessToken()) })).status).toBe(200);
  await Promise.all([lambda.stop(), express.stop()]);
});

test("control: with a subscription instead, the first invocation after the thaw lets the revoked token through", async () => {
  const [lambda, express] = await Promise.all([
    startExample("lambda", { ...issuerEnv(issuer), COGNITO_REDIS_URL: proxy.url, COGNITO_REDIS_MODE: "subscribe" }),
    startExample("express", { ...issuerEnv(issuer), COGNITO_REDIS_URL: redis.url }),
  ]);
  let stalled = 0;
  const first = await frozenWhileSignedOut(lambda, express, issuer.mintAccessToken(), 1500, () => (stalled = proxy.stall({ sent: "SUBSCRIBE" })));
  expect(stalled).toBe(1);
  expect(first.status).toBe(200);
  // Once its connection delivers what waited, the subscription catches up too.
  proxy.resume();
  await Promise.all([lambda.stop(), express.stop()]);
});
