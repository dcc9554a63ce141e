// The token handler's sign-out when the API's revocation list (a Redis list)
// cannot reach its Redis: the list applies the revocation locally and queues
// it (its outbox), so the sign-out is acknowledged and completed (200, the
// session deleted, the refresh token revoked at Cognito) with
// `revocation: "queued"`, and another API instance refuses the token once
// Redis is back. Only a revocation the list did not even apply is a 503 that
// keeps the session. Real redis-server processes, no mock.
import { createVerifier } from "@cognito-bearer/core";
import { createRedisRevocationList } from "@cognito-bearer/redis";
import { createTestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { Browser, startApp } from "./support";

jest.setTimeout(40_000);

let redis: RedisServer;
const running: { close(): Promise<unknown> | unknown }[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

let prefixes = 0;
async function setup() {
  const keyPrefix = `queued${++prefixes}:`;
  const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "alice" }] } });
  running.push(issuer);
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix, closeTimeoutMs: 500, onEvent: () => undefined });
  running.push(revocations);
  await revocations.ready({ timeoutMs: 10_000 });
  const app = await startApp(async (redirectUri) => {
    issuer.oauth!.addRedirectUri(redirectUri);
    return issuer;
  }, { revocations });
  running.push(app);
  // Another instance of the API, on the same list.
  const other = createRedisRevocationList({ url: redis.url, keyPrefix, closeTimeoutMs: 500, onEvent: () => undefined });
  running.push(other);
  await other.ready({ timeoutMs: 10_000 });
  const otherVerifier = createVerifier({ ...issuer.verifierOptions, revocations: other });
  running.push(otherVerifier);
  return { issuer, app, revocations, otherVerifier };
}

const outcome = (verifier: ReturnType<typeof createVerifier>, token: string) =>
  verifier.verify(token).then(
    () => 200,
    (err: { status: number }) => err.status,
  );

test("revocation list's Redis down: /auth/logout signs out (200, revocation: queued, session deleted, Cognito told); the token is refused here at once and elsewhere once Redis is back", async () => {
  const { issuer, app, revocations, otherVerifier } = await setup();
  const browser = new Browser(app.url);
  expect((await browser.signIn()).status).toBe(200);
  const accessToken = await browser.accessToken();
  expect(await outcome(otherVerifier, accessToken)).toBe(200);

  await redis.kill();
  let out;
  try {
    out = await browser.post("/auth/logout");
    expect(revocations.pending()).toBe(1);
    expect(await outcome(app.verifier, accessToken)).toBe(401);
  } finally {
    await redis.start();
  }
  expect(out.status).toBe(200);
  expect(out.json()).toEqual({ logoutUrl: expect.any(String), revocation: "queued" });
  expect(out.headers.getSetCookie().join()).toMatch(/__Host-Http-cb-session=;/);
  expect(issuer.oauth!.counters.revoke).toBe(1);
  expect(app.events.filter((event) => event.type === "store_unavailable")).toEqual([]);
  expect(app.events).toContainEqual(expect.objectContaining({ type: "signed_out" }));
  // The session is gone: the same cookie gets no token.
  expect((await browser.post("/auth/token")).status).toBe(401);
  // Redis is back (empty): the outbox delivers, and the other instance refuses the token.
  const back = performance.now();
  let status = 200;
  while (status !== 401 && performance.now() - back < 10_000) {
    status = await outcome(otherVerifier, accessToken);
    if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(status).toBe(401);
  expect(revocations.pending()).toBe(0);
});

test("a list that did not even apply the revocation (closed): 503, and the session stays for a retry", async () => {
  const { app, revocations } = await setup();
  const browser = new Browser(app.url);
  expect((await browser.signIn()).status).toBe(200);
  await revocations.close();
  const out = await browser.post("/auth/logout");
  expect([out.status, out.json().error]).toEqual([503, "temporarily_unavailable"]);
  expect(out.headers.get("retry-after")).toBe("5");
  expect(app.events).toContainEqual(expect.objectContaining({ type: "store_unavailable" }));
  // The session was kept: a retry finds it again (a deleted one would sign out with 200).
  expect((await browser.post("/auth/logout")).status).toBe(503);
  expect(app.events.filter((event) => event.type === "signed_out")).toEqual([]);
});

test("Redis up: /auth/logout answers 200 without a revocation field", async () => {
  const { app } = await setup();
  const browser = new Browser(app.url);
  expect((await browser.signIn()).status).toBe(200);
  const out = await browser.post("/auth/logout");
  expect(out.status).toBe(200);
  expect(Object.keys(out.json())).toEqual(["logoutUrl"]);
});
