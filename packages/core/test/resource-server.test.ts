// Issue 19, items 1, 2 and 4 in core, against the real test issuer over HTTP:
// audience (RFC 8707), machine-to-machine callers (the issuer's real
// client_credentials grant), custom claims, revocation of M2M tokens, and
// step-up requirements (RFC 9470).
import { AuthError, createMemoryRevocationList, REJECT_REASONS, requireAuthLevel, requireClient, requireUser, type CognitoAuth } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { expectRejected, fixtures, INVALID_TOKEN } from "./helpers";

const t = fixtures();
const SECRET = "worker-secret";
const WORKER = "orders-worker";
const RESOURCE = "https://orders.example.com";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer({
    oauth: { machineClients: [{ clientId: WORKER, clientSecret: SECRET, allowedScopes: ["orders/read", "orders/write"], accessTokenLifetimeSeconds: 86_400 }] },
  });
});

/** A token from the issuer's client_credentials grant, as a service would get it. */
async function machineToken(scope?: string): Promise<string> {
  const res = await fetch(issuer.oauth!.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${WORKER}:${SECRET}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "client_credentials", ...(scope ? { scope } : {}) }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const bothClients = () => ({ ...issuer.verifierOptions, clientId: [issuer.clientId, WORKER] });
const thrown = (check: () => void): AuthError => {
  try {
    check();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error("expected the check to throw");
};

describe("audience (RFC 8707)", () => {
  test("a token whose aud names a configured resource is accepted; as a string or in an array", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, audience: [RESOURCE, "https://other.example.com"] });
    await expect(verifier.verify(issuer.mintAccessToken({ aud: RESOURCE }))).resolves.toMatchObject({ kind: "user" });
    await expect(verifier.verify(issuer.mintAccessToken({ aud: ["https://x.example.com", "https://other.example.com"] }))).resolves.toMatchObject({ kind: "user" });
  });

  test("absent or different aud: 401 invalid_token, reason audience, in verify() and explain()", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, audience: RESOURCE });
    await expectRejected(verifier.verify(issuer.mintAccessToken()), INVALID_TOKEN("audience"));
    await expectRejected(verifier.verify(issuer.mintAccessToken({ aud: "https://billing.example.com" })), INVALID_TOKEN("audience"));
    await expectRejected(verifier.verify(issuer.mintAccessToken({ aud: [`${RESOURCE}/`] })), INVALID_TOKEN("audience"));
    const report = await verifier.explain(issuer.mintAccessToken({ aud: "https://billing.example.com" }));
    expect(report).toMatchObject({ verdict: "refused", status: 401, reason: "audience" });
    expect(report.checks.find((c) => c.check === "audience")).toMatchObject({ outcome: "fail", expected: [RESOURCE], found: "https://billing.example.com" });
    expect(REJECT_REASONS.audience).toEqual({ status: 401, code: "invalid_token", description: "The access token is not issued for this resource (audience)" });
  });

  test("without the option, aud is not read: Cognito's usual tokens (no aud) and any aud pass", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    await expect(verifier.verify(issuer.mintAccessToken({ aud: "https://anything.example.com" }))).resolves.toBeDefined();
    const report = await verifier.explain(issuer.mintAccessToken());
    expect(report.checks.find((c) => c.check === "audience")).toMatchObject({ outcome: "skipped" });
  });

  test("a bad audience option fails at creation", () => {
    for (const audience of ["", [], [""], 1, [RESOURCE, 2]]) {
      expect(() => t.verifier({ ...issuer.verifierOptions, audience: audience as never })).toThrow(/audience must be a resource identifier/);
    }
  });
});

describe("machine-to-machine tokens", () => {
  test("a client-credentials token from the grant: kind client, no username, no groups, its scopes, 24 h", async () => {
    const verifier = t.verifier(bothClients());
    const auth = await verifier.verify(await machineToken("orders/read"));
    expect(auth).toMatchObject({ kind: "client", sub: WORKER, clientId: WORKER, username: undefined, groups: [], scopes: ["orders/read"] });
    expect(auth.claims.origin_jti).toBeUndefined();
    expect(auth.claims.exp - (auth.claims.iat as number)).toBe(86_400);
    const user = await verifier.verify(issuer.mintAccessToken({ username: "alice" }));
    expect(user.kind).toBe("user");
    if (user.kind === "user") expect(user.username).toBe("alice");
  });

  test("explain names the kind", async () => {
    const verifier = t.verifier(bothClients());
    const report = await verifier.explain(await machineToken());
    expect(report).toMatchObject({ verdict: "valid", kind: "client" });
    expect(report.checks.find((c) => c.check === "caller")).toMatchObject({ outcome: "pass", found: "client" });
    expect((await verifier.explain(issuer.mintAccessToken())).kind).toBe("user");
  });

  test("a token that is neither a user's (no username) nor a client's (sub is not client_id) is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const err = await expectRejected(verifier.verify(issuer.mintAccessToken({ username: undefined })), INVALID_TOKEN("invalid_claims"));
    expect(err.message).toBe("The access token has no username and is not a client-credentials token");
    expect((await verifier.explain(issuer.mintAccessToken({ username: undefined }))).checks.find((c) => c.check === "caller")).toMatchObject({ outcome: "fail" });
  });

  test("requireUser and requireClient: 403 insufficient_scope for the wrong kind, 401 without a token", async () => {
    const verifier = t.verifier(bothClients());
    const machine = await verifier.verify(await machineToken());
    const user = await verifier.verify(issuer.mintAccessToken());
    requireUser()(user);
    requireClient()(machine);
    requireClient(WORKER)(machine);
    requireClient([WORKER, "another"])(machine);
    expect(thrown(() => requireUser()(machine))).toMatchObject({ status: 403, code: "insufficient_scope", reason: "user_required" });
    expect(thrown(() => requireClient()(user))).toMatchObject({ status: 403, code: "insufficient_scope", reason: "client_required" });
    expect(thrown(() => requireClient("reports-service")(machine))).toMatchObject({ status: 403, reason: "client_required" });
    expect(thrown(() => requireUser()(undefined))).toMatchObject({ status: 401, code: null, reason: "missing_credentials" });
    expect(() => requireClient("")).toThrow(TypeError);
  });

  test("custom claims (pre-token-generation V3) are read from the verified payload, typed, frozen", async () => {
    const verifier = t.verifier(bothClients());
    // Namespaced names: since the merge of the test kit's stricter mintAccessToken (fef61f0), a claim of the test's
    // own needs one (an un-namespaced unknown key is refused as a likely typo). claim() reads any name alike.
    const token = issuer.mintAccessToken({ sub: WORKER, client_id: WORKER, username: undefined, origin_jti: undefined, "custom:tenant_id": "t-42", "https://example.com/entitlements": { plan: "gold", seats: [1, 2] } });
    const auth = await verifier.verify(token);
    const tenant: string | undefined = auth.claim<string>("custom:tenant_id");
    expect(tenant).toBe("t-42");
    expect(auth.claim<{ plan: string }>("https://example.com/entitlements")?.plan).toBe("gold");
    expect(auth.claim("absent")).toBeUndefined();
    expect(auth.claim("toString")).toBeUndefined();
    expect(Object.isFrozen(auth.claim<{ seats: number[] }>("https://example.com/entitlements")!.seats)).toBe(true);
    // Not part of the data: JSON and keys are the token's fields only.
    expect(Object.keys(auth)).not.toContain("claim");
    // A forged token carrying the same claim never gets as far as claim().
    const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(342)}`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ status: 401, reason: "invalid_signature" });
  });

  describe("revocation of M2M tokens (no origin_jti)", () => {
    test("revokeSession refuses that one token, never throws, never more", async () => {
      const revocations = t.track(createMemoryRevocationList());
      const verifier = t.verifier({ ...bothClients(), revocations, cache: false });
      const first = await machineToken();
      const second = await machineToken();
      const user = issuer.mintAccessToken();
      await expect(revocations.revokeSession(await verifier.verify(first))).resolves.toBeUndefined();
      await expectRejected(verifier.verify(first), INVALID_TOKEN("revoked"));
      await expect(verifier.verify(second)).resolves.toMatchObject({ kind: "client" });
      await expect(verifier.verify(user)).resolves.toMatchObject({ kind: "user" });
      expect(revocations.stats()).toEqual({ sessions: 0, tokens: 1, users: 0 });
    });

    test("a user's token without origin_jti still cannot be session-revoked (unchanged)", async () => {
      const revocations = t.track(createMemoryRevocationList());
      const verifier = t.verifier({ ...issuer.verifierOptions, revocations });
      const auth = await verifier.verify(issuer.mintAccessToken({ origin_jti: undefined }));
      await expect(revocations.revokeSession(auth)).rejects.toThrow(/origin_jti/);
    });

    test("requireOriginJti applies to users only; revokeUser(clientId) refuses the client's tokens", async () => {
      const revocations = t.track(createMemoryRevocationList({ requireOriginJti: true }));
      const verifier = t.verifier({ ...bothClients(), revocations, cache: false });
      const machine = await machineToken();
      const auth: CognitoAuth = await verifier.verify(machine);
      await expectRejected(verifier.verify(issuer.mintAccessToken({ origin_jti: undefined })), INVALID_TOKEN("not_revocable"));
      await revocations.revokeUser(auth.sub, { before: Date.now() + 1000 });
      await expectRejected(verifier.verify(machine), INVALID_TOKEN("revoked"));
    });
  });
});

describe("step-up: requireAuthLevel (RFC 9470)", () => {
  const MFA = "urn:example:mfa";

  test("the acr must be one of those required; else 401 insufficient_user_authentication with acr_values", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const check = requireAuthLevel({ acr: [MFA, "urn:example:hwk"] });
    check(await verifier.verify(issuer.mintAccessToken({ acr: MFA, amr: ["pwd", "otp"] })));
    check(await verifier.verify(issuer.mintAccessToken({ acr: "urn:example:hwk" })));
    for (const claims of [{}, { acr: "urn:example:pwd" }]) {
      const refused = thrown(() => check(undefined as never));
      expect(refused.reason).toBe("missing_credentials");
      const auth = await verifier.verify(issuer.mintAccessToken(claims));
      const stepUp = thrown(() => check(auth));
      expect({ status: stepUp.status, code: stepUp.code, reason: stepUp.reason }).toEqual({
        status: 401,
        code: "insufficient_user_authentication",
        reason: "insufficient_user_authentication",
      });
      expect(stepUp.headers["WWW-Authenticate"]).toBe(
        `Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="${MFA} urn:example:hwk"`,
      );
      expect(stepUp.body).toEqual({ error: "insufficient_user_authentication", error_description: "A stronger or more recent authentication is required" });
    }
  });

  test("maxAge reads auth_time: a recent sign-in passes, an old one or none gets max_age in the challenge", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const check = requireAuthLevel({ maxAge: 300 });
    const now = Math.floor(Date.now() / 1000);
    check(await verifier.verify(issuer.mintAccessToken({ auth_time: now - 10 })));
    for (const authTime of [now - 301, undefined]) {
      const auth = await verifier.verify(issuer.mintAccessToken({ auth_time: authTime }));
      expect(thrown(() => check(auth)).headers["WWW-Authenticate"]).toBe(
        `Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", max_age="300"`,
      );
    }
  });

  test("a machine client cannot step up: 403 user_required", async () => {
    const verifier = t.verifier(bothClients());
    const machine = await verifier.verify(await machineToken());
    expect(thrown(() => requireAuthLevel({ acr: MFA })(machine))).toMatchObject({ status: 403, reason: "user_required" });
  });

  test("acr and amr of the wrong type are refused at verification", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ acr: 2 })), INVALID_TOKEN("invalid_claims"));
    await expectRejected(verifier.verify(issuer.mintAccessToken({ amr: "pwd" })), INVALID_TOKEN("invalid_claims"));
  });

  test("the requirement is bounded at creation: nothing unsafe can reach a challenge or an authorize URL", () => {
    const bad: unknown[] = [
      {},
      { acr: [] },
      { acr: ['urn:x" , error="x'] },
      { acr: ["a b"] },
      { acr: ["a&prompt=none"] },
      { acr: ["x".repeat(129)] },
      { acr: Array.from({ length: 9 }, (_, i) => `acr${i}`) },
      { maxAge: -1 },
      { maxAge: 1.5 },
      { maxAge: 400 * 24 * 3600 },
      null,
    ];
    for (const level of bad) expect(() => requireAuthLevel(level as never)).toThrow(TypeError);
  });
});
