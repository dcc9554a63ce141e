// A large list: `entries` live session revocations stored in Redis, then a new
// instance (its own process, --expose-gc) started on them: the time its
// ready() takes (connect, one range read, the mirror built, the anti-entropy
// comparison), the heap its mirror holds after two full GCs, and then, in that
// same process, a cache hit's CPU cost with that list against no list.
//
// The entries are written straight into the list's sorted set by a Lua script
// (ZADD, 1,000 members a call, 100,000 a script), not through revokeSession():
// one EVAL per entry would spend most of the run filling Redis. The layout is
// the store's (packages/redis/src/store.ts: `<prefix>{rev}:sessions`, member =
// origin_jti, score = expiry in ms); the new instance's reported entry count
// checks it. Ids are UUID-shaped, 36 characters: a random 23-character stem
// and a 12-digit hexadecimal counter.
//
// The instance is given commandTimeoutMs = 30 s: a reload is one read of the
// whole list bounded by commandTimeoutMs (default 2 s), and reading 1,000,000
// entries takes about 2 s here: with the default, one run of this bench saw
// the read time out and be retried every 0.5 s for 120 s (ready() never
// resolved), another saw it load in 6.7 s. The figure wanted is the load, not
// that race.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { startChild, stopChild } from "./processes.js";

const INSTANCE = new URL("./revocation-instance.js", import.meta.url).pathname;
const PER_SCRIPT = 100_000;
/** ZADD key expiresAt <stem>-<counter> … for counters [from, to), 1,000 members a call. */
const FILL_SCRIPT = `
local from, to = tonumber(ARGV[3]), tonumber(ARGV[4])
for i = from, to - 1, 1000 do
  local args = {}
  for j = i, math.min(i + 999, to - 1) do
    args[#args + 1] = ARGV[1]
    args[#args + 1] = string.format('%s-%012x', ARGV[2], j)
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
return to - from
`;
const LOAD_TIMEOUT_MS = 30_000;

export async function measureLargeList({ url, entries, verifierOptions, header, rounds, calls }) {
  const keyPrefix = `bench-large-${randomUUID().slice(0, 8)}:`;
  const client = createClient({ url });
  await client.connect();
  const fillStarted = performance.now();
  try {
    const expiresAt = String(Date.now() + 3_600_000);
    const stem = randomUUID().slice(0, 23);
    for (let from = 0; from < entries; from += PER_SCRIPT) {
      await client.sendCommand(["EVAL", FILL_SCRIPT, "1", `${keyPrefix}{rev}:sessions`, expiresAt, stem, String(from), String(Math.min(entries, from + PER_SCRIPT))]);
    }
    const stored = Number(await client.sendCommand(["ZCARD", `${keyPrefix}{rev}:sessions`]));
    if (stored !== entries) throw new Error(`Redis holds ${stored} entries, not ${entries}`);
  } finally {
    await client.close();
  }
  const fillSeconds = (performance.now() - fillStarted) / 1000;

  const instance = startChild(INSTANCE, { execArgv: ["--expose-gc"] });
  try {
    const loaded = await instance.call("open", { url, keyPrefix, commandTimeoutMs: LOAD_TIMEOUT_MS });
    if (loaded.entries !== entries) throw new Error(`the new instance loaded ${loaded.entries} entries, not ${entries}`);
    const perCall = await instance.call("cacheHit", { verifierOptions, header, rounds, calls, url });
    await instance.call("close");
    return { entries, fillSeconds, commandTimeoutMs: LOAD_TIMEOUT_MS, ...loaded, perCall };
  } finally {
    await stopChild(instance);
  }
}
