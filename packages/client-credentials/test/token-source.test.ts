// The token source against the real test issuer over HTTP: one request per
// token lifetime, single flight, refresh before expiry, and each way the token
// endpoint can fail — never a token-less answer, never the secret in an error.
import { ClientCredentialsError, createClientCredentials } from "@cognito-bearer/client-credentials";
import { createVerifier } from "@cognito-bearer/core";
import { CLIENT_ID, claimsOf, everythingIn, harness, SECRET, until } from "./helpers";

const h = harness();

test("the first call fetches an M2M token the API's verifier accepts; later calls reuse it", async () => {
  const issuer = await h.issuer();
  const source = h.source(issuer);
  const token = await source.getToken();
  const verifier = createVerifier({ ...issuer.verifierOptions, clientId: CLIENT_ID });
  const auth = await verifier.verify(token).finally(() => verifier.close());
  expect(auth).toMatchObject({ sub: CLIENT_ID, clientId: CLIENT_ID, scopes: ["orders/read"] });
  for (let i = 0; i < 50; i++) expect(await source.getToken()).toBe(token);
  expect(issuer.oauth!.counters.client_credentials).toBe(1);
  expect(source.stats.tokenRequests).toBe(1);
});

test("100 concurrent callers share one request", async () => {
  const issuer = await h.issuer();
  issuer.oauth!.setTokenFault({ mode: "slow", delayMs: 100 }, { requests: 1 });
  const source = h.source(issuer);
  const tokens = await Promise.all(Array.from({ length: 100 }, () => source.getToken()));
  expect(new Set(tokens).size).toBe(1);
  expect(issuer.oauth!.counters.client_credentials).toBe(1);
});

test("in the refresh window the current token is still served while one background refresh replaces it", async () => {
  // A 2 s token: fresh for its first second (the window is at most half the lifetime).
  const issuer = await h.issuer({ lifetime: 2 });
  const source = h.source(issuer);
  const first = await source.getToken();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const during = await Promise.all(Array.from({ length: 20 }, () => source.getToken()));
  expect(new Set(during)).toEqual(new Set([first]));
  await until(() => source.stats.tokenRequests === 2);
  await until(() => issuer.oauth!.counters.client_credentials === 2);
  const second = await source.getToken();
  expect(second).not.toBe(first);
  expect(claimsOf(second).exp as number).toBeGreaterThan(claimsOf(first).exp as number);
  expect(issuer.oauth!.counters.client_credentials).toBe(2);
});

test("a failed refresh keeps the old token until it expires, then the error is the caller's", async () => {
  const issuer = await h.issuer({ lifetime: 2 });
  const source = h.source(issuer, { retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 }, failureCooldownMs: 0 });
  const first = await source.getToken();
  issuer.oauth!.setTokenFault({ mode: "status", status: 503 });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await source.getToken()).toBe(first);
  await until(() => issuer.oauth!.counters.client_credentials >= 3);
  expect(await source.getToken()).toBe(first);
  await new Promise((resolve) => setTimeout(resolve, 900));
  const err = await source.getToken().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClientCredentialsError);
  expect(err).toMatchObject({ code: "temporarily_unavailable", status: 503, attempts: 2 });
});

describe("transient failures are retried with back-off", () => {
  test.each([
    ["a 500", { mode: "status", status: 500 }],
    ["a 503", { mode: "status", status: 503 }],
    ["a connection reset", { mode: "down" }],
    ["malformed JSON", { mode: "garbage" }],
    ["an HTML page", { mode: "html" }],
  ] as const)("%s twice, then a token", async (_, fault) => {
    const issuer = await h.issuer();
    issuer.oauth!.setTokenFault(fault, { requests: 2 });
    const source = h.source(issuer);
    expect(claimsOf(await source.getToken()).sub).toBe(CLIENT_ID);
    expect(issuer.oauth!.counters.client_credentials).toBe(3);
  });

  test("a 429 with Retry-After is waited for", async () => {
    const issuer = await h.issuer();
    issuer.oauth!.setTokenFault({ mode: "status", status: 429, retryAfter: 1 }, { requests: 1 });
    const source = h.source(issuer);
    const started = Date.now();
    await source.getToken();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(issuer.oauth!.counters.client_credentials).toBe(2);
  });

  test("a Retry-After longer than maxRetryAfterSeconds fails at once", async () => {
    const issuer = await h.issuer();
    issuer.oauth!.setTokenFault({ mode: "status", status: 429, retryAfter: 120 });
    const source = h.source(issuer);
    await expect(source.getToken()).rejects.toMatchObject({ code: "temporarily_unavailable", status: 429, attempts: 1 });
    expect(issuer.oauth!.counters.client_credentials).toBe(1);
  });

  test("a hanging endpoint times out, each attempt, then the call rejects (bounded attempts)", async () => {
    const issuer = await h.issuer();
    issuer.oauth!.setTokenFault({ mode: "slow", delayMs: 5000 });
    const source = h.source(issuer, { timeoutMs: 150, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 } });
    const started = Date.now();
    const err = (await source.getToken().catch((e: unknown) => e)) as ClientCredentialsError;
    expect(err).toMatchObject({ code: "temporarily_unavailable", attempts: 3 });
    expect(err.message).toContain("no answer within 150 ms");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(issuer.oauth!.counters.client_credentials).toBe(3);
  });

  test("every retry spent: the error, and no new request during the cool-down", async () => {
    const issuer = await h.issuer();
    issuer.oauth!.setTokenFault({ mode: "status", status: 502 });
    const source = h.source(issuer, { retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    await expect(source.getToken()).rejects.toMatchObject({ code: "temporarily_unavailable", attempts: 4 });
    await expect(source.getToken()).rejects.toMatchObject({ code: "temporarily_unavailable" });
    expect(issuer.oauth!.counters.client_credentials).toBe(4);
  });
});

describe("configuration errors are surfaced at once, by OAuth code, without the secret", () => {
  test("a wrong secret: invalid_client, one request, not retried", async () => {
    const issuer = await h.issuer();
    const wrongSecret = "wrong-secret-that-must-not-leak";
    const source = h.source(issuer, { clientSecret: wrongSecret });
    const err = (await source.getToken().catch((e: unknown) => e)) as ClientCredentialsError;
    expect(err).toBeInstanceOf(ClientCredentialsError);
    expect(err).toMatchObject({ code: "invalid_client", status: 400, attempts: 1, isConfigurationError: true });
    expect(err.message).toContain("invalid_client");
    expect(err.message).toContain(CLIENT_ID);
    expect(everythingIn(err)).not.toContain(wrongSecret);
    await expect(source.getToken()).rejects.toBe(err);
    expect(issuer.oauth!.counters.client_credentials).toBe(1);
  });

  test("a scope the client is not allowed: invalid_scope", async () => {
    const issuer = await h.issuer();
    const source = h.source(issuer, { scopes: ["orders/delete"] });
    await expect(source.getToken()).rejects.toMatchObject({ code: "invalid_scope", attempts: 1 });
    expect(issuer.oauth!.counters.client_credentials).toBe(1);
  });

  test("the user-facing app client: unauthorized_client", async () => {
    const issuer = await h.issuer();
    const source = h.source(issuer, { clientId: issuer.clientId });
    await expect(source.getToken()).rejects.toMatchObject({ code: "unauthorized_client" });
  });

  test("no error of any failure mode carries the secret", async () => {
    const issuer = await h.issuer();
    const faults = [{ mode: "status", status: 500 }, { mode: "down" }, { mode: "garbage" }, { mode: "html" }, { mode: "slow", delayMs: 2000 }, { mode: "status", status: 429, retryAfter: 99 }] as const;
    for (const fault of faults) {
      issuer.oauth!.setTokenFault(fault);
      const source = h.source(issuer, { timeoutMs: 100, retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 } });
      const err = await source.getToken().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientCredentialsError);
      expect(everythingIn(err)).not.toContain(SECRET);
      expect(everythingIn(err)).not.toContain(Buffer.from(`${CLIENT_ID}:${SECRET}`).toString("base64"));
    }
  });
});

test("refresh(rejected) replaces a token an API refused, once for concurrent callers", async () => {
  const issuer = await h.issuer();
  const source = h.source(issuer);
  const first = await source.getToken();
  const replaced = await Promise.all(Array.from({ length: 10 }, () => source.refresh(first)));
  expect(new Set(replaced).size).toBe(1);
  expect(replaced[0]).not.toBe(first);
  expect(await source.refresh(first)).toBe(replaced[0]);
  expect(issuer.oauth!.counters.client_credentials).toBe(2);
});

describe("options are checked at creation", () => {
  const base = { clientId: CLIENT_ID, clientSecret: SECRET, domain: "auth.example.com" };
  test.each([
    ['unknown option "scope" (did you mean "scopes"?)', { ...base, scope: ["orders/read"] }],
    ['unknown option "retry.retrys" (did you mean "retries"?)', { ...base, retry: { retrys: 2 } }],
    ["domain must be https", { ...base, domain: "http://auth.example.com" }],
    ["without a path", { ...base, domain: "auth.example.com/oauth2/token" }],
    ["either domain", { ...base, tokenEndpoint: "http://127.0.0.1:1/oauth2/token" }],
    ["either domain", { clientId: CLIENT_ID, clientSecret: SECRET }],
    ["clientSecret is required", { ...base, clientSecret: "" }],
    ["scopes must be an array", { ...base, scopes: ["orders/read orders/write"] }],
    ["timeoutMs must be a positive number", { ...base, timeoutMs: 0 }],
    ["sharedCache.redis must be a node-redis client", { ...base, sharedCache: { redis: {} } }],
  ])("%s", (message, options) => {
    expect(() => createClientCredentials(options as never)).toThrow(message);
  });

  test("an error about the options never echoes the secret", () => {
    const secret = "do-not-print-me";
    for (const options of [{ clientId: "x", clientSecret: secret, domain: "http://a" }, { clientId: "x", clientSecret: secret, domain: "a", sharedCache: {} }]) {
      const err = (() => {
        try {
          createClientCredentials(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(TypeError);
      expect(everythingIn(err)).not.toContain(secret);
    }
  });

  test("a domain becomes https://<domain>/oauth2/token", () => {
    const source = createClientCredentials({ ...base, domain: "my-pool.auth.eu-west-1.amazoncognito.com" });
    expect(source.tokenEndpoint).toBe("https://my-pool.auth.eu-west-1.amazoncognito.com/oauth2/token");
    expect(createClientCredentials({ ...base, domain: "https://auth.example.com/" }).tokenEndpoint).toBe("https://auth.example.com/oauth2/token");
  });
});
