// Express-specific behaviour of cognitoAuth(), requireScopes() and
// requireGroups(), on Express 5 and Express 4. The HTTP contract itself
// (statuses, challenges, bodies) is tested for every adapter in test/contract.
// Jest fails the test during which a promise rejection goes unhandled, so every
// test here also checks that the adapter leaves none behind.
import type { ErrorRequestHandler, RequestHandler } from "express";
import express5 from "express";
import express4 from "express4";
import request from "supertest";
import { OptionsError } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { AuthError, cognitoAuth, createVerifier, requireGroups, requireScopes, type CognitoAuth, type Verifier } from "../src/index.js";
import { serve, type RunningServer } from "./server.js";

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await issuer.close();
});

/** Runs `body` with servers and verifiers it registers, and closes them all afterwards. */
function resources() {
  const servers: RunningServer[] = [];
  const verifiers: Verifier[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const v of verifiers.splice(0)) v.close();
  });
  return {
    verifier(extra: Partial<Parameters<typeof createVerifier>[0]> = {}): Verifier {
      const v = createVerifier({ ...issuer.verifierOptions, ...extra });
      verifiers.push(v);
      return v;
    },
    track<T extends { verifier: Verifier }>(middleware: T): T {
      verifiers.push(middleware.verifier);
      return middleware;
    },
    async serve(app: Parameters<typeof serve>[0], options?: Parameters<typeof serve>[1]): Promise<string> {
      const running = await serve(app, options);
      servers.push(running);
      return running.url;
    },
  };
}

const bearer = (token: string) => `Bearer ${token}`;

describe.each([
  ["Express 5", express5],
  ["Express 4", express4 as unknown as typeof express5],
])("%s", (_name, express) => {
  const r = resources();

  test("req.auth carries the verified token's auth object", async () => {
    const app = express();
    let seen: CognitoAuth | undefined;
    app.get("/me", r.track(cognitoAuth(issuer.verifierOptions)), (req, res) => {
      seen = req.auth;
      res.json({ ok: true });
    });
    const token = issuer.mintAccessToken({ username: "alice", scope: "openid orders/read", "cognito:groups": ["admin"] });
    const response = await request(await r.serve(app)).get("/me").set("Authorization", bearer(token));
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({
      token,
      username: "alice",
      clientId: issuer.clientId,
      scopes: ["openid", "orders/read"],
      groups: ["admin"],
      issuer: issuer.issuer,
    });
    expect(seen!.sub).toBe(seen!.claims.sub);
    expect(Object.isFrozen(seen)).toBe(true);
  });

  test("calls next() synchronously on a verified-token cache hit, asynchronously on first sight", async () => {
    const auth = r.track(cognitoAuth(issuer.verifierOptions));
    const calls: boolean[] = [];
    // Wraps the middleware to see whether it called next() before returning.
    const probe: RequestHandler = (req, res, next) => {
      let returned = false;
      auth(req, res, (err?: unknown) => {
        calls.push(!returned);
        next(err);
      });
      returned = true;
    };
    const app = express();
    app.get("/me", probe, (req, res) => {
      res.json({ sub: req.auth?.sub });
    });
    const url = await r.serve(app);
    const token = issuer.mintAccessToken();
    for (let i = 0; i < 3; i++) expect((await request(url).get("/me").set("Authorization", bearer(token))).status).toBe(200);
    expect(calls).toEqual([false, true, true]);
  });

  test("reuses a given verifier: one JWKS fetch and one cache for several middlewares", async () => {
    const verifier = r.verifier();
    const required = cognitoAuth(verifier);
    const optional = cognitoAuth(verifier, { optional: true });
    expect(required.verifier).toBe(verifier);
    expect(optional.verifier).toBe(verifier);
    const app = express();
    app.get("/a", required, (req, res) => {
      res.json({ sub: req.auth?.sub });
    });
    app.get("/b", optional, (req, res) => {
      res.json({ sub: req.auth?.sub });
    });
    const url = await r.serve(app);
    issuer.resetCounters();
    const token = issuer.mintAccessToken();
    const [a, b] = await Promise.all([
      request(url).get("/a").set("Authorization", bearer(token)),
      request(url).get("/b").set("Authorization", bearer(token)),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.sub).toBe(b.body.sub);
    expect(issuer.jwksRequests).toBe(1);
    expect(verifier.stats().cache?.size).toBe(1);
  });

  test("options with adapter options mixed in: optional lets anonymous requests through", async () => {
    const app = express();
    app.get("/public", r.track(cognitoAuth({ ...issuer.verifierOptions, optional: true })), (req, res) => {
      res.json({ authenticated: req.auth !== undefined });
    });
    const url = await r.serve(app);
    expect((await request(url).get("/public")).body).toEqual({ authenticated: false });
    expect((await request(url).get("/public").set("Authorization", bearer(issuer.mintAccessToken()))).body).toEqual({ authenticated: true });
    expect((await request(url).get("/public").set("Authorization", "Bearer nope")).status).toBe(401);
  });

  describe("passErrors", () => {
    test("hands every refusal to the app's error handler, requirements included", async () => {
      const received: AuthError[] = [];
      const app = express();
      app.use(r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })));
      app.get("/orders", requireScopes("orders/read"), (_req, res) => {
        res.json({ orders: [] });
      });
      const handler: ErrorRequestHandler = (err, _req, res, _next) => {
        received.push(err);
        res.status(err.status).json({ problem: err.code, reason: err.reason });
      };
      app.use(handler);
      const url = await r.serve(app);

      const missing = await request(url).get("/orders");
      expect([missing.status, missing.body]).toEqual([401, { problem: null, reason: "missing_credentials" }]);
      const malformed = await request(url).get("/orders").set("Authorization", "Bearer a b");
      expect([malformed.status, malformed.body]).toEqual([400, { problem: "invalid_request", reason: "malformed_credentials" }]);
      const expired = await request(url).get("/orders").set("Authorization", bearer(issuer.mintAccessToken({}, { expiresInSeconds: -10 })));
      expect([expired.status, expired.body]).toEqual([401, { problem: "invalid_token", reason: "expired" }]);
      const lacking = await request(url).get("/orders").set("Authorization", bearer(issuer.mintAccessToken()));
      expect([lacking.status, lacking.body]).toEqual([403, { problem: "insufficient_scope", reason: "insufficient_scope" }]);

      expect(received).toHaveLength(4);
      for (const err of received) expect(err).toBeInstanceOf(AuthError);
      // The app's handler wrote its own answer: no challenge header unless it sets one.
      expect(lacking.headers["www-authenticate"]).toBeUndefined();
    });

    test("Express's default error handler answers with the error's status and challenge", async () => {
      const app = express();
      app.get("/me", r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })), (_req, res) => {
        res.json({});
      });
      const response = await request(await r.serve(app)).get("/me").set("Authorization", "Bearer not.a.jwt");
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is malformed"',
      );
      expect(response.text).not.toContain("not.a.jwt");
    });
  });

  describe("CORS preflight", () => {
    const preflight = { Origin: "https://app.example", "Access-Control-Request-Method": "GET" };

    test("passes through cognitoAuth() and requireScopes() untouched by default", async () => {
      const app = express();
      app.use(r.track(cognitoAuth(issuer.verifierOptions)));
      app.use(requireScopes("orders/read"));
      app.options("/orders", (req, res) => {
        res.status(204).set("X-Auth", String(req.auth)).end();
      });
      const response = await request(await r.serve(app)).options("/orders").set(preflight);
      expect(response.status).toBe(204);
      expect(response.headers["x-auth"]).toBe("undefined");
    });

    test("allowPreflight: false authenticates preflights too", async () => {
      const app = express();
      app.use(r.track(cognitoAuth(issuer.verifierOptions, { allowPreflight: false })));
      app.options("/orders", (_req, res) => {
        res.status(204).end();
      });
      const url = await r.serve(app);
      const refused = await request(url).options("/orders").set(preflight);
      expect(refused.status).toBe(401);
      expect(refused.headers["www-authenticate"]).toBe('Bearer realm="api"');
      const allowed = await request(url).options("/orders").set({ ...preflight, Authorization: bearer(issuer.mintAccessToken()) });
      expect(allowed.status).toBe(204);
    });
  });

  describe("requireScopes and requireGroups", () => {
    async function appWith(...route: RequestHandler[]): Promise<string> {
      const app = express();
      app.use(r.track(cognitoAuth({ ...issuer.verifierOptions, realm: "orders-api" }, { optional: true })));
      app.get("/r", ...route, (_req, res) => {
        res.json({ ok: true });
      });
      return r.serve(app);
    }
    const get = (url: string, claims?: Record<string, unknown>) => {
      const call = request(url).get("/r");
      return claims === undefined ? call : call.set("Authorization", bearer(issuer.mintAccessToken(claims)));
    };

    test("scopes: all listed by default, one of them with { anyOf }", async () => {
      const all = await appWith(requireScopes("a", "b"));
      expect((await get(all, { scope: "a b" })).status).toBe(200);
      expect((await get(all, { scope: "a" })).headers["www-authenticate"]).toBe(
        'Bearer realm="orders-api", error="insufficient_scope", error_description="The access token needs the scope(s): a b", scope="a b"',
      );
      const any = await appWith(requireScopes({ anyOf: ["a", "b"] }));
      expect((await get(any, { scope: "b" })).status).toBe(200);
      expect((await get(any, { scope: "c" })).status).toBe(403);
    });

    test("groups: any listed by default, all of them with { allOf }", async () => {
      const any = await appWith(requireGroups("admin", "support"));
      expect((await get(any, { "cognito:groups": ["support"] })).status).toBe(200);
      expect((await get(any, { "cognito:groups": ["other"] })).status).toBe(403);
      const all = await appWith(requireGroups({ allOf: ["admin", "support"] }));
      expect((await get(all, { "cognito:groups": ["admin", "support"] })).status).toBe(200);
      expect((await get(all, { "cognito:groups": ["admin"] })).status).toBe(403);
    });

    test("an anonymous request on an optional route gets a 401 in the verifier's realm", async () => {
      const url = await appWith(requireScopes("a"));
      const response = await get(url);
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="orders-api"');
    });

    test("without cognitoAuth() in front, they fail loudly instead of refusing everyone", async () => {
      const errors: unknown[] = [];
      const app = express();
      app.get("/r", requireScopes("a"), (_req, res) => {
        res.json({});
      });
      app.use(((err, _req, res, _next) => {
        errors.push(err);
        res.status(500).end();
      }) as ErrorRequestHandler);
      expect((await request(await r.serve(app)).get("/r")).status).toBe(500);
      expect(String(errors[0])).toContain("must run after cognitoAuth()");
    });

    test("argument errors are thrown when the middleware is created", () => {
      expect(() => requireScopes()).toThrow(TypeError);
      expect(() => requireGroups({ someOf: ["a"] } as never)).toThrow(/anyOf/);
    });
  });

  test("an error thrown by the route after an async verification is the app's, not a 401", async () => {
    const app = express();
    app.get("/me", r.track(cognitoAuth(issuer.verifierOptions)), () => {
      throw new Error("route failed");
    });
    app.use(((err: Error, _req, res, _next) => {
      res.status(500).json({ message: err.message });
    }) as ErrorRequestHandler);
    const response = await request(await r.serve(app)).get("/me").set("Authorization", bearer(issuer.mintAccessToken()));
    expect([response.status, response.body]).toEqual([500, { message: "route failed" }]);
  });

  test("survives hostile input: oversized and odd headers are answered, never crash", async () => {
    const app = express();
    app.get("/me", r.track(cognitoAuth(issuer.verifierOptions)), (_req, res) => {
      res.json({});
    });
    // A header larger than Node's default limit is refused by Node itself (431), so raise it to reach core's.
    const url = await r.serve(app, { maxHeaderSize: 64 * 1024 });
    const oversized = await request(url).get("/me").set("Authorization", `Bearer ${"a".repeat(20_000)}`);
    expect([oversized.status, oversized.body.error_description]).toEqual([401, "The access token is too large"]);
    expect((await request(url).get("/me").set("Authorization", "Bearer")).status).toBe(400);
    expect((await request(url).get("/me").set("Authorization", "Bearer ===")).status).toBe(400);
    expect((await request(url).get("/me").set("Authorization", "Bearer a.b.c")).status).toBe(401);
    expect((await request(url).get("/me")).status).toBe(401);
  });
});

describe("configuration", () => {
  test("a misconfiguration throws when the middleware is created, with core's message", () => {
    expect(() => cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123" } as never)).toThrow(OptionsError);
    expect(() => cognitoAuth({ userPoolId: "not-a-pool", clientId: "abc" })).toThrow(/not a Cognito user pool id/);
    expect(() => cognitoAuth(undefined as never)).toThrow(OptionsError);
    expect(() => cognitoAuth({ ...issuer.verifierOptions, optional: "yes" as never })).toThrow("cognito-bearer: optional must be a boolean");
    const verifier = createVerifier(issuer.verifierOptions);
    expect(() => cognitoAuth(verifier, { passErrors: 1 as never })).toThrow("passErrors must be a boolean");
    expect(() => cognitoAuth(verifier, "optional" as never)).toThrow(OptionsError);
    verifier.close();
  });

  test("an array of pools is one verifier; adapter options come second", async () => {
    const other = await createTestIssuer();
    const auth = cognitoAuth([issuer.verifierOptions, other.verifierOptions], { optional: true });
    const app = express5();
    app.get("/me", auth, (req, res) => {
      res.json({ issuer: req.auth?.issuer ?? null });
    });
    const running = await serve(app);
    try {
      expect((await request(running.url).get("/me")).body).toEqual({ issuer: null });
      for (const i of [issuer, other]) {
        const response = await request(running.url).get("/me").set("Authorization", bearer(i.mintAccessToken()));
        expect(response.body).toEqual({ issuer: i.issuer });
      }
    } finally {
      await running.close();
      auth.verifier.close();
      await other.close();
    }
  });
});
