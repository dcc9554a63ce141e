// Key lifecycle (issue 5): rotation, withdrawal through the background refresh
// (including tokens the verified-token cache holds), refreshes that fail and
// retry, a kid republished with other key material, and clock skew at the
// boundaries of graceSeconds. Real issuers on 127.0.0.1; waits are polls with
// deadlines, never blind sleeps.
import request from "supertest";
import { createVerifier, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import {
  accepts,
  accessClaims,
  authErrorOf,
  createRawSigner,
  startExpressApp,
  startRecordingServer,
  until,
  type ExpressApp,
} from "./helpers";

jest.setTimeout(15_000);

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close();
});

async function issuerFor(): Promise<TestIssuer> {
  const issuer = await createTestIssuer();
  open.push(issuer);
  return issuer;
}
function verifierFor(options: VerifierOptions): Verifier {
  const verifier = createVerifier(options);
  open.push(verifier);
  return verifier;
}
async function appFor(verifier: Verifier): Promise<ExpressApp> {
  const app = await startExpressApp(verifier);
  open.push(app);
  return app;
}
const kidsOf = (verifier: Verifier) => verifier.stats().jwks[0].kids;

describe("rotation", () => {
  test("a new kid is picked up on first sight, with one fetch, and the old key keeps verifying", async () => {
    const issuer = await issuerFor();
    const verifier = verifierFor({ ...issuer.verifierOptions, jwks: { cooldownSeconds: 60 } });
    await verifier.warmup();
    const oldKid = issuer.kid;
    const before = issuer.jwksRequests;
    const newKid = issuer.rotateKey();
    // First sight of the new kid: one refetch, and the token verifies.
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(issuer.jwksRequests - before).toBe(1);
    expect(kidsOf(verifier)).toEqual(expect.arrayContaining([oldKid, newKid]));
    // Both keys verify from now on without another fetch (cooldown or not).
    await expect(verifier.verify(issuer.mintAccessToken({}, { kid: oldKid }))).resolves.toBeDefined();
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(issuer.jwksRequests - before).toBe(1);
  });

  test("a new kid is picked up through the adapter too", async () => {
    const issuer = await issuerFor();
    const verifier = verifierFor(issuer.verifierOptions);
    const app = await appFor(verifier);
    await verifier.warmup();
    issuer.rotateKey({ retireOthers: true });
    const res = await request(app.url).get("/me").set("Authorization", `Bearer ${issuer.mintAccessToken({ sub: "rotated" })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: "rotated" });
  });
});

describe("withdrawn keys", () => {
  test("stop verifying after the background refresh, and so do tokens the verified-token cache holds", async () => {
    const issuer = await issuerFor();
    const verifier = verifierFor({ ...issuer.verifierOptions, jwks: { maxAgeSeconds: 1, cooldownSeconds: 60 } });
    await verifier.warmup();
    const oldKid = issuer.kid;
    const cachedToken = issuer.mintAccessToken();
    await expect(verifier.verify(cachedToken)).resolves.toBeDefined();
    expect(verifier.stats().cache?.size).toBe(1);
    // A cache hit answers without looking at keys at all.
    expect(verifier.authenticate(`Bearer ${cachedToken}`)).toMatchObject({ token: cachedToken });

    const newKid = issuer.rotateKey();
    issuer.withdrawKey(oldKid);
    const freshOldToken = issuer.mintAccessToken({}, { kid: oldKid });
    // The background refresh (no request drives it) replaces the keys within about maxAge.
    const started = Date.now();
    await until(() => !kidsOf(verifier).includes(oldKid), { timeoutMs: 4000, what: "the withdrawn kid to be dropped" });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(kidsOf(verifier)).toEqual([newKid]);

    expect(verifier.stats().cache?.size).toBe(0);
    expect((await authErrorOf(verifier.verify(cachedToken))).reason).toBe("unknown_key");
    expect((await authErrorOf(() => verifier.authenticate(`Bearer ${cachedToken}`))).reason).toBe("unknown_key");
    expect((await authErrorOf(verifier.verify(freshOldToken))).reason).toBe("unknown_key");
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("a failed background refresh keeps the old keys (still 200) and retries: after recovery the withdrawn key is dropped", async () => {
    const issuer = await issuerFor();
    const verifier = verifierFor({ ...issuer.verifierOptions, cache: false, jwks: { maxAgeSeconds: 1, timeoutMs: 300, cooldownSeconds: 60 } });
    const app = await appFor(verifier);
    await verifier.warmup();
    const oldKid = issuer.kid;
    const fetchedAt = verifier.stats().jwks[0].fetchedAt;

    issuer.setFault({ mode: "down" });
    const fetches = () => verifier.stats().jwks[0].fetches;
    const before = fetches();
    // Two failed refreshes: the first after maxAge, then a retry.
    await until(() => fetches() - before >= 2, { timeoutMs: 6000, what: "two failed background refreshes" });
    expect(verifier.stats().jwks[0].fetchedAt).toBe(fetchedAt);
    expect(kidsOf(verifier)).toEqual([oldKid]);
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    const res = await request(app.url).get("/me").set("Authorization", `Bearer ${issuer.mintAccessToken({ sub: "during-outage" })}`);
    expect(res.status).toBe(200);

    // The issuer withdraws the key while we cannot see it, then recovers.
    issuer.rotateKey();
    issuer.withdrawKey(oldKid);
    const oldToken = issuer.mintAccessToken({}, { kid: oldKid });
    issuer.setFault(null);
    await until(() => !kidsOf(verifier).includes(oldKid), { timeoutMs: 6000, what: "the retry to drop the withdrawn kid" });
    expect((await authErrorOf(verifier.verify(oldToken))).reason).toBe("unknown_key");
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("the background refresh adds no latency: a slow JWKS does not slow known-kid verifications", async () => {
    const issuer = await issuerFor();
    const verifier = verifierFor({ ...issuer.verifierOptions, cache: false, jwks: { maxAgeSeconds: 1, timeoutMs: 2000 } });
    await verifier.warmup();
    issuer.setFault({ mode: "slow", delayMs: 1500 });
    const before = issuer.jwksRequests;
    await until(() => issuer.jwksRequests > before, { timeoutMs: 4000, what: "a background refresh to start" });
    // The refresh is now in flight and will take 1.5 s.
    const started = performance.now();
    for (let i = 0; i < 5; i++) await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(performance.now() - started).toBeLessThan(300);
  });

  test("a kid republished with other key material: the old material stops verifying after the refresh", async () => {
    // Cognito never reuses a kid, but a JWKS that does (a re-keyed emulator, a
    // botched rotation, a compromised key replaced in place) must not leave the
    // old key trusted under the kid.
    const kid = "reused-kid";
    const first = createRawSigner(kid);
    const second = createRawSigner(kid);
    let published = first;
    const server = await startRecordingServer((_req, res) => {
      const body = JSON.stringify({ keys: [published.jwk] });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    open.push(server);
    const issuer = `${server.url}/local_pool`;
    const verifier = verifierFor({
      userPoolId: "local_pool",
      clientId: "client",
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      jwks: { maxAgeSeconds: 1, cooldownSeconds: 60 },
    });
    const claims = () => accessClaims({ issuer, clientId: "client" });
    const header = { alg: "RS256", kid };
    const cachedFirst = first.sign(header, claims());
    expect(await accepts(verifier, cachedFirst)).toBe(true);
    expect(await accepts(verifier, first.sign(header, claims()))).toBe(true);

    published = second;
    await until(() => accepts(verifier, second.sign(header, claims())), { timeoutMs: 4000, what: "the new key material to verify" });
    expect(await accepts(verifier, first.sign(header, claims()))).toBe(false);
    expect(await accepts(verifier, cachedFirst)).toBe(false);
  });
});

describe("clock skew: graceSeconds at the boundaries (±1 s)", () => {
  const GRACE = 30;
  let issuer: TestIssuer;
  let strict: Verifier;
  let lenient: Verifier;
  // Fractional times on purpose: "now" when the token is made, so ±1 s is exact
  // whatever the sub-second phase of the clock.
  const now = () => Date.now() / 1000;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    strict = createVerifier({ ...issuer.verifierOptions, cache: false });
    lenient = createVerifier({ ...issuer.verifierOptions, cache: false, graceSeconds: GRACE });
    await Promise.all([strict.warmup(), lenient.warmup()]);
  });
  afterAll(async () => {
    strict?.close();
    lenient?.close();
    await issuer?.close();
  });

  test.each([
    ["exp", 0, (t: number) => ({ exp: t + 1 }), (t: number) => ({ exp: t - 1 }), "expired"],
    ["exp", GRACE, (t: number) => ({ exp: t - GRACE + 1 }), (t: number) => ({ exp: t - GRACE - 1 }), "expired"],
    ["nbf", 0, (t: number) => ({ nbf: t - 1 }), (t: number) => ({ nbf: t + 1 }), "not_yet_valid"],
    ["nbf", GRACE, (t: number) => ({ nbf: t + GRACE - 1 }), (t: number) => ({ nbf: t + GRACE + 1 }), "not_yet_valid"],
    ["iat", 0, (t: number) => ({ iat: t - 1 }), (t: number) => ({ iat: t + 1 }), "issued_in_future"],
    ["iat", GRACE, (t: number) => ({ iat: t + GRACE - 1 }), (t: number) => ({ iat: t + GRACE + 1 }), "issued_in_future"],
  ])("%s with graceSeconds %d: accepted 1 s inside the limit, refused 1 s beyond", async (_claim, grace, inside, beyond, reason) => {
    const verifier = grace === 0 ? strict : lenient;
    await expect(verifier.verify(issuer.mintAccessToken(inside(now())))).resolves.toBeDefined();
    expect((await authErrorOf(verifier.verify(issuer.mintAccessToken(beyond(now()))))).reason).toBe(reason);
  });

  test("graceSeconds does not stretch a cached token past exp + grace", async () => {
    const cached = createVerifier({ ...issuer.verifierOptions, graceSeconds: GRACE });
    try {
      await cached.warmup();
      const limit = now() + 1.2; // exp + grace
      const token = issuer.mintAccessToken({ exp: limit - GRACE });
      await expect(cached.verify(token)).resolves.toBeDefined();
      expect(cached.authenticate(`Bearer ${token}`)).toMatchObject({ token }); // a cache hit
      await until(async () => !(await accepts(cached, token)), { timeoutMs: 4000, what: "the cached token to expire" });
      expect(now()).toBeGreaterThanOrEqual(limit - 0.05);
      expect((await authErrorOf(cached.verify(token))).reason).toBe("expired");
    } finally {
      cached.close();
    }
  });
});
