// Many tenants behind one API (resolveIssuer): 1,000 issuers served by one
// real JWKS server (the test issuer's keys under 1,000 issuer URLs), the
// bounded pool and refusal caches, no JWKS request for a refused issuer, and
// 503 (never 401) when the resolver fails.
import { createVerifier, type VerifierOptions } from "../src/index.js";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";

let issuer: TestIssuer;
const tenantIssuer = (i: number) => `${issuer.issuer}/tenant-${i}`;
const tenantOptions = (i: number): VerifierOptions => ({ userPoolId: `tenant-${i}`, clientId: issuer.clientId, issuer: tenantIssuer(i), jwksUri: issuer.jwksUri });
const tenantToken = (i: number, claims: Record<string, unknown> = {}) => issuer.mintAccessToken({ iss: tenantIssuer(i), username: `user-${i}`, ...claims });

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

test("1,000 issuers: each token verified against its own pool, and pools bounded by maxPools", async () => {
  const resolved: string[] = [];
  const verifier = createVerifier({
    resolveIssuer: (iss) => {
      resolved.push(iss);
      const match = /\/tenant-(\d+)$/.exec(iss);
      return match && iss === tenantIssuer(Number(match[1])) ? tenantOptions(Number(match[1])) : undefined;
    },
    maxPools: 1000,
  });
  for (let i = 0; i < 1000; i++) await expect(verifier.verify(tenantToken(i))).resolves.toMatchObject({ username: `user-${i}`, issuer: tenantIssuer(i) });
  expect(resolved).toHaveLength(1000);
  expect((verifier.stats() as unknown as { pools: number }).pools).toBe(1000);
  // A cached pool answers without the resolver.
  await expect(verifier.verify(tenantToken(7))).resolves.toMatchObject({ username: "user-7" });
  expect(resolved).toHaveLength(1000);
  // One more: the least recently used pool (tenant 0) is closed and forgotten.
  await expect(verifier.verify(tenantToken(1000))).resolves.toMatchObject({ username: "user-1000" });
  expect((verifier.stats() as unknown as { pools: number }).pools).toBe(1000);
  await expect(verifier.verify(tenantToken(0))).resolves.toMatchObject({ username: "user-0" });
  expect(resolved.filter((iss) => iss === tenantIssuer(0))).toHaveLength(2);
  verifier.close();
}, 60_000);

test("a token of one tenant signed for another's iss is verified against the iss's pool only", async () => {
  const other = await createTestIssuer();
  const verifier = createVerifier({ resolveIssuer: (iss) => (iss === tenantIssuer(1) ? tenantOptions(1) : undefined) });
  // Claims tenant 1's issuer, but signed with another key: tenant 1's JWKS does not know it.
  const forged = other.mintAccessToken({ iss: tenantIssuer(1), client_id: issuer.clientId });
  await expect(verifier.verify(forged)).rejects.toMatchObject({ status: 401, reason: "unknown_key" });
  verifier.close();
  await other.close();
});

test("refused issuers: no JWKS request, remembered (bounded), 401 issuer_not_accepted", async () => {
  let calls = 0;
  const before = issuer.jwksRequests;
  const verifier = createVerifier({
    resolveIssuer: () => {
      calls += 1;
      return undefined;
    },
    maxRefusedIssuers: 100,
  });
  for (let i = 0; i < 500; i++) await expect(verifier.verify(tenantToken(i))).rejects.toMatchObject({ status: 401, reason: "issuer_not_accepted" });
  expect(calls).toBe(500);
  expect((verifier.stats() as unknown as { refusedIssuers: number }).refusedIssuers).toBe(100);
  // Remembered: no second resolver call for a recent one.
  await expect(verifier.verify(tenantToken(499))).rejects.toMatchObject({ reason: "issuer_not_accepted" });
  expect(calls).toBe(500);
  expect(issuer.jwksRequests).toBe(before);
  verifier.close();
});

test("a resolver that throws or times out: 503, never 401", async () => {
  const throwing = createVerifier({
    resolveIssuer: () => {
      throw new Error("tenant database down");
    },
  });
  await expect(throwing.verify(tenantToken(1))).rejects.toMatchObject({ status: 503, reason: "issuer_resolution_failed", headers: { "Retry-After": "5" } });
  // Not remembered as refused: the next request asks again.
  await expect(throwing.authenticate(`Bearer ${tenantToken(1)}`)).rejects.toMatchObject({ status: 503 });
  const slow = createVerifier({ resolveIssuer: () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300)), resolveTimeoutMs: 50 });
  await expect(slow.verify(tenantToken(2))).rejects.toMatchObject({ status: 503, reason: "issuer_resolution_failed" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  throwing.close();
  slow.close();
});

test("a token without iss, or not a JWT: 401 malformed_token, without a resolver call", async () => {
  let calls = 0;
  const verifier = createVerifier({ resolveIssuer: () => (calls++, undefined) });
  await expect(verifier.verify("not.a.jwt")).rejects.toMatchObject({ status: 401, reason: "malformed_token" });
  await expect(verifier.verify(issuer.mintAccessToken({ iss: undefined }))).rejects.toMatchObject({ status: 401, reason: "malformed_token" });
  await expect(verifier.authenticate(undefined)).rejects.toMatchObject({ status: 401, reason: "missing_credentials" });
  expect(calls).toBe(0);
  verifier.close();
});
