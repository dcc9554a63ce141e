// A large revocation list, against a real redis-server (no mock): read as one
// reply, a list of 200,000 entries blocked the event loop while the mirror was
// built and compared, and timed out against a short commandTimeoutMs (retried
// forever: ready() never resolved). Read page by page, each page is short and
// the event loop runs between them. And a load that takes longer than
// maxStalenessSeconds ends confirmed by the heartbeats heard during it: no 503
// right after it completes.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createClient } from "redis";
import { createVerifier } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { createRedisRevocationList, type RedisRevocationEvent, type RedisRevocationListOptions } from "@cognito-bearer/redis";
import type { RedisServer } from "../../../test/support/redis-server";
import { useRedisAndIssuer } from "./support";
import { startHoldingProxy } from "./holding-proxy";

jest.setTimeout(60_000);

let redis: RedisServer;
let issuer: TestIssuer;
const open = useRedisAndIssuer((server, testIssuer) => {
  redis = server;
  issuer = testIssuer;
});

const ENTRIES = 200_000;
/** Fills `<prefix>{rev}:sessions` with `ARGV[2]` sessions expiring at `ARGV[1]`, 1,000 per ZADD. */
const FILL = `
for i = 0, tonumber(ARGV[2]) - 1, 1000 do
  local a = {}
  for j = i, math.min(i + 999, tonumber(ARGV[2]) - 1) do
    a[#a + 1] = ARGV[1]
    a[#a + 1] = string.format('0123abcd-0000-4000-8000-%012x', j)
  end
  redis.call('ZADD', KEYS[1], unpack(a))
end
return redis.call('ZCARD', KEYS[1])
`;

async function filled(prefix: string): Promise<void> {
  const raw = createClient({ url: redis.url });
  raw.on("error", () => undefined);
  await raw.connect();
  try {
    const count = await raw.sendCommand(["EVAL", FILL, "1", `${prefix}{rev}:sessions`, String(Date.now() + 3_600_000), String(ENTRIES)]);
    expect(Number(count)).toBe(ENTRIES);
  } finally {
    raw.destroy();
  }
}

function list(prefix: string, options: Partial<RedisRevocationListOptions>, events: RedisRevocationEvent[]) {
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: prefix, onEvent: (event) => events.push(event), ...options });
  open.push(revocations);
  return revocations;
}

test("200,000 entries load without blocking the event loop (longest stall under 250 ms), even with commandTimeoutMs 200", async () => {
  const prefix = "large:";
  await filled(prefix);
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  open.push({ close: () => stalls.disable() });
  const events: RedisRevocationEvent[] = [];
  // Each page of the read must answer within 200 ms: the whole list, read as one reply, could not.
  const revocations = list(prefix, { commandTimeoutMs: 200 }, events);
  await revocations.ready({ timeoutMs: 45_000 });
  // The write-back's comparison (after the reload) runs too: measured until it is done.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  stalls.disable();
  expect(revocations.stats().sessions).toBe(ENTRIES);
  expect(events.find((e) => e.type === "reloaded")).toMatchObject({ entries: ENTRIES });
  // Nothing was missing from Redis: nothing written back.
  expect(events.filter((e) => e.type === "written_back")).toEqual([]);
  expect(stalls.max / 1e6).toBeLessThan(250);
});

test("a load that takes longer than maxStalenessSeconds does not answer 503 right after it completes: heartbeats heard during it confirm it", async () => {
  const prefix = "slow:";
  // The relay holds Redis's answers to the list's commands from the reload's first read (where the log ends) on,
  // for 1.5 s: a load three times longer than the 0.5 s bound. Redis runs every command at once, heartbeats included.
  const proxy = await startHoldingProxy(redis.port);
  open.push(proxy);
  proxy.holdRepliesAfter("XREVRANGE");
  const verifier = createVerifier({ ...issuer.verifierOptions });
  open.push(verifier);
  const auth = await verifier.verify(issuer.mintAccessToken());
  const events: RedisRevocationEvent[] = [];
  const revocations = createRedisRevocationList({
    url: proxy.url,
    keyPrefix: prefix,
    maxStalenessSeconds: 0.5,
    commandTimeoutMs: 10_000,
    onEvent: (event) => events.push(event),
  });
  open.push(revocations);
  const loaded = revocations.ready({ timeoutMs: 20_000 }).then(() => ({ verdict: revocations.check(auth.claims), at: Date.now() }));
  await proxy.heldContains("*", 5000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  proxy.release();
  const { verdict, at } = await loaded;
  const reloaded = events.find((e) => e.type === "reloaded");
  expect(reloaded?.type === "reloaded" && reloaded.durationMs).toBeGreaterThan(1000);
  // Right after it completes: not "unavailable" (503), and confirmed within the bound.
  expect(verdict).toBeUndefined();
  expect(at - revocations.confirmedAt()).toBeLessThan(500);
});
