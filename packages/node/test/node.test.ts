// node:http-specific behaviour of withCognitoAuth(), authenticate() and
// sendAuthError(). The HTTP contract itself (statuses, challenges, bodies) is
// tested for every adapter in test/contract. Jest fails the test during which
// a promise rejection goes unhandled, so every test here also checks that the
// adapter leaves none behind.
import type { IncomingMessage, ServerResponse } from "node:http";
import request from "supertest";
import { errorResponse, OptionsError } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import {
  AuthError,
  authenticate,
  createVerifier,
  requireScopes,
  sendAuthError,
  withCognitoAuth,
  type CognitoAuth,
  type CognitoRequestListener,
  type Verifier,
  type WithCognitoAuthOptions,
} from "../src/index.js";
import { closedAfterEach } from "../../../test/support/resources.js";
import { sendJson } from "./contract-app.js";

let issuer: TestIssuer;
// Servers and verifiers a test starts, closed after it.
const { serve: start, track } = closedAfterEach();

beforeAll(async () => {
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await issuer.close();
});

const bearer = (token: string) => `Bearer ${token}`;
const echoSub = (_req: IncomingMessage, res: ServerResponse, auth: CognitoAuth | undefined) => sendJson(res, 200, { sub: auth?.sub ?? null });

describe("withCognitoAuth", () => {
  test("calls the handler with the verified token's auth object", async () => {
    let seen: CognitoAuth | undefined;
    const listener = track(
      withCognitoAuth(issuer.verifierOptions, (_req, res, auth) => {
        seen = auth;
        sendJson(res, 200, { ok: true });
      }),
    );
    const token = issuer.mintAccessToken({ username: "alice", scope: "openid orders/read", "cognito:groups": ["admin"] });
    expect((await request(await start(listener)).get("/").set("Authorization", bearer(token))).status).toBe(200);
    expect(seen).toMatchObject({ token, username: "alice", clientId: issuer.clientId, scopes: ["openid", "orders/read"], groups: ["admin"] });
  });

  test("refuses without calling the handler", async () => {
    let calls = 0;
    const listener = track(
      withCognitoAuth(issuer.verifierOptions, (_req, res) => {
        calls++;
        res.end();
      }),
    );
    const url = await start(listener);
    const response = await request(url).get("/").set("Authorization", bearer(issuer.mintAccessToken({}, { expiresInSeconds: -1 })));
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "invalid_token", error_description: "The access token has expired" });
    expect((await request(url).get("/")).status).toBe(401);
    expect(calls).toBe(0);
  });

  test("calls the handler synchronously on a verified-token cache hit, asynchronously on first sight", async () => {
    const calls: boolean[] = [];
    // Requests whose listener call has not returned yet.
    const inListener = new WeakSet<IncomingMessage>();
    const listener = track(
      withCognitoAuth(issuer.verifierOptions, (req, res, auth) => {
        calls.push(inListener.has(req));
        echoSub(req, res, auth);
      }),
    );
    const url = await start((req, res) => {
      inListener.add(req);
      listener(req, res);
      inListener.delete(req);
    });
    const token = issuer.mintAccessToken();
    for (let i = 0; i < 3; i++) expect((await request(url).get("/").set("Authorization", bearer(token))).status).toBe(200);
    expect(calls).toEqual([false, true, true]);
  });

  describe("a failing handler", () => {
    const token = () => bearer(issuer.mintAccessToken());

    async function failingServer(fail: (res: ServerResponse) => unknown): Promise<{ url: string; errors: unknown[] }> {
      const errors: unknown[] = [];
      const listener = track(
        withCognitoAuth(
          issuer.verifierOptions,
          (req, res, auth) => (req.url === "/fail" ? fail(res) : echoSub(req, res, auth)),
          { onError: (err) => errors.push(err) },
        ),
      );
      return { url: await start(listener), errors };
    }

    test.each([
      ["throws", () => {
        throw new Error("secret database password in message");
      }],
      ["rejects", async () => {
        await Promise.resolve();
        throw new Error("secret database password in message");
      }],
    ])("that %s gets a generic 500, the error goes to onError, and the server keeps serving", async (_how, fail) => {
      const { url, errors } = await failingServer(fail);
      const failed = await request(url).get("/fail").set("Authorization", token());
      expect(failed.status).toBe(500);
      expect(failed.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(failed.body).toEqual({ error: "server_error", error_description: "The server could not complete the request" });
      expect(failed.text).not.toContain("secret");
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe("secret database password in message");
      // The same connection pool and process keep serving.
      const next = await request(url).get("/ok").set("Authorization", token());
      expect(next.status).toBe(200);
    });

    test("that fails after sending headers has its response cut, and the server keeps serving", async () => {
      const { url, errors } = await failingServer((res) => {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.write("partial");
        throw new Error("midway");
      });
      await expect(request(url).get("/fail").set("Authorization", token())).rejects.toThrow();
      expect(errors).toHaveLength(1);
      expect((await request(url).get("/ok").set("Authorization", token())).status).toBe(200);
    });

    test("that throws an AuthError (a requirement check) gets that error's answer", async () => {
      const needsOrdersRead = requireScopes("orders/read");
      const { url, errors } = await failingServer(() => {
        needsOrdersRead(undefined);
      });
      const refused = await request(url).get("/fail").set("Authorization", token());
      expect(refused.status).toBe(401);
      expect(refused.headers["www-authenticate"]).toBe('Bearer realm="api"');
      expect(errors).toEqual([]);
    });

    test("whose onError throws still gets its 500", async () => {
      const listener = track(
        withCognitoAuth(
          issuer.verifierOptions,
          () => {
            throw new Error("handler");
          },
          {
            onError: () => {
              throw new Error("reporter");
            },
          },
        ),
      );
      const url = await start(listener);
      expect((await request(url).get("/").set("Authorization", token())).status).toBe(500);
      expect((await request(url).get("/").set("Authorization", token())).status).toBe(500);
    });
  });

  describe("CORS preflight", () => {
    const preflight = { Origin: "https://app.example", "Access-Control-Request-Method": "GET" };

    test("reaches the handler unauthenticated by default", async () => {
      const url = await start(track(withCognitoAuth(issuer.verifierOptions, echoSub)));
      const response = await request(url).options("/").set(preflight);
      expect([response.status, response.body]).toEqual([200, { sub: null }]);
    });

    test("allowPreflight: false authenticates preflights too", async () => {
      const url = await start(track(withCognitoAuth(issuer.verifierOptions, (req, res, auth) => echoSub(req, res, auth), { allowPreflight: false })));
      const refused = await request(url).options("/").set(preflight);
      expect(refused.status).toBe(401);
      const allowed = await request(url).options("/").set({ ...preflight, Authorization: bearer(issuer.mintAccessToken()) });
      expect(allowed.status).toBe(200);
      expect(allowed.body.sub).toEqual(expect.any(String));
    });
  });

  test("optional: anonymous requests reach the handler, bad credentials do not", async () => {
    const url = await start(track(withCognitoAuth({ ...issuer.verifierOptions, optional: true }, echoSub)));
    expect((await request(url).get("/")).body).toEqual({ sub: null });
    expect((await request(url).get("/").set("Authorization", "Basic dXNlcjpwYXNz")).body).toEqual({ sub: null });
    expect((await request(url).get("/").set("Authorization", "Bearer nope")).status).toBe(401);
  });

  test("reuses a given verifier: one JWKS fetch and one cache for several listeners", async () => {
    const verifier = track(createVerifier(issuer.verifierOptions));
    const a: CognitoRequestListener = withCognitoAuth(verifier, echoSub);
    const b: CognitoRequestListener = withCognitoAuth(verifier, echoSub, { optional: true });
    expect(a.verifier).toBe(verifier);
    expect(b.verifier).toBe(verifier);
    const [urlA, urlB] = await Promise.all([start(a), start(b)]);
    issuer.resetCounters();
    const token = issuer.mintAccessToken();
    const [ra, rb] = await Promise.all([
      request(urlA).get("/").set("Authorization", bearer(token)),
      request(urlB).get("/").set("Authorization", bearer(token)),
    ]);
    expect(ra.body.sub).toBe(rb.body.sub);
    expect(issuer.jwksRequests).toBe(1);
    expect(verifier.stats().cache?.size).toBe(1);
  });

  test("survives hostile input: oversized and odd headers are answered, never crash", async () => {
    const url = await start(track(withCognitoAuth(issuer.verifierOptions, echoSub)), { maxHeaderSize: 64 * 1024 });
    const oversized = await request(url).get("/").set("Authorization", `Bearer ${"a".repeat(20_000)}`);
    expect([oversized.status, oversized.body.error_description]).toEqual([401, "The access token is too large"]);
    expect((await request(url).get("/").set("Authorization", "Bearer")).status).toBe(400);
    expect((await request(url).get("/").set("Authorization", "Bearer a\tb")).status).toBe(400);
    expect((await request(url).head("/").set("Authorization", "Bearer a.b.c")).status).toBe(401);
  });

  test("configuration errors are thrown when the listener is created", () => {
    expect(() => withCognitoAuth({ userPoolId: "eu-west-1_AbCdEf123" } as never, echoSub)).toThrow(OptionsError);
    expect(() => withCognitoAuth(issuer.verifierOptions, undefined as never)).toThrow("needs a handler function");
    expect(() => withCognitoAuth(issuer.verifierOptions, echoSub, { optional: 1 } as never)).toThrow("optional must be a boolean");
    expect(() => withCognitoAuth(issuer.verifierOptions, echoSub, { onError: "log" } as unknown as WithCognitoAuthOptions)).toThrow(
      "onError must be a function",
    );
  });

  test("a misspelled option is refused with the option meant, in either argument", () => {
    expect(() => withCognitoAuth({ ...issuer.verifierOptions, scope: "orders/read" } as never, echoSub)).toThrow(/"scope" \(did you mean "scopes"\?\)/);
    expect(() => withCognitoAuth({ ...issuer.verifierOptions, alowPreflight: false } as never, echoSub)).toThrow(/did you mean "allowPreflight"/);
    expect(() => withCognitoAuth(issuer.verifierOptions, echoSub, { onerror: () => undefined } as never)).toThrow(/did you mean "onError"/);
    expect(() => withCognitoAuth([{ ...issuer.verifierOptions, onError: () => undefined }] as never, echoSub)).toThrow(OptionsError);
  });
});

describe("authenticate", () => {
  let verifier: Verifier;
  beforeAll(() => {
    verifier = createVerifier(issuer.verifierOptions);
  });
  afterAll(() => verifier.close());

  test("resolves to the auth object for anything shaped like a request", async () => {
    const token = issuer.mintAccessToken({ username: "carol" });
    const auth = await authenticate({ method: "GET", headers: { authorization: bearer(token) } }, verifier);
    expect(auth).toMatchObject({ token, username: "carol" });
    // A cache hit still comes back as a promise.
    const again = authenticate({ headers: { authorization: bearer(token) } }, verifier);
    expect(again).toBeInstanceOf(Promise);
    expect(await again).toBe(auth);
  });

  test("rejects with an AuthError, never throws, whatever the input", async () => {
    await expect(authenticate({ headers: {} }, verifier)).rejects.toMatchObject({ status: 401, code: null });
    await expect(authenticate({ headers: { authorization: "Bearer a b" } }, verifier)).rejects.toBeInstanceOf(AuthError);
    await expect(authenticate({ headers: { authorization: ["Bearer a", "Bearer b"] } }, verifier)).rejects.toMatchObject({ status: 400 });
    await expect(authenticate({} as never, verifier)).rejects.toMatchObject({ status: 401 });
    await expect(authenticate(null as never, verifier)).rejects.toMatchObject({ status: 401 });
  });

  test("optional: resolves to undefined without credentials, still rejects bad ones", async () => {
    await expect(authenticate({ headers: {} }, verifier, { optional: true })).resolves.toBeUndefined();
    await expect(authenticate({ headers: { authorization: "Bearer x.y.z" } }, verifier, { optional: true })).rejects.toMatchObject({
      status: 401,
      code: "invalid_token",
    });
  });

  test("needs a verifier: a programming error is thrown at once", () => {
    expect(() => authenticate({ headers: {} }, issuer.verifierOptions as never)).toThrow(TypeError);
  });
});

describe("sendAuthError", () => {
  test("writes core's errorResponse byte for byte", async () => {
    const err = new AuthError("jwks_unavailable");
    const url = await start((_req, res) => sendAuthError(res, err));
    const response = await request(url).get("/");
    const expected = errorResponse(err);
    expect(response.status).toBe(expected.status);
    expect(response.text).toBe(expected.body);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.headers["content-type"]).toBe(expected.headers["Content-Type"]);
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength(expected.body)));
    expect(response.headers["www-authenticate"]).toBeUndefined();
  });

  test("answers anything but an AuthError with the generic 500, never a 401", async () => {
    const url = await start((_req, res) => sendAuthError(res, new Error("database down")));
    const response = await request(url).get("/");
    expect([response.status, response.body]).toEqual([500, { error: "server_error", error_description: "The server could not complete the request" }]);
    expect(response.headers["www-authenticate"]).toBeUndefined();
  });

  test("cuts a response whose headers are already sent instead of corrupting it", async () => {
    const url = await start((_req, res) => {
      res.writeHead(200);
      res.write("partial");
      sendAuthError(res, new AuthError("missing_credentials"));
    });
    await expect(request(url).get("/")).rejects.toThrow();
  });
});
