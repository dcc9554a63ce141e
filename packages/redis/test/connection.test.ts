// Connection options (url | cluster | client, tls) are validated without
// quoting a URL, and the revocation list still reads entries stored under the
// key names of versions before the hash tags (`<prefix>sessions`).
import { createClient } from "redis";
import { OptionsError } from "@cognito-bearer/core";
import { createRedisRevocationList, createRedisSessionStore } from "@cognito-bearer/redis";
import { firstKey } from "../src/connection";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";

jest.setTimeout(30_000);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

test("one of url, cluster or client; cluster.rootNodes are checked like url, never quoted", () => {
  const secret = "a test secret that is long enough to derive a key";
  expect(() => createRedisRevocationList({ url: redis.url, cluster: { rootNodes: [{ url: redis.url }] } })).toThrow(/needs one of url, cluster or client/);
  expect(() => createRedisSessionStore({ secret } as never)).toThrow(/needs one of url, cluster or client/);
  expect(() => createRedisRevocationList({ cluster: { rootNodes: [] } })).toThrow(/cluster.rootNodes must be a non-empty array/);
  expect(() => createRedisRevocationList({ cluster: {} as never })).toThrow(OptionsError);
  let message = "";
  try {
    createRedisRevocationList({ cluster: { rootNodes: [{ url: "redis://user:s3cret@[bad" }] } });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(/not a valid URL/);
  expect(message).not.toContain("s3cret");
  expect(() => createRedisRevocationList({ cluster: { rootNodes: [{ url: "redis://a:1" }, { url: "rediss://b:1" }] } })).toThrow(/must all be redis:\/\/ or all rediss:\/\//);
  expect(() => createRedisRevocationList({ client: { sendCommand() {} } as never })).toThrow(/node-redis client/);
});

test("commands are routed by their first key: KEYS[1] for scripts, none for key-less commands", () => {
  expect(firstKey(["EVAL", "script", "2", "k1", "k2", "arg"])).toBe("k1");
  expect(firstKey(["EVAL", "script", "0", "arg"])).toBeUndefined();
  expect(firstKey(["HMGET", "k", "v", "d"])).toBe("k");
  expect(firstKey(["PUBLISH", "channel", "message"])).toBe("channel");
  expect(firstKey(["CONFIG", "GET", "maxmemory-policy"])).toBeUndefined();
});

test("entries under the key names before the hash tags are still loaded", async () => {
  const raw = createClient({ url: redis.url });
  raw.on("error", () => undefined);
  await raw.connect();
  try {
    await raw.sendCommand(["ZADD", "legacy:sessions", String(Date.now() + 60_000), "old-origin"]);
    await raw.sendCommand(["ZADD", "legacy:{rev}:tokens", String(Date.now() + 60_000), "new-jti"]);
    const list = createRedisRevocationList({ url: redis.url, keyPrefix: "legacy:" });
    try {
      await list.ready();
      const exp = Math.floor(Date.now() / 1000) + 600;
      expect(list.check({ sub: "u", jti: "j", origin_jti: "old-origin", exp } as never)).toBe("revoked");
      expect(list.check({ sub: "u", jti: "new-jti", origin_jti: "other", exp } as never)).toBe("revoked");
      expect(list.check({ sub: "u", jti: "j2", origin_jti: "other", exp } as never)).toBeUndefined();
    } finally {
      await list.close();
    }
  } finally {
    raw.destroy();
  }
});
