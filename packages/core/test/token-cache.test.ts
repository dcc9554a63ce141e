// The verified-token cache: on by default, re-checked on every hit, bounded,
// never holding failures.
import type { TestIssuer } from "@cognito-bearer/testing";
import { VerifiedTokenCache, type CacheEntry } from "../src/token-cache";
import { expectRejected, fixtures, freezeDate, INVALID_TOKEN, recorder, UNAVAILABLE } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer();
});
beforeEach(() => issuer.setFault(null));

function cachedFlags(events: ReturnType<typeof recorder>): boolean[] {
  return events.ofType("verified").map((event) => event.cached);
}

test("is on by default: a hit returns the same auth object", async () => {
  const events = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent: events.onEvent });
  const token = issuer.mintAccessToken();
  const first = await verifier.verify(token);
  const second = await verifier.verify(token);
  expect(second).toBe(first);
  expect(cachedFlags(events)).toEqual([false, true]);
  expect(verifier.stats().cache).toMatchObject({ size: 1, maxEntries: 10_000 });
  expect(verifier.stats().cache!.bytes).toBeGreaterThan(token.length);
});

test("a hit needs neither the JWKS nor its keys", async () => {
  const verifier = t.verifier(issuer.verifierOptions);
  const token = issuer.mintAccessToken();
  const first = await verifier.verify(token);
  issuer.setFault({ mode: "down" });
  expect(await verifier.verify(token)).toBe(first);
  expect(issuer.jwksRequests).toBeGreaterThanOrEqual(1);
});

test("another token of the same user is verified on its own", async () => {
  const events = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent: events.onEvent });
  const a = await verifier.verify(issuer.mintAccessToken({ sub: "same" }));
  const b = await verifier.verify(issuer.mintAccessToken({ sub: "same" }));
  expect(b).not.toBe(a);
  expect(cachedFlags(events)).toEqual([false, false]);
});

test("cache: false verifies every time", async () => {
  const events = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, cache: false, onEvent: events.onEvent });
  const token = issuer.mintAccessToken();
  const first = await verifier.verify(token);
  const second = await verifier.verify(token);
  expect(second).not.toBe(first);
  expect(second).toEqual(first);
  expect(cachedFlags(events)).toEqual([false, false]);
  expect(verifier.stats().cache).toBeUndefined();
});

describe("expiry is re-checked on every hit", () => {
  const NOW = 1_900_000_000;

  test("a cached token is refused once it expires", async () => {
    const clock = freezeDate(NOW * 1000);
    const events = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, onEvent: events.onEvent });
    const token = issuer.mintAccessToken({ iat: NOW, exp: NOW + 10 });
    const auth = await verifier.verify(token);

    clock.set((NOW + 9) * 1000 + 999);
    expect(await verifier.verify(token)).toBe(auth);
    clock.set((NOW + 10) * 1000);
    await expectRejected(verifier.verify(token), INVALID_TOKEN("expired"));
    expect(verifier.stats().cache!.size).toBe(0);
    expect(cachedFlags(events)).toEqual([false, true]);
  });

  test("with graceSeconds, a hit is accepted up to exp + grace and refused from then on", async () => {
    const clock = freezeDate(NOW * 1000);
    const verifier = t.verifier({ ...issuer.verifierOptions, graceSeconds: 5 });
    const token = issuer.mintAccessToken({ iat: NOW, exp: NOW + 10 });
    const auth = await verifier.verify(token);

    clock.set((NOW + 14) * 1000 + 999);
    expect(await verifier.verify(token)).toBe(auth);
    clock.set((NOW + 15) * 1000);
    await expectRejected(verifier.verify(token), INVALID_TOKEN("expired"));
  });

  test("on the real clock: a token expiring in about a second stops being served from the cache", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken({}, { expiresInSeconds: 1 });
    const exp = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).exp as number;
    const auth = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(auth);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 20));
    await expectRejected(verifier.verify(token), INVALID_TOKEN("expired"));
    await expectRejected(verifier.authenticate(`Bearer ${token}`), INVALID_TOKEN("expired"));
  });
});

describe("failures are not cached", () => {
  test("a token refused during a JWKS outage is verified once the JWKS is back", async () => {
    const events = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, onEvent: events.onEvent });
    const token = issuer.mintAccessToken();
    issuer.setFault({ mode: "down" });
    await expectRejected(verifier.verify(token), UNAVAILABLE);
    expect(verifier.stats().cache!.size).toBe(0);
    issuer.setFault(null);
    await expect(verifier.verify(token)).resolves.toMatchObject({ token });
    expect(cachedFlags(events)).toEqual([false]);
  });

  test("a token refused by a requirement is not stored", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, scopes: "orders/read" });
    const token = issuer.mintAccessToken({ scope: "profile" });
    for (let i = 0; i < 2; i++) {
      await expectRejected(verifier.verify(token), { status: 403, code: "insufficient_scope", reason: "insufficient_scope" });
    }
    expect(verifier.stats().cache!.size).toBe(0);
  });

  test("an invalid token is not stored, however often it is sent", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken({ client_id: "other" });
    for (let i = 0; i < 3; i++) await expectRejected(verifier.verify(token), INVALID_TOKEN("client_not_accepted"));
    expect(verifier.stats().cache!.size).toBe(0);
  });
});

describe("bounds", () => {
  test("{ maxEntries } bounds the size; the oldest entry goes first", async () => {
    const events = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, cache: { maxEntries: 2 }, onEvent: events.onEvent });
    const [a, b, c] = [issuer.mintAccessToken(), issuer.mintAccessToken(), issuer.mintAccessToken()];
    for (const token of [a, b, c]) await verifier.verify(token);
    expect(verifier.stats().cache).toMatchObject({ size: 2, maxEntries: 2 });

    await verifier.verify(c);
    await verifier.verify(b);
    await verifier.verify(a);
    expect(cachedFlags(events)).toEqual([false, false, false, true, true, false]);
    expect(verifier.stats().cache!.size).toBe(2);
  });

  test("{ maxBytes } bounds the memory estimate", async () => {
    const token = issuer.mintAccessToken();
    const maxBytes = token.length * 5;
    const verifier = t.verifier({ ...issuer.verifierOptions, cache: { maxBytes } });
    for (let i = 0; i < 6; i++) await verifier.verify(issuer.mintAccessToken());
    const stats = verifier.stats().cache!;
    expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.size).toBeGreaterThan(0);
    expect(stats.size).toBeLessThan(6);
  });

  test("close() empties the cache", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await verifier.verify(issuer.mintAccessToken());
    verifier.close();
    expect(verifier.stats().cache).toMatchObject({ size: 0, bytes: 0 });
  });
});

test("entries signed by a key the issuer withdrew are dropped at the next refresh", async () => {
  const own = await t.issuer();
  const events = recorder();
  const verifier = t.verifier({ ...own.verifierOptions, jwks: { maxAgeSeconds: 0.2 }, onEvent: events.onEvent });
  const token = own.mintAccessToken();
  await verifier.verify(token);
  own.rotateKey({ retireOthers: true });
  const deadline = Date.now() + 3_000;
  while (!events.ofType("jwks_fetch").some((event) => event.trigger === "refresh") && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(verifier.stats().cache!.size).toBe(0);
  await expectRejected(verifier.verify(token), INVALID_TOKEN("unknown_key"));
});

describe("map keys (the token's tail) are only a hint", () => {
  // Two tokens that end alike must never be taken for each other: a hit means byte-identical.
  const tail = "S".repeat(64);
  const entryFor = (token: string) =>
    ({ auth: { token }, usableUntil: Date.now() / 1000 + 60, kid: "k", bytes: 100, policy: {} }) as unknown as CacheEntry;

  test("a token sharing another's tail is a miss, and replaces it when stored", () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxBytes: 10_000 });
    const [a, b] = [`header.payloadA.${tail}`, `header.payloadB.${tail}`];
    cache.set(a, entryFor(a));
    expect(cache.get(a)?.auth.token).toBe(a);
    expect(cache.get(b)).toBeUndefined();
    cache.delete(b); // not b's entry: a stays
    expect(cache.get(a)).toBeDefined();
    cache.set(b, entryFor(b));
    expect(cache.get(a)).toBeUndefined();
    expect(cache.get(b)?.auth.token).toBe(b);
    expect({ size: cache.size, bytes: cache.bytes }).toEqual({ size: 1, bytes: 100 });
  });
});
