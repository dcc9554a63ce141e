// Koa-specific behaviour of cognitoAuth(), requireScopes() and requireGroups(),
// on Koa 3 and Koa 2. The HTTP contract itself (statuses, challenges, bodies)
// is tested for every adapter in test/contract. Jest fails the test during
// which a promise rejection goes unhandled, so every test here also checks
// that the adapter leaves none behind.
import Koa3, { type Middleware } from "koa";
import Koa2 from "koa2";
import request from "supertest";
import { OptionsError } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { AuthError, cognitoAuth, createVerifier, requireGroups, requireScopes, type CognitoAuth, type Verifier } from "../src/index.js";
import { route } from "./contract-app.js";
import { serve, type RunningServer } from "./server.js";

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await issuer.close();
});

/** Servers and verifiers a test starts, closed after it. */
function resources() {
  const servers: RunningServer[] = [];
  const verifiers: Verifier[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const v of verifiers.splice(0)) v.close();
  });
  return {
    verifier(): Verifier {
      const v = createVerifier(issuer.verifierOptions);
      verifiers.push(v);
      return v;
    },
    track<T extends { verifier: Verifier }>(middleware: T): T {
      verifiers.push(middleware.verifier);
      return middleware;
    },
    async serve(app: Koa3, options?: Parameters<typeof serve>[1]): Promise<string> {
      const running = await serve(app.callback(), options);
      servers.push(running);
      return running.url;
    },
  };
}

const bearer = (token: string) => `Bearer ${token}`;

describe.each([
  ["Koa 3", Koa3],
  ["Koa 2", Koa2 as unknown as typeof Koa3],
])("%s", (_name, Koa) => {
  const r = resources();

  test("ctx.state.auth carries the verified token's auth object", async () => {
    const app = new Koa();
    let seen: CognitoAuth | undefined;
    app.use(r.track(cognitoAuth(issuer.verifierOptions)));
    app.use((ctx) => {
      seen = ctx.state.auth;
      ctx.body = { ok: true };
    });
    const token = issuer.mintAccessToken({ username: "alice", scope: "openid orders/read", "cognito:groups": ["admin"] });
    const response = await request(await r.serve(app)).get("/").set("Authorization", bearer(token));
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
  });

  test("calls next() synchronously on a verified-token cache hit, asynchronously on first sight", async () => {
    const auth = r.track(cognitoAuth(issuer.verifierOptions));
    const calls: boolean[] = [];
    const app = new Koa();
    // Wraps the middleware to see whether it called next() before returning.
    app.use(async (ctx, next) => {
      let returned = false;
      const done = auth(ctx, () => {
        calls.push(!returned);
        return next();
      });
      returned = true;
      await done;
    });
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.sub };
    });
    const url = await r.serve(app);
    const token = issuer.mintAccessToken();
    for (let i = 0; i < 3; i++) expect((await request(url).get("/").set("Authorization", bearer(token))).status).toBe(200);
    expect(calls).toEqual([false, true, true]);
  });

  test("reuses a given verifier: one JWKS fetch and one cache for several middlewares", async () => {
    const verifier = r.verifier();
    const required = cognitoAuth(verifier);
    const optional = cognitoAuth(verifier, { optional: true });
    expect(required.verifier).toBe(verifier);
    expect(optional.verifier).toBe(verifier);
    const app = new Koa();
    const sub: Middleware = (ctx) => {
      ctx.body = { sub: ctx.state.auth?.sub };
    };
    app.use(route("GET", "/a", required, sub));
    app.use(route("GET", "/b", optional, sub));
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
    const app = new Koa();
    app.use(r.track(cognitoAuth({ ...issuer.verifierOptions, optional: true })));
    app.use((ctx) => {
      ctx.body = { authenticated: ctx.state.auth !== undefined };
    });
    const url = await r.serve(app);
    expect((await request(url).get("/")).body).toEqual({ authenticated: false });
    expect((await request(url).get("/").set("Authorization", bearer(issuer.mintAccessToken()))).body).toEqual({ authenticated: true });
    expect((await request(url).get("/").set("Authorization", "Bearer nope")).status).toBe(401);
  });

  describe("passErrors", () => {
    test("throws every refusal to the app's error handling, requirements included", async () => {
      const received: AuthError[] = [];
      const app = new Koa();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          received.push(err as AuthError);
          const { status, code, reason } = err as AuthError;
          ctx.status = status;
          ctx.body = { problem: code, reason };
        }
      });
      app.use(r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })));
      app.use(
        route("GET", "/orders", requireScopes("orders/read"), (ctx) => {
          ctx.body = { orders: [] };
        }),
      );
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
    });

    test("Koa's default error handler answers with the error's status, challenge and safe message", async () => {
      const app = new Koa();
      app.silent = true;
      app.use(r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })));
      app.use((ctx) => {
        ctx.body = {};
      });
      const response = await request(await r.serve(app)).get("/").set("Authorization", "Bearer not.a.jwt");
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is malformed"',
      );
      expect(response.text).toBe("The access token is malformed");
    });
  });

  describe("CORS preflight", () => {
    const preflight = { Origin: "https://app.example", "Access-Control-Request-Method": "GET" };

    test("passes through cognitoAuth() and requireScopes() untouched by default", async () => {
      const app = new Koa();
      app.use(r.track(cognitoAuth(issuer.verifierOptions)));
      app.use(requireScopes("orders/read"));
      app.use((ctx) => {
        ctx.set("X-Auth", String(ctx.state.auth));
        ctx.status = 204;
      });
      const response = await request(await r.serve(app)).options("/orders").set(preflight);
      expect(response.status).toBe(204);
      expect(response.headers["x-auth"]).toBe("undefined");
    });

    test("allowPreflight: false authenticates preflights too", async () => {
      const app = new Koa();
      app.use(r.track(cognitoAuth(issuer.verifierOptions, { allowPreflight: false })));
      app.use((ctx) => {
        ctx.status = 204;
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
    async function appWith(requirement: Middleware): Promise<string> {
      const app = new Koa();
      app.use(r.track(cognitoAuth({ ...issuer.verifierOptions, realm: "orders-api" }, { optional: true })));
      app.use(requirement);
      app.use((ctx) => {
        ctx.body = { ok: true };
      });
      return r.serve(app);
    }
    const get = (url: string, claims?: Record<string, unknown>) => {
      const call = request(url).get("/");
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
      const response = await get(await appWith(requireScopes("a")));
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="orders-api"');
    });

    test("without cognitoAuth() in front, they fail loudly instead of refusing everyone", async () => {
      const errors: unknown[] = [];
      const app = new Koa();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          errors.push(err);
          ctx.status = 500;
        }
      });
      app.use(requireScopes("a"));
      expect((await request(await r.serve(app)).get("/")).status).toBe(500);
      expect(String(errors[0])).toContain("must run after cognitoAuth()");
    });
  });

  test("an error thrown downstream after an async verification is the app's, not a 401", async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        ctx.status = 500;
        ctx.body = { message: (err as Error).message };
      }
    });
    app.use(r.track(cognitoAuth(issuer.verifierOptions)));
    app.use(() => {
      throw new Error("route failed");
    });
    const response = await request(await r.serve(app)).get("/").set("Authorization", bearer(issuer.mintAccessToken()));
    expect([response.status, response.body]).toEqual([500, { message: "route failed" }]);
  });

  test("survives hostile input: oversized and odd headers are answered, never crash", async () => {
    const app = new Koa();
    app.use(r.track(cognitoAuth(issuer.verifierOptions)));
    app.use((ctx) => {
      ctx.body = {};
    });
    // A header larger than Node's default limit is refused by Node itself (431), so raise it to reach core's.
    const url = await r.serve(app, { maxHeaderSize: 64 * 1024 });
    const oversized = await request(url).get("/").set("Authorization", `Bearer ${"a".repeat(20_000)}`);
    expect([oversized.status, oversized.body.error_description]).toEqual([401, "The access token is too large"]);
    expect((await request(url).get("/").set("Authorization", "Bearer")).status).toBe(400);
    expect((await request(url).get("/").set("Authorization", "Bearer ===")).status).toBe(400);
    expect((await request(url).get("/").set("Authorization", "Bearer a.b.c")).status).toBe(401);
    expect((await request(url).head("/")).status).toBe(401);
  });
});

describe("configuration", () => {
  test("a misconfiguration throws when the middleware is created, with core's message", () => {
    expect(() => cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123" } as never)).toThrow(OptionsError);
    expect(() => cognitoAuth({ userPoolId: "not-a-pool", clientId: "abc" })).toThrow(/not a Cognito user pool id/);
    expect(() => cognitoAuth(null as never)).toThrow(OptionsError);
    expect(() => cognitoAuth({ ...issuer.verifierOptions, allowPreflight: "no" as never })).toThrow("cognito-bearer: allowPreflight must be a boolean");
    const verifier = createVerifier(issuer.verifierOptions);
    expect(() => cognitoAuth(verifier, { passErrors: 1 as never })).toThrow("passErrors must be a boolean");
    verifier.close();
  });

  test("argument errors of the requirements are thrown when the middleware is created", () => {
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireGroups("has space")).toThrow(TypeError);
  });
});
