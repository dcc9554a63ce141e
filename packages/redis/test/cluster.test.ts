// The revocation list and the session store on a real Redis Cluster (6
// redis-server processes: 3 primaries, 3 replicas, started by the harness):
// hash-tagged keys (each script in one slot), pub/sub across nodes, and a
// primary SIGKILLed mid-run: during the failover calls may reject (503), never
// answer "not revoked" for a stored revocation or return wrong session data;
// afterwards everything works again, and nothing acknowledged is lost.
import { randomBytes, createHash } from "node:crypto";
import { createCluster } from "redis";
import type { StoredSession } from "@cognito-bearer/bff";
import { createVerifier, type CognitoAuth, type Verifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import {
  createRedisRevocationList,
  createRedisSessionStore,
  RevocationUnavailableError,
  type RedisRevocationListOptions,
} from "@cognito-bearer/redis";
import { startRedisCluster, sleep, type RedisCluster } from "../../../test/support/redis-cluster";
import { storedSession } from "./support";

jest.setTimeout(60_000);

const SECRET = "a test secret that is long enough to derive a key";
let cluster: RedisCluster;
let issuer: TestIssuer;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  [cluster, issuer] = await Promise.all([startRedisCluster(), createTestIssuer()]);
});
afterAll(async () => {
  await issuer?.close();
  await cluster?.stop();
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const rootNodes = () => cluster.urls.slice(0, 3).map((url) => ({ url }));

async function instance(prefix: string, options: Partial<RedisRevocationListOptions> = {}) {
  const revocations = createRedisRevocationList({ cluster: { rootNodes: rootNodes() }, keyPrefix: prefix, maxStalenessSeconds: 3, ...options });
  open.push(revocations);
  const verifier: Verifier = createVerifier({ ...issuer.verifierOptions, revocations });
  open.push(verifier);
  await revocations.ready();
  return { revocations, verifier };
}

async function until<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(20);
    value = await probe();
  }
  return value;
}

const session = storedSession;

test("the revocation list's keys share one slot, and the session's record and lock share one slot", async () => {
  const slot = async (key: string) => Number((await cluster.cli(cluster.nodes[0].port, "cluster", "keyslot", key)).trim());
  const prefix = "cognito-bearer:revocations:";
  const slots = await Promise.all(["sessions", "tokens", "users"].map((kind) => slot(`${prefix}{rev}:${kind}`)));
  expect(new Set(slots).size).toBe(1);
  const hash = createHash("sha256").update("some-session-id").digest("base64url");
  expect(await slot(`cognito-bearer:bff:{${hash}}:session`)).toBe(await slot(`cognito-bearer:bff:{${hash}}:lock`));
});

test("revocation list: revoked on instance A, refused on instance B within a second (pub/sub across nodes), and loaded by a new instance", async () => {
  const a = await instance("rl1:");
  const b = await instance("rl1:");
  for (const kind of ["session", "token", "user"] as const) {
    const token = issuer.mintAccessToken();
    const auth: CognitoAuth = await b.verifier.verify(token);
    if (kind === "session") await a.revocations.revokeSession(auth);
    else if (kind === "token") await a.revocations.revokeToken(auth);
    else await a.revocations.revokeUser(auth.sub);
    const started = Date.now();
    expect(await until(() => b.revocations.check(auth.claims), (v) => v === "revoked", 2000)).toBe("revoked");
    expect(Date.now() - started).toBeLessThan(1000);
  }
  const c = await instance("rl1:");
  expect(c.revocations.stats()).toEqual(a.revocations.stats());
});

test("revocation list and a client of yours: createCluster() given as client is used and left open", async () => {
  const client = createCluster({ rootNodes: rootNodes() });
  client.on("error", () => undefined);
  await client.connect();
  open.push({ close: () => client.destroy() });
  const a = await instance("rl2:", { client, cluster: undefined } as never);
  const b = await instance("rl2:");
  const auth = await a.verifier.verify(issuer.mintAccessToken());
  await a.revocations.revokeSession(auth);
  expect(await until(() => b.revocations.check(auth.claims), (v) => v === "revoked", 2000)).toBe("revoked");
  await a.revocations.close();
  expect(client.isReady).toBe(true);
  expect(await client.sendCommand(undefined, true, ["PING"])).toBe("PONG");
});

test("session store on a createCluster() client of yours: used, and left open by close()", async () => {
  const client = createCluster({ rootNodes: rootNodes() });
  client.on("error", () => undefined);
  await client.connect();
  open.push({ close: () => client.destroy() });
  const sessions = createRedisSessionStore({ client, secret: SECRET, keyPrefix: "ss2:" });
  const id = randomBytes(32).toString("base64url");
  const value = session();
  await sessions.create(id, value, Date.now() + 60_000);
  expect(await sessions.get(id)).toEqual(value);
  await sessions.close();
  expect(client.isReady).toBe(true);
});

test("session store: create, get, lock, fenced replace, renew, touch, fenced delete, release", async () => {
  const sessions = createRedisSessionStore({ cluster: { rootNodes: rootNodes() }, secret: SECRET, keyPrefix: "ss1:" });
  open.push(sessions);
  // Enough sessions that every primary holds some.
  const ids = Array.from({ length: 12 }, () => randomBytes(32).toString("base64url"));
  for (const id of ids) {
    const stored = session();
    await sessions.create(id, stored, Date.now() + 60_000);
    expect(await sessions.get(id)).toEqual(stored);
    const lock = (await sessions.lock(id, 5000))!;
    expect(lock).toBeDefined();
    expect(await sessions.lock(id, 5000)).toBeUndefined();
    const next = { ...stored, version: 2, accessToken: "access.new" };
    expect(await sessions.replace(id, 1, next, lock)).toBe(true);
    expect(await sessions.replace(id, 1, { ...next, version: 3 }, lock)).toBe(false); // version moved on
    expect(await lock.renew(5000)).toBe(true);
    await sessions.touch(id, Date.now() + 120_000);
    expect(await sessions.get(id)).toEqual(next);
    expect(await sessions.delete(id, lock)).toBe(true);
    expect(await sessions.get(id)).toBeUndefined();
    await lock.release();
    expect(await lock.renew(5000)).toBe(false);
  }
});

test("a primary killed mid-run: revocations and sessions continue after the failover; 503s meanwhile, never a wrong answer, nothing lost", async () => {
  const prefix = "fo:";
  const a = await instance(prefix, { commandTimeoutMs: 1000 });
  const b = await instance(prefix, { commandTimeoutMs: 1000 });
  const sessions = createRedisSessionStore({ cluster: { rootNodes: rootNodes() }, secret: SECRET, keyPrefix: "fo:bff:", commandTimeoutMs: 1000 });
  open.push(sessions);

  // Before: revocations and sessions stored, and replicated (every replica caught up with its primary).
  const stored: CognitoAuth[] = [];
  for (let i = 0; i < 10; i++) {
    const auth = await a.verifier.verify(issuer.mintAccessToken());
    await a.revocations.revokeSession(auth);
    stored.push(auth);
  }
  const written = new Map<string, StoredSession>();
  for (let i = 0; i < 12; i++) {
    const id = randomBytes(32).toString("base64url");
    const value = session();
    await sessions.create(id, value, Date.now() + 60_000);
    written.set(id, value);
  }
  await cluster.replicated();
  for (const auth of stored) expect(await until(() => b.revocations.check(auth.claims), (v) => v === "revoked", 2000)).toBe("revoked");

  // During: the primary holding the list is killed; revocations keep being attempted on A, B is checked throughout.
  const unfaithful: string[] = [];
  const acknowledged: CognitoAuth[] = [];
  /** When each acknowledged revocation was acknowledged: B may not know one yet within its staleness bound (3 s). */
  const ackedAt = new Map<CognitoAuth, number>();
  let rejected = 0;
  let killing = true;
  const checker = (async () => {
    while (killing) {
      // B never forgets what it knew (stored before the kill), and past its staleness bound it answers
      // "revoked" or "unavailable" (503) for every revocation acknowledged since, never "not revoked".
      for (const auth of stored) {
        const answer = b.revocations.check(auth.claims);
        if (answer !== "revoked" && answer !== "unavailable") unfaithful.push(`B said ${String(answer)} for a revocation stored before`);
      }
      for (const auth of acknowledged) {
        const answer = b.revocations.check(auth.claims);
        const late = Date.now() - ackedAt.get(auth)! > 3000 + 500;
        if (late && answer !== "revoked" && answer !== "unavailable") unfaithful.push(`B said ${String(answer)} beyond the bound`);
      }
      for (const [id, value] of written) {
        const got = await sessions.get(id).catch(() => "rejected" as const);
        if (got !== "rejected" && JSON.stringify(got) !== JSON.stringify(value)) unfaithful.push(`session ${got === undefined ? "missing" : "different"}`);
      }
      await sleep(50);
    }
  })();
  const writer = (async () => {
    while (killing) {
      const auth = await a.verifier.verify(issuer.mintAccessToken()).catch(() => undefined);
      if (auth !== undefined) {
        try {
          await a.revocations.revokeSession(auth);
          ackedAt.set(auth, Date.now());
          acknowledged.push(auth);
        } catch (err) {
          expect(err).toBeInstanceOf(RevocationUnavailableError);
          rejected++;
        }
      }
      await sleep(50);
    }
  })();
  const killed = await cluster.killPrimaryOf(`${prefix}{rev}:sessions`);
  expect(killed).toBeGreaterThan(0);
  // After: revocations are acknowledged again within a bound.
  const recovered = await until(
    async () => {
      const auth = await a.verifier.verify(issuer.mintAccessToken()).catch(() => undefined);
      if (auth === undefined) return false;
      return a.revocations.revokeSession(auth).then(
        () => (ackedAt.set(auth, Date.now()), acknowledged.push(auth), true),
        () => false,
      );
    },
    (ok) => ok,
    15_000,
  );
  killing = false;
  await Promise.all([checker, writer]);
  expect(recovered).toBe(true);
  expect(unfaithful).toEqual([]);

  // Nothing lost: every revocation stored before, or acknowledged during or after the failover, is refused on B and
  // by an instance started after the failover. One acknowledged by the old primary in the instant before it died
  // may have missed its replica (Redis replicates asynchronously): the new primary's replication id, in its
  // heartbeats, makes A (which made it) reload and write it back.
  for (const auth of [...stored, ...acknowledged]) expect(await until(() => b.revocations.check(auth.claims), (v) => v === "revoked", 10_000)).toBe("revoked");
  const c = await instance(prefix);
  for (const auth of [...stored, ...acknowledged]) expect(await until(() => c.revocations.check(auth.claims), (v) => v === "revoked", 10_000)).toBe("revoked");
  for (const auth of acknowledged) expect(a.revocations.check(auth.claims)).toBe("revoked");
  for (const [id, value] of written) expect(await until(() => sessions.get(id).catch(() => "rejected"), (v) => v !== "rejected", 10_000)).toEqual(value);
  // And the session store works after the failover on every slot.
  for (const id of written.keys()) {
    const lock = (await until(() => sessions.lock(id, 2000).catch(() => undefined), (v) => v !== undefined, 10_000))!;
    expect(await sessions.replace(id, 1, session({ version: 2 }), lock)).toBe(true);
    await lock.release();
  }
});
