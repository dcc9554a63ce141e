// The examples on a Redis Cluster: COGNITO_REDIS_URL lists several node URLs
// and COGNITO_REDIS_CLUSTER=1 selects cluster mode. A logout on one example
// process is refused by another; a bad combination exits with one line naming
// the variable, never showing the password.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisCluster, type RedisCluster } from "../../../test/support/redis-cluster";
import { issuerEnv, runToExit, startExample, stopAllExamples } from "../harness";

jest.setTimeout(60_000);

let issuer: TestIssuer;
let cluster: RedisCluster;
beforeAll(async () => {
  [issuer, cluster] = await Promise.all([createTestIssuer(), startRedisCluster()]);
});
afterAll(async () => {
  await stopAllExamples();
  await issuer?.close();
  await cluster?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test("two examples on a Redis Cluster: a logout on one is refused on the other", async () => {
  const env = { ...issuerEnv(issuer), COGNITO_REDIS_URL: cluster.urls.slice(0, 3).join(", "), COGNITO_REDIS_CLUSTER: "1" };
  const [a, b] = await Promise.all([startExample("express", env), startExample("koa", env)]);
  for (let i = 0; i < 5; i++) {
    const token = issuer.mintAccessToken();
    expect((await fetch(`${b.url}/me`, { headers: bearer(token) })).status).toBe(200);
    expect((await fetch(`${a.url}/logout`, { method: "POST", headers: bearer(token) })).status).toBe(204);
    const started = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - started < 5000) status = (await fetch(`${b.url}/me`, { headers: bearer(token) })).status;
    expect(status).toBe(401);
  }
  await Promise.all([a.stop(), b.stop()]);
});

test.each([
  [{ COGNITO_REDIS_URL: "redis://:s3cret@127.0.0.1:1,redis://:s3cret@127.0.0.1:2" }, /^COGNITO_REDIS_URL lists several URLs: set COGNITO_REDIS_CLUSTER=1/],
  [{ COGNITO_REDIS_URL: "redis://:s3cret@127.0.0.1:1", COGNITO_REDIS_CLUSTER: "yes" }, /^COGNITO_REDIS_CLUSTER must be 1 \(Redis Cluster\) or 0, got "yes"/],
  [{ COGNITO_REDIS_CLUSTER: "1" }, /^COGNITO_REDIS_CLUSTER=1 needs COGNITO_REDIS_URL/],
  [{ COGNITO_REDIS_URL: "redis://:s3cret@127.0.0.1:1,http://x", COGNITO_REDIS_CLUSTER: "1" }, /^COGNITO_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL \(or several/],
  [{ COGNITO_REDIS_URL: "redis://:s3cret@127.0.0.1:1,rediss://:s3cret@127.0.0.1:2", COGNITO_REDIS_CLUSTER: "1" }, /^COGNITO_REDIS_URL mixes redis:\/\/ and rediss:\/\//],
])("a bad cluster configuration exits with one line naming the variable: %j", async (redis, message) => {
  const result = await runToExit("express", { ...issuerEnv(issuer), ...redis });
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr + result.stdout).not.toContain("s3cret");
});
