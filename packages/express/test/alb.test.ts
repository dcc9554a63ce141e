// Behind an ALB with Cognito authentication (the `alb` option): a local server
// serves ES256 public keys as PEM at /<kid> like the ALB's key endpoint,
// x-amzn-oidc-data is signed with a real P-256 key in the ALB's shape, and the
// access token comes from the test issuer. The same cases run through the core
// verifier directly, the Express adapter over HTTP and the fetch adapter.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import express from "express";
import { createVerifier, isAuthError, REJECT_REASONS, type RejectReason, type Verifier } from "@cognito-bearer/core";
import { withCognitoAuth } from "@cognito-bearer/fetch";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { authOf, cognitoAuth } from "../src/index.js";

const ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188";
const OTHER_ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/attacker/0123456789abcdef";

interface AlbKey {
  kid: string;
  privateKey: KeyObject;
  pem: string;
}

function albKey(): AlbKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid: randomUUID(), privateKey, pem: publicKey.export({ type: "spki", format: "pem" }) as string };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** x-amzn-oidc-data as an ALB signs it: signer, iss, client and exp in the header; sub, exp, iss in the payload. */
function albData(key: AlbKey, claims: { signer: string; iss: string; client: string; sub: string; exp?: number }, padded = false): string {
  const exp = claims.exp ?? Math.floor(Date.now() / 1000) + 120;
  const header = { typ: "JWT", alg: "ES256", kid: key.kid, signer: claims.signer, iss: claims.iss, client: claims.client, exp };
  const payload = { sub: claims.sub, email: "user@example.com", exp, iss: claims.iss };
  // A real ALB pads its segments with "=" (aws-jwt-verify accepts that).
  const pad = (segment: string) => (padded ? segment + "=".repeat((4 - (segment.length % 4)) % 4) : segment);
  const input = `${pad(b64url(header))}.${pad(b64url(payload))}`;
  const signature = sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${pad(signature.toString("base64url"))}`;
}

function subOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()) as { sub: string }).sub;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

let issuer: TestIssuer;
let keyServer: Server;
let keyUrl: string;
/** A URL where nothing listens: the key endpoint down. */
let deadUrl: string;
const served = albKey();
const unserved = albKey();
const keyRequests: string[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  keyServer = createServer((req, res) => {
    keyRequests.push(req.url ?? "");
    if (req.url === `/${served.kid}`) return res.writeHead(200, { "content-type": "application/octet-stream" }).end(served.pem);
    res.writeHead(404).end("Not Found");
  });
  keyUrl = await listen(keyServer);
  const dead = createServer();
  deadUrl = await listen(dead);
  await close(dead);
});

afterAll(async () => {
  await close(keyServer);
  await issuer.close();
});

function albVerifier(url = keyUrl, extra: { maxKeyFetches?: number } = {}): Verifier {
  return createVerifier({ ...issuer.verifierOptions, alb: { albArn: ALB_ARN, keyUrl: url, ...extra } });
}

/** The headers of a request an ALB forwards, with changes. */
function forwarded(
  changes: { data?: string | null; token?: string; key?: AlbKey; signer?: string; sub?: string; iss?: string; client?: string; exp?: number; padded?: boolean } = {},
): Record<string, string> {
  const token = changes.token ?? issuer.mintAccessToken();
  const data =
    changes.data === undefined
      ? albData(changes.key ?? served, {
          signer: changes.signer ?? ALB_ARN,
          iss: changes.iss ?? issuer.issuer,
          client: changes.client ?? issuer.clientId,
          sub: changes.sub ?? subOf(token),
          ...(changes.exp === undefined ? {} : { exp: changes.exp }),
        }, changes.padded)
      : changes.data;
  const headers: Record<string, string> = { "x-amzn-oidc-accesstoken": token };
  if (data !== null) headers["x-amzn-oidc-data"] = data;
  return headers;
}

interface Case {
  name: string;
  headers: () => Record<string, string>;
  status: number;
  reason?: RejectReason;
  /** A description other than the reason's own. */
  description?: string;
}

const cases: Case[] = [
  { name: "a valid pair", headers: () => forwarded(), status: 200 },
  { name: "a valid pair, the data padded as an ALB pads it", headers: () => forwarded({ padded: true }), status: 200 },
  { name: "no x-amzn-oidc-data", headers: () => forwarded({ data: null }), status: 401, reason: "alb_data_invalid", description: "The x-amzn-oidc-data header is missing" },
  { name: "data signed by another ALB (ALBeast)", headers: () => forwarded({ signer: OTHER_ALB_ARN }), status: 401, reason: "alb_signer" },
  { name: "data for another user", headers: () => forwarded({ sub: randomUUID() }), status: 401, reason: "alb_mismatch" },
  { name: "data for another app client", headers: () => forwarded({ client: "someotherclient" }), status: 401, reason: "alb_data_invalid" },
  { name: "data of another issuer", headers: () => forwarded({ iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other" }), status: 401, reason: "alb_data_invalid" },
  { name: "expired data", headers: () => forwarded({ exp: Math.floor(Date.now() / 1000) - 60 }), status: 401, reason: "alb_data_invalid" },
  {
    name: "data signed by a key the endpoint does not know",
    headers: () => forwarded({ key: unserved }),
    status: 401,
    reason: "alb_data_invalid",
    description: "The ALB data is signed by an unknown key",
  },
  { name: "data signed by another key under a served kid", headers: () => forwarded({ key: { ...unserved, kid: served.kid } }), status: 401, reason: "alb_data_invalid" },
  { name: "a token in Authorization only", headers: () => ({ authorization: `Bearer ${issuer.mintAccessToken()}` }), status: 401, reason: "missing_credentials" },
];

function expectedDescription(c: Case): string {
  return c.description ?? REJECT_REASONS[c.reason!].description;
}

describe("alb: the core verifier", () => {
  let verifier: Verifier;
  beforeAll(() => {
    verifier = albVerifier();
  });
  afterAll(() => verifier.close());

  test.each(cases)("$name → $status", async (c) => {
    const headers = c.headers();
    const outcome = await Promise.resolve(verifier.authenticate(undefined, false, headers)).then(
      (auth) => ({ auth, error: undefined }),
      (error: unknown) => ({ auth: undefined, error }),
    );
    if (c.status === 200) {
      expect(outcome.error).toBeUndefined();
      expect(outcome.auth?.sub).toBe(subOf(headers["x-amzn-oidc-accesstoken"]));
      return;
    }
    expect(isAuthError(outcome.error)).toBe(true);
    const error = outcome.error as { reason: string; status: number; message: string; headers: Record<string, string> };
    expect([error.reason, error.status, error.message]).toEqual([c.reason, c.status, expectedDescription(c)]);
  });

  test("the token is read from x-amzn-oidc-accesstoken in a Fetch Headers and in Node's rawHeaders too", async () => {
    const headers = forwarded();
    const sub = subOf(headers["x-amzn-oidc-accesstoken"]);
    expect((await verifier.authenticate(undefined, false, new Headers(headers)))?.sub).toBe(sub);
    expect((await verifier.authenticate(undefined, false, Object.entries(headers).flat()))?.sub).toBe(sub);
  });

  test("a cached access token still needs its data header", async () => {
    const headers = forwarded();
    await verifier.authenticate(undefined, false, headers);
    const { ["x-amzn-oidc-data"]: _data, ...withoutData } = headers;
    await expect(Promise.resolve(verifier.authenticate(undefined, false, withoutData))).rejects.toMatchObject({ reason: "alb_data_invalid", status: 401 });
  });

  test("without credentials and optional: anonymous", () => {
    expect(verifier.authenticate(undefined, true, {})).toBeUndefined();
  });

  test("the key endpoint down → 503 with Retry-After, never 401", async () => {
    const down = albVerifier(deadUrl);
    try {
      const error = await Promise.resolve(down.authenticate(undefined, false, forwarded())).then(
        () => undefined,
        (err: unknown) => err as { reason: string; status: number; headers: Record<string, string> },
      );
      expect(error).toMatchObject({ reason: "alb_keys_unavailable", status: 503, headers: { "Retry-After": "5" } });
    } finally {
      down.close();
    }
  });

  test("kids are attacker-chosen: unknown kids are fetched at most maxKeyFetches times per window, and a 404 is remembered", async () => {
    const bounded = albVerifier(keyUrl, { maxKeyFetches: 2 });
    try {
      const before = keyRequests.length;
      const forged = Array.from({ length: 6 }, () => forwarded({ key: albKey() }));
      forged.push(forwarded({ key: unserved }), forwarded({ key: unserved }));
      for (const headers of forged) {
        await expect(Promise.resolve(bounded.authenticate(undefined, false, headers))).rejects.toMatchObject({ reason: "alb_data_invalid", status: 401 });
      }
      expect(keyRequests.length - before).toBe(2);
    } finally {
      bounded.close();
    }
  });

  test("options are checked when the verifier is created", () => {
    expect(() => createVerifier({ ...issuer.verifierOptions, alb: { albArn: "my-alb" } })).toThrow(/alb\.albArn/);
    expect(() => createVerifier({ ...issuer.verifierOptions, alb: { albArn: ALB_ARN, keyUrl: "ftp://x" } })).toThrow(/alb\.keyUrl/);
    expect(() => createVerifier({ ...issuer.verifierOptions, alb: { albArn: ALB_ARN, signer: ALB_ARN } as never })).toThrow(/signer/);
  });
});

describe("alb: the Express adapter over HTTP", () => {
  let server: Server;
  let url: string;
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = albVerifier();
    const app = express();
    app.use(cognitoAuth(verifier));
    app.get("/", (req, res) => {
      res.json({ sub: authOf(req).sub });
    });
    server = createServer(app);
    url = await listen(server);
  });
  afterAll(async () => {
    verifier.close();
    await close(server);
  });

  test.each(cases)("$name → $status", async (c) => {
    const headers = c.headers();
    const response = await fetch(url, { headers });
    expect(response.status).toBe(c.status);
    const body = (await response.json()) as { sub?: string; error?: string; error_description?: string };
    if (c.status === 200) {
      expect(body.sub).toBe(subOf(headers["x-amzn-oidc-accesstoken"]));
    } else if (c.reason === "missing_credentials") {
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    } else {
      expect(body).toEqual({ error: "invalid_token", error_description: expectedDescription(c) });
      expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });

  test("the key endpoint down → 503 with Retry-After", async () => {
    const down = albVerifier(deadUrl);
    const app = express();
    app.use(cognitoAuth(down));
    app.get("/", (_req, res) => {
      res.json({});
    });
    const downServer = createServer(app);
    try {
      const response = await fetch(await listen(downServer), { headers: forwarded() });
      expect([response.status, response.headers.get("retry-after")]).toEqual([503, "5"]);
    } finally {
      down.close();
      await close(downServer);
    }
  });
});

describe("alb: the fetch adapter", () => {
  let verifier: Verifier;
  let handler: (request: Request) => Promise<Response>;
  beforeAll(() => {
    verifier = albVerifier();
    handler = withCognitoAuth(verifier, (_request, auth) => Response.json({ sub: auth?.sub }));
  });
  afterAll(() => verifier.close());

  test.each(cases)("$name → $status", async (c) => {
    const headers = c.headers();
    const response = await handler(new Request("https://api.example.com/", { headers }));
    expect(response.status).toBe(c.status);
    const body = (await response.json()) as { sub?: string; error?: string; error_description?: string };
    if (c.status === 200) expect(body.sub).toBe(subOf(headers["x-amzn-oidc-accesstoken"]));
    else if (c.reason !== "missing_credentials") expect(body).toEqual({ error: "invalid_token", error_description: expectedDescription(c) });
    else expect(body.error).toBe("unauthorized");
  });

  test("the key endpoint down → 503 with Retry-After", async () => {
    const down = albVerifier(deadUrl);
    try {
      const response = await withCognitoAuth(down, () => new Response("unreachable"))(new Request("https://api.example.com/", { headers: forwarded() }));
      expect([response.status, response.headers.get("retry-after")]).toEqual([503, "5"]);
    } finally {
      down.close();
    }
  });
});
