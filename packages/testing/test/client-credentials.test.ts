// The test issuer's client_credentials grant, over real HTTP: M2M-shaped
// access tokens a real verifier accepts, Cognito's error codes, resource-server
// scopes, the per-grant counter and the token endpoint's Retry-After and
// self-healing faults.
import { createVerifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";

const SECRET = "machine-secret-1";
const issuers: TestIssuer[] = [];
afterEach(async () => {
  for (const issuer of issuers.splice(0)) await issuer.close();
});

async function m2mIssuer(lifetime?: number) {
  const issuer = await createTestIssuer({
    oauth: {
      machineClients: [{ clientId: "orders-worker", clientSecret: SECRET, allowedScopes: ["orders/read", "orders/write"], accessTokenLifetimeSeconds: lifetime }],
    },
  });
  issuers.push(issuer);
  return issuer;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;

async function requestToken(issuer: TestIssuer, form: Record<string, string>, authorization?: string) {
  const res = await fetch(issuer.oauth!.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
}

test("a machine client gets an M2M access token that a verifier for its client id accepts", async () => {
  const issuer = await m2mIssuer(86_400);
  const res = await requestToken(issuer, { grant_type: "client_credentials", scope: "orders/read" }, basic("orders-worker", SECRET));
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.body).toEqual({ access_token: expect.any(String), expires_in: 86_400, token_type: "Bearer" });
  const claims = payload(res.body!.access_token as string);
  expect(claims).toMatchObject({ sub: "orders-worker", client_id: "orders-worker", token_use: "access", scope: "orders/read" });
  expect(claims.exp as number).toBe((claims.iat as number) + 86_400);
  for (const absent of ["username", "origin_jti", "event_id", "cognito:groups"]) expect(claims).not.toHaveProperty(absent);

  const verifier = createVerifier({ ...issuer.verifierOptions, clientId: "orders-worker" });
  const auth = await verifier.verify(res.body!.access_token as string);
  expect(auth.sub).toBe("orders-worker");
  expect(auth.scopes).toEqual(["orders/read"]);
  expect(issuer.oauth!.counters.client_credentials).toBe(1);
});

test("no scope asks for all the client's scopes; client_secret_post works too", async () => {
  const issuer = await m2mIssuer();
  const res = await requestToken(issuer, { grant_type: "client_credentials", client_id: "orders-worker", client_secret: SECRET });
  expect(res.status).toBe(200);
  expect(payload(res.body!.access_token as string).scope).toBe("orders/read orders/write");
  expect(res.body!.expires_in).toBe(3600);
});

test("Cognito's errors: invalid_client, invalid_scope, unauthorized_client, unsupported_grant_type; each counted", async () => {
  const issuer = await createTestIssuer({
    oauth: { redirectUris: ["https://app.example/cb"], machineClients: [{ clientSecret: SECRET, allowedScopes: ["orders/read"] }] },
  });
  issuers.push(issuer);
  const machine = issuer.oauth!.machineClients[0];
  expect(machine.clientId).toMatch(/^[a-z0-9]{26}$/);
  const cases: Array<[Record<string, string>, string | undefined, string]> = [
    [{ grant_type: "client_credentials" }, basic(machine.clientId, "wrong"), "invalid_client"],
    [{ grant_type: "client_credentials" }, basic("unknown", SECRET), "invalid_client"],
    [{ grant_type: "client_credentials" }, undefined, "invalid_client"],
    [{ grant_type: "client_credentials", scope: "orders/write" }, basic(machine.clientId, SECRET), "invalid_scope"],
    [{ grant_type: "client_credentials", scope: "openid" }, basic(machine.clientId, SECRET), "invalid_scope"],
    [{ grant_type: "client_credentials", client_id: issuer.clientId }, undefined, "unauthorized_client"],
    [{ grant_type: "password" }, basic(machine.clientId, SECRET), "invalid_client"],
  ];
  for (const [form, authorization, error] of cases) {
    const res = await requestToken(issuer, form, authorization);
    expect({ form, status: res.status, body: res.body }).toEqual({ form, status: 400, body: { error } });
  }
  expect(issuer.oauth!.counters.client_credentials).toBe(6);
});

test("machine clients are validated: a secret, resource-server scopes, at most a day", async () => {
  const make = (client: Record<string, unknown>) => createTestIssuer({ oauth: { machineClients: [client as never] } });
  await expect(make({ allowedScopes: ["a/b"] })).rejects.toThrow("oauth.machineClients[0].clientSecret is required");
  await expect(make({ clientSecret: "s", allowedScopes: ["openid"] })).rejects.toThrow('"openid" is not a resource-server scope');
  await expect(make({ clientSecret: "s", allowedScopes: ["a/b"], accessTokenLifetimeSeconds: 86_401 })).rejects.toThrow(RangeError);
  await expect(createTestIssuer({ oauth: {} })).rejects.toThrow("oauth.redirectUris must be a non-empty array of URLs");
});

test("a status fault can carry Retry-After and heal by itself after a number of requests", async () => {
  const issuer = await m2mIssuer();
  issuer.oauth!.setTokenFault({ mode: "status", status: 429, retryAfter: 2 }, { requests: 2 });
  const form = { grant_type: "client_credentials" };
  for (let i = 0; i < 2; i++) {
    const res = await requestToken(issuer, form, basic("orders-worker", SECRET));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
  }
  expect((await requestToken(issuer, form, basic("orders-worker", SECRET))).status).toBe(200);
  expect(issuer.oauth!.counters.client_credentials).toBe(3);
  expect(() => issuer.oauth!.setTokenFault({ mode: "status", status: 429, retryAfter: -1 })).toThrow(RangeError);
  expect(() => issuer.oauth!.setTokenFault({ mode: "down" }, { requests: 0 })).toThrow(RangeError);
});
