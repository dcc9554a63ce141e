// JWKS faults (issue 5): on a cold cache every fault is a quick 503
// temporarily_unavailable with Retry-After (never a 401, which would make
// clients log users out), and the process recovers; once keys are cached no
// fault breaks a known kid; unknown-kid floods cost at most one fetch per
// cooldown window. Through core and the Express adapter, against real servers.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import request from "supertest";
import { RETRY_AFTER_SECONDS, createVerifier, type AuthError, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { createTestIssuer, type JwksFault, type TestIssuer } from "@cognito-bearer/testing";
import {
  accessClaims,
  authErrorOf,
  refusedUrl,
  startExpressApp,
  startRecordingServer,
  until,
  type ExpressApp,
  type RecordingServer,
} from "./helpers";

jest.setTimeout(15_000);

const TIMEOUT_MS = 300;
const MAX_RESPONSE_BYTES = 16 * 1024;
/** Scheduling slack on top of the fetch timeout for "quickly". */
const MARGIN_MS = 700;

let issuer: TestIssuer;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer?.close());
afterEach(async () => {
  issuer.setFault(null);
  for (const resource of open.splice(0).reverse()) await resource.close();
});

function verifierFor(jwks: VerifierOptions["jwks"] = {}, extra: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({
    ...issuer.verifierOptions,
    jwks: { timeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_RESPONSE_BYTES, ...jwks },
    ...extra,
  });
  open.push(verifier);
  return verifier;
}
async function appFor(verifier: Verifier): Promise<ExpressApp> {
  const app = await startExpressApp(verifier);
  open.push(app);
  return app;
}
async function serverFor(handler?: Parameters<typeof startRecordingServer>[0]): Promise<RecordingServer> {
  const server = await startRecordingServer(handler);
  open.push(server);
  return server;
}

function expectUnavailable(err: AuthError): void {
  expect({ status: err.status, code: err.code, reason: err.reason }).toEqual({
    status: 503,
    code: "temporarily_unavailable",
    reason: "jwks_unavailable",
  });
  expect(err.headers["Retry-After"]).toBe(String(RETRY_AFTER_SECONDS));
  expect(Number(err.headers["Retry-After"])).toBeGreaterThan(0);
}

async function getMe(app: ExpressApp, token: string) {
  const started = performance.now();
  const res = await request(app.url).get("/me").set("Authorization", `Bearer ${token}`).timeout(5000);
  return { res, elapsed: performance.now() - started };
}

function expectUnavailableResponse(res: request.Response): void {
  expect(res.status).toBe(503);
  expect(res.body.error).toBe("temporarily_unavailable");
  expect(res.headers["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
  expect(res.headers["www-authenticate"] ?? "").not.toContain("invalid_token");
}

const FAULTS: [string, JwksFault][] = [
  ["down (connection reset)", { mode: "down" }],
  ["500", { mode: "status", status: 500 }],
  ["502", { mode: "status", status: 502 }],
  ["503", { mode: "status", status: 503 }],
  ["404", { mode: "status", status: 404 }],
  ["302 (redirects are not followed)", { mode: "status", status: 302 }],
  ["HTML page", { mode: "html" }],
  ["invalid JSON", { mode: "garbage" }],
  ["invalid keys (kty oct)", { mode: "invalid-keys" }],
  ["empty key set", { mode: "empty" }],
  ["slow beyond jwks.timeoutMs", { mode: "slow", delayMs: 5000 }],
  ["huge beyond jwks.maxResponseBytes (chunked)", { mode: "huge", bytes: 5 * 1024 * 1024 }],
  ["huge beyond jwks.maxResponseBytes (Content-Length)", { mode: "huge", bytes: 5 * 1024 * 1024, contentLength: true }],
];

describe("cold cache: every fault is a quick 503, and the process recovers", () => {
  test.each(FAULTS)("%s", async (_name, fault) => {
    issuer.setFault(fault);
    const verifier = verifierFor();
    const app = await appFor(verifier);

    const started = performance.now();
    expectUnavailable(await authErrorOf(verifier.verify(issuer.mintAccessToken())));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    const { res, elapsed } = await getMe(app, issuer.mintAccessToken());
    expectUnavailableResponse(res);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    // Recovery: the next request fetches again and succeeds.
    issuer.setFault(null);
    const after = await getMe(app, issuer.mintAccessToken({ sub: "recovered" }));
    expect(after.res.status).toBe(200);
    expect(after.res.body).toEqual({ sub: "recovered" });
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("connection refused", async () => {
    const jwksUri = await refusedUrl(new URL(issuer.jwksUri).pathname);
    const verifier = verifierFor({}, { jwksUri });
    const app = await appFor(verifier);
    const started = performance.now();
    expectUnavailable(await authErrorOf(verifier.verify(issuer.mintAccessToken())));
    expectUnavailableResponse((await getMe(app, issuer.mintAccessToken())).res);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    // The process keeps serving: another verifier on a healthy JWKS works.
    await expect(verifierFor().verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("a redirect to another host is not followed", async () => {
    const attacker = await serverFor();
    const redirecting = await serverFor((_req, res) => {
      res.writeHead(302, { location: `${attacker.url}/jwks.json`, "content-length": 0 });
      res.end();
    });
    const verifier = verifierFor({}, { jwksUri: `${redirecting.url}/jwks.json` });
    expectUnavailable(await authErrorOf(verifier.verify(issuer.mintAccessToken())));
    expect(redirecting.requests).toHaveLength(1);
    expect(attacker.requests).toEqual([]);
  });

  test.each([
    ["{}", "{}"],
    ['{"keys":{}}', '{"keys":{}}'],
    ['{"keys":"x"}', '{"keys":"x"}'],
    ["[]", "[]"],
    ["null", "null"],
    ["keys without kid", () => JSON.stringify({ keys: issuer.jwks().keys.map(({ kid: _kid, ...key }) => key) })],
    ["keys for encryption (use: enc)", () => JSON.stringify({ keys: issuer.jwks().keys.map((key) => ({ ...key, use: "enc" })) })],
    ["an RSA key too short (1024 bits)", () => JSON.stringify({ keys: [shortRsaJwk(issuer.kid)] })],
    ["invalid UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ])("an unusable JWKS document (%s) is a 503", async (_name, body) => {
    const server = await serverFor((_req, res) => {
      const payload = typeof body === "function" ? body() : body;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
    const verifier = verifierFor({}, { jwksUri: `${server.url}/jwks.json` });
    expectUnavailable(await authErrorOf(verifier.verify(issuer.mintAccessToken())));
  });

  test("concurrent requests on a cold cache during an outage share one fetch, and all get 503", async () => {
    issuer.setFault({ mode: "slow", delayMs: 5000 });
    const verifier = verifierFor();
    const app = await appFor(verifier);
    const before = issuer.jwksRequests;
    const started = performance.now();
    const [core, http] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => authErrorOf(verifier.verify(issuer.mintAccessToken())))),
      Promise.all(Array.from({ length: 10 }, () => getMe(app, issuer.mintAccessToken()))),
    ]);
    for (const err of core) expectUnavailable(err);
    for (const { res } of http) expectUnavailableResponse(res);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(issuer.jwksRequests - before).toBe(1);
  });
});

describe("connection reuse", () => {
  test("a kept-alive socket reset by the server when reused: the fetch is retried once on a new connection", async () => {
    // The race Node documents for keep-alive agents: the server closes an idle
    // connection just as the client sends the next request on it. A JWKS fetch
    // lost that way would turn a rotation's first tokens into 503s for a whole
    // cooldown window.
    const rotating = await createTestIssuer();
    open.push(rotating);
    const served = new WeakMap<object, number>();
    let resetOnReuse = false;
    let resetAll = false;
    const server = await serverFor((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (resetAll || (resetOnReuse && count > 1)) {
        req.socket.resetAndDestroy();
        return;
      }
      const body = JSON.stringify(rotating.jwks());
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    const verifier = verifierFor({ cooldownSeconds: 0 }, { ...rotating.verifierOptions, jwksUri: `${server.url}/jwks.json` });
    await verifier.warmup();
    resetOnReuse = true;
    rotating.rotateKey();
    await expect(verifier.verify(rotating.mintAccessToken())).resolves.toBeDefined();
    expect(server.requests).toHaveLength(3); // warmup, the reset one, the retry
    // A second reset in a row is a real failure: 503, not an endless retry.
    rotating.rotateKey();
    resetAll = true;
    const origin = server.requests.length;
    const err = await authErrorOf(verifier.verify(rotating.mintAccessToken()));
    expect(err.status).toBe(503);
    expect(server.requests.length - origin).toBeLessThanOrEqual(2);
  });
});

describe("warm cache: an outage never breaks a known kid", () => {
  test("every fault, including failed background refreshes under it, leaves known kids verifying", async () => {
    // maxAge 0.2 s: background refreshes (and their retries) keep hitting the fault.
    const verifier = verifierFor({ maxAgeSeconds: 0.2 }, { cache: false });
    const app = await appFor(verifier);
    await verifier.warmup();
    for (const [name, fault] of FAULTS) {
      issuer.setFault(fault);
      const before = issuer.jwksRequests;
      await until(() => issuer.jwksRequests > before, { timeoutMs: 3000, what: `a background refresh under ${name}` });
      await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
      const { res } = await getMe(app, issuer.mintAccessToken({ sub: name }));
      expect([name, res.status, res.body]).toEqual([name, 200, { sub: name }]);
    }
    expect(verifier.stats().jwks[0].kids).toEqual([issuer.kid]);
  });
});

describe("unknown-kid floods", () => {
  const unknownKidToken = () => issuer.sign({ kid: randomUUID() }, accessClaims(issuer));

  test("200 tokens with random kids cost one refetch, while valid tokens keep verifying", async () => {
    const verifier = verifierFor({ cooldownSeconds: 30 }, { cache: false });
    const app = await appFor(verifier);
    await verifier.warmup();
    const before = issuer.jwksRequests;
    // Every token is signed first: signing 200 in the loop that starts the verifications would hold the event loop
    // past the refetch's 300 ms deadline on a loaded machine, and the refetch would fail for our own slowness.
    const tokens = Array.from({ length: 200 }, (_, i) => ({ valid: i % 10 === 0, token: i % 10 === 0 ? issuer.mintAccessToken() : unknownKidToken() }));
    const outcomes = await Promise.all(
      tokens.map(({ valid, token }) =>
        valid ? verifier.verify(token).then(() => "ok") : authErrorOf(verifier.verify(token)).then((err) => err.reason),
      ),
    );
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(20);
    expect(outcomes.filter((o) => o === "unknown_key")).toHaveLength(180);
    // And one by one, inside the window, through the adapter as well.
    for (let i = 0; i < 20; i++) {
      expect((await authErrorOf(verifier.verify(unknownKidToken()))).reason).toBe("unknown_key");
      expect((await getMe(app, unknownKidToken())).res.status).toBe(401);
      expect((await getMe(app, issuer.mintAccessToken())).res.status).toBe(200);
    }
    expect(issuer.jwksRequests - before).toBe(1);
  });

  test("at most one refetch per cooldown window, over several windows", async () => {
    const COOLDOWN_MS = 400;
    const verifier = verifierFor({ cooldownSeconds: COOLDOWN_MS / 1000 });
    await verifier.warmup();
    const before = issuer.jwksRequests;
    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < 3 * COOLDOWN_MS + 100) {
      await Promise.all(Array.from({ length: 5 }, () => authErrorOf(verifier.verify(unknownKidToken()))));
      sent += 5;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const elapsed = performance.now() - started;
    const fetches = issuer.jwksRequests - before;
    expect(sent).toBeGreaterThan(50);
    expect(fetches).toBeGreaterThanOrEqual(2); // the window does reopen
    expect(fetches).toBeLessThanOrEqual(Math.floor(elapsed / COOLDOWN_MS) + 1);
  });

  test("a flood during an outage: one fetch per window, 503 for unknown kids (we cannot tell), known kids verify", async () => {
    const verifier = verifierFor({ cooldownSeconds: 30 }, { cache: false });
    await verifier.warmup();
    issuer.setFault({ mode: "down" });
    const before = issuer.jwksRequests;
    const floods = await Promise.all(Array.from({ length: 50 }, () => authErrorOf(verifier.verify(unknownKidToken()))));
    for (const err of floods) expect(err.status).toBe(503);
    for (let i = 0; i < 20; i++) expect((await authErrorOf(verifier.verify(unknownKidToken()))).status).toBe(503);
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    // One fetch; its request may be retried once when it went out on a kept-alive
    // socket that the server reset (which is what "down" does).
    expect(issuer.jwksRequests - before).toBeGreaterThanOrEqual(1);
    expect(issuer.jwksRequests - before).toBeLessThanOrEqual(2);
  });
});

function shortRsaJwk(kid: string) {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
}
