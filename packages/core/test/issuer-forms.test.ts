// Cognito's issuers in 2026: the regional and the global form share one key
// set, fetched once from the endpoint that serves it (the global form's JWKS
// answers 403 for pools that have not switched, aws-jwt-verify#279); with
// multi-Region replication, tokens from the replica Regions' endpoints are
// accepted and their JWKS serve when the nearest Region's does not. Each
// Region and form has its own local https JWKS server here.
import { createServer } from "node:https";
import { globalAgent } from "node:https";
import type { AddressInfo } from "node:net";
import type { JwksFetchEvent, VerifyEvent } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { TEST_TLS_CERT, TEST_TLS_KEY } from "./fixtures/tls";
import { fixtures, rejection, STANDARD_POOL } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer({ userPoolId: STANDARD_POOL });
});

const regional = (region: string) => `https://cognito-idp.${region}.amazonaws.com/${STANDARD_POOL}`;
const global = (region: string) => `https://issuer-cognito-idp.${region}.amazonaws.com/${STANDARD_POOL}`;

interface Endpoint {
  url: string;
  requests: number;
  /** The status to answer, 200 serving the issuer's keys; "down" cuts the connection. */
  answer: number | "down";
}

/** One https JWKS server standing in for Cognito's endpoints; each path is one issuer's JWKS. */
async function cognitoEndpoints(answers: Record<string, number | "down">) {
  const endpoints = new Map<string, Endpoint>();
  const server = createServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY }, (req, res) => {
    const endpoint = [...endpoints.values()].find((candidate) => new URL(candidate.url).pathname === req.url);
    if (endpoint === undefined) return void res.writeHead(404).end();
    endpoint.requests++;
    if (endpoint.answer === "down") return void req.socket.destroy();
    if (endpoint.answer !== 200) return void res.writeHead(endpoint.answer, { "content-type": "application/json" }).end('{"message":"Forbidden"}');
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(issuer.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const previousCa = globalAgent.options.ca;
  globalAgent.options.ca = TEST_TLS_CERT;
  const { port } = server.address() as AddressInfo;
  for (const [iss, answer] of Object.entries(answers)) {
    const name = new URL(iss).hostname.split(".").slice(0, 2).join("-");
    endpoints.set(iss, { url: `https://127.0.0.1:${port}/${name}/jwks.json`, requests: 0, answer });
  }
  t.track({
    close: () =>
      new Promise<void>((resolve) => {
        globalAgent.options.ca = previousCa;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return {
    /** The verifier's jwksUri option: each issuer to its local endpoint. */
    jwksUri: (iss: string) => {
      const endpoint = endpoints.get(iss);
      if (endpoint === undefined) throw new Error(`no local endpoint for ${iss}`);
      return endpoint.url;
    },
    endpoint: (iss: string) => endpoints.get(iss)!,
  };
}

function fetchEvents(events: VerifyEvent[]): JwksFetchEvent[] {
  return events.filter((event): event is JwksFetchEvent => event.type === "jwks_fetch");
}

describe("the regional and the global issuer form", () => {
  test("a pool that has not switched (the global JWKS answers 403): warmup succeeds, keys come from the regional form, and tokens of either form verify", async () => {
    const cognito = await cognitoEndpoints({ [regional("eu-west-1")]: 200, [global("eu-west-1")]: 403 });
    const events: VerifyEvent[] = [];
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: issuer.clientId, jwksUri: cognito.jwksUri, onEvent: (event) => events.push(event) });
    await verifier.warmup();
    expect(verifier.stats().jwks).toEqual([expect.objectContaining({ servedBy: cognito.endpoint(regional("eu-west-1")).url, kids: issuer.kids })]);
    await expect(verifier.verify(issuer.mintAccessToken({ iss: regional("eu-west-1") }))).resolves.toMatchObject({ issuer: regional("eu-west-1") });
    await expect(verifier.verify(issuer.mintAccessToken({ iss: global("eu-west-1") }))).resolves.toMatchObject({ issuer: global("eu-west-1") });
    expect(cognito.endpoint(regional("eu-west-1")).requests).toBe(1);
    expect(cognito.endpoint(global("eu-west-1")).requests).toBe(0);
  });

  test("a pool served only by the global form: the regional 403 is reported with its status, and the global form serves", async () => {
    const cognito = await cognitoEndpoints({ [regional("eu-west-1")]: 403, [global("eu-west-1")]: 200 });
    const events: VerifyEvent[] = [];
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: issuer.clientId, jwksUri: cognito.jwksUri, onEvent: (event) => events.push(event) });
    await verifier.warmup();
    expect(fetchEvents(events).map(({ jwksUri, ok, status }) => ({ jwksUri, ok, status }))).toEqual([
      { jwksUri: cognito.endpoint(regional("eu-west-1")).url, ok: false, status: 403 },
      { jwksUri: cognito.endpoint(global("eu-west-1")).url, ok: true, status: undefined },
    ]);
    await expect(verifier.verify(issuer.mintAccessToken({ iss: global("eu-west-1") }))).resolves.toBeDefined();
    // The next fetch (a rotation) goes to the form that serves: the 403 is a fact about the pool, not an outage to retry.
    const rotated = issuer.rotateKey();
    await expect(verifier.verify(issuer.mintAccessToken({ iss: regional("eu-west-1") }, { kid: rotated }))).resolves.toBeDefined();
    expect(cognito.endpoint(regional("eu-west-1")).requests).toBe(1);
    expect(cognito.endpoint(global("eu-west-1")).requests).toBe(2);
  });

  test("neither form serving: warmup rejects with a 503, never a 401", async () => {
    const cognito = await cognitoEndpoints({ [regional("eu-west-1")]: "down", [global("eu-west-1")]: 403 });
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: issuer.clientId, jwksUri: cognito.jwksUri, onEvent: () => undefined });
    const error = await rejection(verifier.warmup());
    expect([error.status, error.reason]).toEqual([503, "jwks_unavailable"]);
    expect((await rejection(verifier.verify(issuer.mintAccessToken({ iss: regional("eu-west-1") })))).status).toBe(503);
  });
});

describe("multi-Region replication (replicaRegions)", () => {
  const replicated = { [regional("eu-west-1")]: 200, [regional("us-west-2")]: 200, [regional("ap-south-1")]: 200, [global("eu-west-1")]: 403 } as const;

  test("tokens from the replica Regions' endpoints are accepted; other Regions are not", async () => {
    const cognito = await cognitoEndpoints(replicated);
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: issuer.clientId, jwksUri: cognito.jwksUri, replicaRegions: ["us-west-2", "ap-south-1"] });
    for (const region of ["eu-west-1", "us-west-2", "ap-south-1"]) {
      await expect(verifier.verify(issuer.mintAccessToken({ iss: regional(region) }))).resolves.toMatchObject({ issuer: regional(region) });
    }
    expect((await rejection(verifier.verify(issuer.mintAccessToken({ iss: regional("us-east-1") })))).reason).toBe("issuer_not_accepted");
    // One key set for the pool: one fetch for all three Regions' tokens.
    const fetches = ["eu-west-1", "us-west-2", "ap-south-1"].map((region) => cognito.endpoint(regional(region)).requests);
    expect(fetches.reduce((a, b) => a + b)).toBe(1);
  });

  test("the nearest Region (AWS_REGION) is tried first; when it is down, the others serve: no 503", async () => {
    const cognito = await cognitoEndpoints({ ...replicated, [regional("us-west-2")]: "down" });
    const previous = process.env.AWS_REGION;
    process.env.AWS_REGION = "us-west-2";
    try {
      const events: VerifyEvent[] = [];
      const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: issuer.clientId, jwksUri: cognito.jwksUri, replicaRegions: ["us-west-2", "ap-south-1"], onEvent: (event) => events.push(event) });
      expect(verifier.stats().jwks[0].candidates).toEqual([regional("us-west-2"), regional("eu-west-1"), regional("ap-south-1"), global("eu-west-1")].map((iss) => cognito.endpoint(iss).url));
      await expect(verifier.verify(issuer.mintAccessToken({ iss: regional("us-west-2") }))).resolves.toBeDefined();
      expect(fetchEvents(events).map(({ jwksUri, ok }) => ({ jwksUri, ok }))).toEqual([
        { jwksUri: cognito.endpoint(regional("us-west-2")).url, ok: false },
        { jwksUri: cognito.endpoint(regional("eu-west-1")).url, ok: true },
      ]);
    } finally {
      if (previous === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = previous;
    }
  });

  test("without AWS_REGION (or outside the pool's Regions), the pool's home Region is first", () => {
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: "c", replicaRegions: ["us-west-2"] });
    expect(verifier.stats().jwks[0].candidates).toEqual([regional("eu-west-1"), regional("us-west-2"), global("eu-west-1")].map((iss) => `${iss}/.well-known/jwks.json`));
  });

  test("replicaRegions is validated", () => {
    const make = (replicaRegions: unknown, extra: object = {}) => () => t.verifier({ userPoolId: STANDARD_POOL, clientId: "c", replicaRegions, ...extra } as never);
    expect(make("us-west-2")).toThrow(/replicaRegions must be an array of AWS Regions/);
    expect(make(["us-west"])).toThrow(/replicaRegions must be an array/);
    expect(make(["eu-west-1"])).toThrow(/the pool's own Region/);
    expect(make(["us-west-2"], { issuer: "http://127.0.0.1:1/pool" })).toThrow(/cannot be combined with an issuer override/);
    expect(make(["us-west-2"], { jwksUri: () => "http://127.0.0.1/keys" })).toThrow(/jwksUri.*https/);
  });
});
