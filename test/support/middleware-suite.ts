// The tests of a middleware adapter (Express, Koa), written once and run by
// each adapter's test file on every framework version it supports:
// cognitoAuth() in front, requireScopes() and requireGroups() after it, in apps
// the adapter's harness builds from a chain of its middleware. The HTTP contract
// itself (statuses, challenges, bodies) is test/contract's. Jest fails the test
// during which a promise rejection goes unhandled, so every test here also
// checks that the adapter leaves none behind.
import type { RequestListener, ServerOptions } from "node:http";
import request from "supertest";
import { createVerifier, OptionsError, type AuthError, type CognitoAuth, type Requirement, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { closedAfterEach } from "./resources.js";

export interface AppOptions {
  /** The JSON body of the 200 the app answers with after the chain; it may throw, like a failing route. */
  respond(auth: CognitoAuth | undefined): object;
  /** The app's error handler (what `next(err)` reaches on Express, a throw on Koa) and its answer; without it, the framework's own. */
  onError?(err: unknown): { status: number; body: object };
}

/** Builds a listener that runs `chain` on every request (any method, any path), then answers per `options`. */
export type AppOf<M> = (chain: readonly M[], options: AppOptions) => RequestListener;

interface CognitoAuthOptions {
  optional?: boolean;
  passErrors?: boolean;
  allowPreflight?: boolean;
}

/** The adapter's exports under test: its module. */
export interface MiddlewareAdapter<M> {
  cognitoAuth(options: (VerifierOptions & CognitoAuthOptions) | readonly VerifierOptions[] | Verifier, adapterOptions?: CognitoAuthOptions): M & { readonly verifier: Verifier };
  requireScopes(...scopes: [Requirement] | string[]): M;
  requireGroups(...groups: [Requirement] | string[]): M;
  AuthError: typeof AuthError;
}

/** What differs between frameworks: how apps are built and what the framework itself does. */
export interface MiddlewareHarness<M> {
  /** Where the adapter puts the auth object, for the test names: `req.auth`, `ctx.state.auth`. */
  authIn: string;
  /** The framework versions to run on, newest first, each with its app builder. */
  frameworks: ReadonlyArray<readonly [name: string, app: AppOf<M>]>;
  /** `middleware`, telling `onNext` whether it called next() before it returned. */
  observeNext(middleware: M, onNext: (synchronous: boolean) => void): M;
  /** What the framework's default error handler sends as the body: the error's (safe) message alone (Koa), or a page of its own (Express). */
  defaultErrorBody: "message" | "page";
}

const bearer = (token: string) => `Bearer ${token}`;
const sub = (auth: CognitoAuth | undefined) => ({ sub: auth?.sub ?? null });

export function describeMiddlewareAdapter<M>(adapter: MiddlewareAdapter<M>, harness: MiddlewareHarness<M>): void {
  const { cognitoAuth, requireScopes, requireGroups } = adapter;
  const { authIn, frameworks } = harness;
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await createTestIssuer();
  });

  afterAll(async () => {
    await issuer.close();
  });

  describe.each(frameworks)("%s", (_name, app) => {
    const r = closedAfterEach();
    /** Serves `chain`; the app answers `{ sub }` unless told otherwise. */
    const serveChain = (chain: M[], options: Partial<AppOptions> = {}, server?: ServerOptions) => r.serve(app(chain, { respond: sub, ...options }), server);

    test(`${authIn} carries the verified token's auth object`, async () => {
      let seen: CognitoAuth | undefined;
      const respond = (auth: CognitoAuth | undefined) => {
        seen = auth;
        return { ok: true };
      };
      const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions))], { respond });
      const token = issuer.mintAccessToken({ username: "alice", scope: "openid orders/read", "cognito:groups": ["admin"] });
      const response = await request(url).get("/me").set("Authorization", bearer(token));
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
      const calls: boolean[] = [];
      const auth = r.track(cognitoAuth(issuer.verifierOptions));
      const url = await serveChain([harness.observeNext(auth, (synchronous) => calls.push(synchronous))]);
      const token = issuer.mintAccessToken();
      for (let i = 0; i < 3; i++) expect((await request(url).get("/me").set("Authorization", bearer(token))).status).toBe(200);
      expect(calls).toEqual([false, true, true]);
    });

    test("reuses a given verifier: one JWKS fetch and one cache for several middlewares", async () => {
      const verifier = r.track(createVerifier(issuer.verifierOptions));
      const required = cognitoAuth(verifier);
      const optional = cognitoAuth(verifier, { optional: true });
      expect(required.verifier).toBe(verifier);
      expect(optional.verifier).toBe(verifier);
      const [urlA, urlB] = await Promise.all([serveChain([required]), serveChain([optional])]);
      issuer.resetCounters();
      const token = issuer.mintAccessToken();
      const [a, b] = await Promise.all([
        request(urlA).get("/a").set("Authorization", bearer(token)),
        request(urlB).get("/b").set("Authorization", bearer(token)),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.sub).toBe(b.body.sub);
      expect(issuer.jwksRequests).toBe(1);
      expect(verifier.stats().cache?.size).toBe(1);
    });

    test("options with adapter options mixed in: optional lets anonymous requests through", async () => {
      const url = await serveChain([r.track(cognitoAuth({ ...issuer.verifierOptions, optional: true }))], {
        respond: (auth) => ({ authenticated: auth !== undefined }),
      });
      expect((await request(url).get("/public")).body).toEqual({ authenticated: false });
      expect((await request(url).get("/public").set("Authorization", bearer(issuer.mintAccessToken()))).body).toEqual({ authenticated: true });
      expect((await request(url).get("/public").set("Authorization", "Bearer nope")).status).toBe(401);
    });

    test("passErrors hands every refusal to the app's error handling, requirements included", async () => {
      const received: unknown[] = [];
      const onError = (err: unknown) => {
        received.push(err);
        const { status, code, reason } = err as { status: number; code: unknown; reason: unknown };
        return { status, body: { problem: code, reason } };
      };
      const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })), requireScopes("orders/read")], { onError });

      const missing = await request(url).get("/orders");
      expect([missing.status, missing.body]).toEqual([401, { problem: null, reason: "missing_credentials" }]);
      const malformed = await request(url).get("/orders").set("Authorization", "Bearer a b");
      expect([malformed.status, malformed.body]).toEqual([400, { problem: "invalid_request", reason: "malformed_credentials" }]);
      const expired = await request(url).get("/orders").set("Authorization", bearer(issuer.mintAccessToken({}, { expiresInSeconds: -10 })));
      expect([expired.status, expired.body]).toEqual([401, { problem: "invalid_token", reason: "expired" }]);
      const lacking = await request(url).get("/orders").set("Authorization", bearer(issuer.mintAccessToken()));
      expect([lacking.status, lacking.body]).toEqual([403, { problem: "insufficient_scope", reason: "insufficient_scope" }]);

      expect(received).toHaveLength(4);
      for (const err of received) expect(err).toBeInstanceOf(adapter.AuthError);
      // The app's handler wrote its own answer: no challenge header unless it sets one.
      expect(lacking.headers["www-authenticate"]).toBeUndefined();
    });

    test("passErrors without an error handler of the app's: the framework's default one answers with the error's status and challenge", async () => {
      const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true }))]);
      const response = await request(url).get("/me").set("Authorization", "Bearer not.a.jwt");
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is malformed"',
      );
      expect(response.text).not.toContain("not.a.jwt");
      if (harness.defaultErrorBody === "message") expect(response.text).toBe("The access token is malformed");
    });

    describe("CORS preflight", () => {
      const preflight = { Origin: "https://app.example", "Access-Control-Request-Method": "GET" };

      test("passes through cognitoAuth() and requireScopes() untouched by default", async () => {
        const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions)), requireScopes("orders/read")], {
          respond: (auth) => ({ auth: String(auth) }),
        });
        const response = await request(url).options("/orders").set(preflight);
        expect([response.status, response.body]).toEqual([200, { auth: "undefined" }]);
      });

      test("allowPreflight: false authenticates preflights too", async () => {
        const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions, { allowPreflight: false }))]);
        const refused = await request(url).options("/orders").set(preflight);
        expect(refused.status).toBe(401);
        expect(refused.headers["www-authenticate"]).toBe('Bearer realm="api"');
        const allowed = await request(url).options("/orders").set({ ...preflight, Authorization: bearer(issuer.mintAccessToken()) });
        expect(allowed.status).toBe(200);
      });
    });

    describe("requireScopes and requireGroups", () => {
      const appWith = (requirement: M) =>
        serveChain([r.track(cognitoAuth({ ...issuer.verifierOptions, realm: "orders-api" }, { optional: true })), requirement], {
          respond: () => ({ ok: true }),
        });
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
        const response = await get(await appWith(requireScopes("a")));
        expect(response.status).toBe(401);
        expect(response.headers["www-authenticate"]).toBe('Bearer realm="orders-api"');
      });

      test("without cognitoAuth() in front, they fail loudly instead of refusing everyone", async () => {
        const errors: unknown[] = [];
        const onError = (err: unknown) => {
          errors.push(err);
          return { status: 500, body: {} };
        };
        const url = await serveChain([requireScopes("a")], { onError });
        expect((await request(url).get("/r")).status).toBe(500);
        expect(String(errors[0])).toContain("must run after cognitoAuth()");
      });
    });

    test("an error thrown by the route after an async verification is the app's, not a 401", async () => {
      const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions))], {
        respond: () => {
          throw new Error("route failed");
        },
        onError: (err) => ({ status: 500, body: { message: (err as Error).message } }),
      });
      const response = await request(url).get("/me").set("Authorization", bearer(issuer.mintAccessToken()));
      expect([response.status, response.body]).toEqual([500, { message: "route failed" }]);
    });

    test("survives hostile input: oversized and odd headers are answered, never crash", async () => {
      // A header larger than Node's default limit is refused by Node itself (431), so raise it to reach core's.
      const url = await serveChain([r.track(cognitoAuth(issuer.verifierOptions))], {}, { maxHeaderSize: 64 * 1024 });
      const oversized = await request(url).get("/me").set("Authorization", `Bearer ${"a".repeat(20_000)}`);
      expect([oversized.status, oversized.body.error_description]).toEqual([401, "The access token is too large"]);
      expect((await request(url).get("/me").set("Authorization", "Bearer")).status).toBe(400);
      expect((await request(url).get("/me").set("Authorization", "Bearer ===")).status).toBe(400);
      expect((await request(url).get("/me").set("Authorization", "Bearer a.b.c")).status).toBe(401);
      expect((await request(url).get("/me")).status).toBe(401);
      expect((await request(url).head("/me")).status).toBe(401);
    });
  });

  describe("configuration", () => {
    const r = closedAfterEach();

    test("a misconfiguration throws when the middleware is created, with core's message", () => {
      expect(() => cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123" } as never)).toThrow(OptionsError);
      expect(() => cognitoAuth({ userPoolId: "not-a-pool", clientId: "abc" })).toThrow(/not a Cognito user pool id/);
      expect(() => cognitoAuth(undefined as never)).toThrow(OptionsError);
      expect(() => cognitoAuth(null as never)).toThrow(OptionsError);
      expect(() => cognitoAuth({ ...issuer.verifierOptions, optional: "yes" as never })).toThrow("cognito-bearer: optional must be a boolean");
      expect(() => cognitoAuth({ ...issuer.verifierOptions, allowPreflight: "no" as never })).toThrow("cognito-bearer: allowPreflight must be a boolean");
      const verifier = createVerifier(issuer.verifierOptions);
      expect(() => cognitoAuth(verifier, { passErrors: 1 as never })).toThrow("passErrors must be a boolean");
      expect(() => cognitoAuth(verifier, "optional" as never)).toThrow(OptionsError);
      verifier.close();
    });

    test("a misspelled option is refused, naming the option meant, instead of silently skipping a check", async () => {
      const typo = (options: object, second?: object) => {
        try {
          r.track(cognitoAuth(options as never, second as never));
        } catch (err) {
          expect(err).toBeInstanceOf(OptionsError);
          return (err as Error).message;
        }
        throw new Error("cognitoAuth() accepted a misspelled option");
      };
      expect(typo({ ...issuer.verifierOptions, scope: "admin/write" })).toMatch(/unknown option "scope" \(did you mean "scopes"\?\)/);
      expect(typo({ ...issuer.verifierOptions, group: "admin" })).toMatch(/"group" \(did you mean "groups"\?\)/);
      expect(typo({ ...issuer.verifierOptions, clientID: "x" })).toMatch(/"clientID" \(did you mean "clientId"\?\)/);
      expect(typo({ ...issuer.verifierOptions, optinal: true })).toMatch(/"optinal" \(did you mean "optional"\?\)/);
      expect(typo(issuer.verifierOptions, { optinal: true })).toMatch(/"optinal" \(did you mean "optional"\?\)/);
      expect(typo(issuer.verifierOptions, { scopes: "a" })).toMatch(/"scopes" is an option of the verifier/);
      // Adapter options inside one pool's entry of an array would apply to nothing.
      expect(typo([{ ...issuer.verifierOptions, optional: true }])).toMatch(/\[0\]\.optional: .*second argument/);
      expect(typo([issuer.verifierOptions, { ...issuer.verifierOptions, issuer: `${issuer.issuer}x`, grops: ["a"] }])).toMatch(/"\[1\]\.grops" \(did you mean "groups"\?\)/);
      // What the typo would have let through: a token without the scope is refused once spelled right.
      const [, app] = frameworks[0];
      const url = await r.serve(app([r.track(cognitoAuth({ ...issuer.verifierOptions, scopes: "admin/write" }))], { respond: sub }));
      expect((await request(url).get("/me").set("Authorization", bearer(issuer.mintAccessToken({ scope: "openid" })))).status).toBe(403);
    });

    test("argument errors of the requirements are thrown when the middleware is created", () => {
      expect(() => requireScopes()).toThrow(TypeError);
      expect(() => requireGroups({ someOf: ["a"] } as never)).toThrow(/anyOf/);
      expect(() => requireGroups("has space")).toThrow(TypeError);
    });

    test("an array of pools is one verifier; adapter options come second", async () => {
      const other = await createTestIssuer();
      try {
        const auth = r.track(cognitoAuth([issuer.verifierOptions, other.verifierOptions], { optional: true }));
        const [, app] = frameworks[0];
        const url = await r.serve(app([auth], { respond: (a) => ({ issuer: a?.issuer ?? null }) }));
        expect((await request(url).get("/me")).body).toEqual({ issuer: null });
        for (const i of [issuer, other]) {
          const response = await request(url).get("/me").set("Authorization", bearer(i.mintAccessToken()));
          expect(response.body).toEqual({ issuer: i.issuer });
        }
      } finally {
        await other.close();
      }
    });
  });
}
