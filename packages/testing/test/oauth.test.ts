// Cognito's managed-login OAuth endpoints on the test issuer, over real HTTP:
// authorize, the code and refresh grants (rotation off and on), revoke,
// userInfo, logout, discovery, and the token endpoint's fault modes.
import { createHash, randomBytes } from "node:crypto";
import { createVerifier } from "@cognito-bearer/core";
import { createTestIssuer, type OAuthOptions, type TestIssuer } from "@cognito-bearer/testing";

const CALLBACK = "https://app.example/auth/callback";
const issuers: TestIssuer[] = [];
afterEach(async () => {
  for (const issuer of issuers.splice(0)) await issuer.close();
});

async function issuerWith(oauth: Partial<OAuthOptions> = {}) {
  const issuer = await createTestIssuer({ oauth: { redirectUris: [CALLBACK], users: [{ username: "alice", groups: ["admin"] }, { username: "bob" }], ...oauth } });
  issuers.push(issuer);
  return issuer;
}

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};
const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;

async function authorize(issuer: TestIssuer, params: Record<string, string | undefined>) {
  const url = new URL(issuer.oauth!.authorizeUrl);
  const all = { response_type: "code", client_id: issuer.clientId, redirect_uri: CALLBACK, state: "s1", scope: "openid email", ...params };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  const res = await fetch(url, { redirect: "manual" });
  return { status: res.status, location: res.headers.get("location") ? new URL(res.headers.get("location")!) : undefined, body: res.status === 302 ? undefined : await res.json() };
}

async function token(issuer: TestIssuer, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(issuer.oauth!.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  let body: Record<string, unknown> | string = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: returned as text
  }
  return { status: res.status, body: body as Record<string, unknown>, headers: res.headers };
}

/** Sign in (as `login_hint`) with PKCE, and exchange the code. */
async function signIn(issuer: TestIssuer, params: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { location } = await authorize(issuer, { code_challenge: challenge, code_challenge_method: "S256", nonce: "n-123", ...params });
  const code = location!.searchParams.get("code")!;
  return token(issuer, { grant_type: "authorization_code", client_id: issuer.clientId, code, redirect_uri: CALLBACK, code_verifier: verifier });
}

describe("GET /oauth2/authorize", () => {
  test("signs the user in without a form and redirects with a code and the state", async () => {
    const issuer = await issuerWith();
    const { status, location } = await authorize(issuer, { code_challenge: pkce().challenge, code_challenge_method: "S256" });
    expect(status).toBe(302);
    expect(`${location!.origin}${location!.pathname}`).toBe(CALLBACK);
    expect(location!.searchParams.get("state")).toBe("s1");
    expect(location!.searchParams.get("code")).toMatch(/^[\w-]{20,}$/);
    expect(issuer.oauth!.counters.authorize).toBe(1);
  });

  test("an unknown client or a callback URL not configured exactly: an error page, no redirect", async () => {
    const issuer = await issuerWith();
    expect(await authorize(issuer, { client_id: "other" })).toMatchObject({ status: 400, body: { error: "invalid_request" } });
    expect(await authorize(issuer, { redirect_uri: `${CALLBACK}/x` })).toMatchObject({ status: 400, body: { error: "redirect_mismatch" } });
    expect(await authorize(issuer, { redirect_uri: "https://evil.example/auth/callback" })).toMatchObject({ status: 400 });
  });

  test.each([
    ["response_type=token", { response_type: "token" }, "unsupported_response_type"],
    ["code_challenge_method=plain", { code_challenge: "a".repeat(43), code_challenge_method: "plain" }, "invalid_request"],
    ["a challenge without its method", { code_challenge: "a".repeat(43) }, "invalid_request"],
    ["an unknown scope", { scope: "openid admin/everything" }, "invalid_scope"],
  ])("%s: redirects with error=", async (_name, params, error) => {
    const issuer = await issuerWith();
    const { status, location } = await authorize(issuer, params);
    expect(status).toBe(302);
    expect(location!.searchParams.get("error")).toBe(error);
    expect(location!.searchParams.get("state")).toBe("s1");
    expect(location!.searchParams.has("code")).toBe(false);
  });
});

describe("POST /oauth2/token, authorization_code", () => {
  test("returns Cognito's token response; the access token verifies, with the user's groups and the sign-in's origin_jti", async () => {
    const issuer = await issuerWith();
    const { status, body, headers } = await signIn(issuer);
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "id_token", "refresh_token", "token_type"]);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(String(body.refresh_token).split(".")).toHaveLength(5);
    const verifier = createVerifier(issuer.verifierOptions);
    const auth = await verifier.verify(body.access_token as string);
    verifier.close();
    expect(auth).toMatchObject({ username: "alice", groups: ["admin"], scopes: ["openid", "email"], sub: issuer.oauth!.users[0].sub });
    expect(auth.claims.origin_jti).toEqual(expect.any(String));
    expect(payload(body.id_token as string)).toMatchObject({ nonce: "n-123", aud: issuer.clientId, "cognito:username": "alice", origin_jti: auth.claims.origin_jti });
    expect(issuer.oauth!.counters.authorization_code).toBe(1);
  });

  test("login_hint picks the user", async () => {
    const issuer = await issuerWith();
    const { body } = await signIn(issuer, { login_hint: "bob" });
    expect(payload(body.access_token as string)).toMatchObject({ username: "bob" });
  });

  test("a wrong code_verifier, a replayed code, another redirect_uri or an expired code: invalid_grant", async () => {
    const issuer = await issuerWith({ codeLifetimeSeconds: 0.2 });
    const codeFor = async () => {
      const { verifier, challenge } = pkce();
      const { location } = await authorize(issuer, { code_challenge: challenge, code_challenge_method: "S256" });
      return { code: location!.searchParams.get("code")!, verifier };
    };
    const grant = (code: string, verifier: string, redirectUri = CALLBACK) =>
      token(issuer, { grant_type: "authorization_code", client_id: issuer.clientId, code, redirect_uri: redirectUri, code_verifier: verifier });

    const a = await codeFor();
    expect(await grant(a.code, pkce().verifier)).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await grant(a.code, a.verifier)).toMatchObject({ status: 400, body: { error: "invalid_grant" } }); // burnt by the failed try
    const b = await codeFor();
    expect((await grant(b.code, b.verifier)).status).toBe(200);
    expect(await grant(b.code, b.verifier)).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const c = await codeFor();
    expect(await grant(c.code, c.verifier, "https://app.example/other")).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const d = await codeFor();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await grant(d.code, d.verifier)).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  test("a confidential client authenticates with HTTP Basic or client_secret; anything else is invalid_client", async () => {
    const issuer = await issuerWith({ clientSecret: "s3cr3t" });
    const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` });
    const { verifier, challenge } = pkce();
    const code = async () => (await authorize(issuer, { code_challenge: challenge, code_challenge_method: "S256" })).location!.searchParams.get("code")!;
    const form = async () => ({ grant_type: "authorization_code", code: await code(), redirect_uri: CALLBACK, code_verifier: verifier });
    expect((await token(issuer, await form(), basic(issuer.clientId, "s3cr3t"))).status).toBe(200);
    expect((await token(issuer, { ...(await form()), client_id: issuer.clientId, client_secret: "s3cr3t" })).status).toBe(200);
    expect(await token(issuer, await form(), basic(issuer.clientId, "wrong"))).toMatchObject({ status: 400, body: { error: "invalid_client" } });
    expect(await token(issuer, { ...(await form()), client_id: issuer.clientId })).toMatchObject({ status: 400, body: { error: "invalid_client" } });
  });

  test("grant type errors", async () => {
    const issuer = await issuerWith();
    const id = { client_id: issuer.clientId };
    expect(await token(issuer, { ...id })).toMatchObject({ status: 400, body: { error: "invalid_request" } });
    expect(await token(issuer, { ...id, grant_type: "password" })).toMatchObject({ status: 400, body: { error: "unsupported_grant_type" } });
    expect(await token(issuer, { ...id, grant_type: "client_credentials" })).toMatchObject({ status: 400, body: { error: "unauthorized_client" } });
    expect(await token(issuer, { ...id, grant_type: "authorization_code" })).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });
});

describe("POST /oauth2/token, refresh_token", () => {
  test("rotation off: new access and ID tokens, the same origin_jti and auth_time, a new jti, no refresh token", async () => {
    const issuer = await issuerWith({ accessTokenLifetimeSeconds: 30 });
    const first = (await signIn(issuer)).body;
    const refreshed = await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: first.refresh_token as string });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body).sort()).toEqual(["access_token", "expires_in", "id_token", "token_type"]);
    expect(refreshed.body.expires_in).toBe(30);
    const [a, b] = [payload(first.access_token as string), payload(refreshed.body.access_token as string)];
    expect(b.origin_jti).toBe(a.origin_jti);
    expect(b.auth_time).toBe(a.auth_time);
    expect(b.jti).not.toBe(a.jti);
    expect(b.exp as number).toBeLessThanOrEqual((b.iat as number) + 30);
    // The same refresh token keeps working.
    expect((await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: first.refresh_token as string })).status).toBe(200);
    expect(issuer.oauth!.counters.refresh_token).toBe(2);
  });

  test("rotation on: a new refresh token each time; the old one works within the retry grace, then invalid_grant", async () => {
    const issuer = await issuerWith({ refreshTokenRotation: { retryGraceSeconds: 0.3 } });
    const original = (await signIn(issuer)).body.refresh_token as string;
    const refresh = (refreshToken: string) => token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: refreshToken });
    const first = await refresh(original);
    expect(first.status).toBe(200);
    const rotated = first.body.refresh_token as string;
    expect(rotated).toEqual(expect.any(String));
    expect(rotated).not.toBe(original);
    const retry = await refresh(original); // a retry within the grace
    expect(retry.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await refresh(original)).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await refresh(rotated)).status).toBe(200);
  });

  test("rotated refresh tokens live only as long as the original", async () => {
    const issuer = await issuerWith({ refreshTokenRotation: true, refreshTokenLifetimeSeconds: 0.5 });
    const original = (await signIn(issuer)).body.refresh_token as string;
    const rotated = (await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: original })).body.refresh_token as string;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: rotated })).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  test("an unknown refresh token: invalid_grant", async () => {
    const issuer = await issuerWith();
    expect(await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: "a.b.c.d.e" })).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });
});

describe("POST /oauth2/revoke, GET /oauth2/userInfo, GET /logout, discovery", () => {
  test("revoke: 200 even for unknown tokens; the sign-in's refresh tokens and its origin_jti are revoked", async () => {
    const issuer = await issuerWith({ refreshTokenRotation: { retryGraceSeconds: 60 } });
    const tokens = (await signIn(issuer)).body;
    const originJti = payload(tokens.access_token as string).origin_jti as string;
    const revoke = (value: string) =>
      fetch(issuer.oauth!.revokeUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: value, client_id: issuer.clientId }) });
    const rotated = (await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: tokens.refresh_token as string })).body.refresh_token as string;
    expect((await revoke("unknown.token.value.x.y")).status).toBe(200);
    expect(issuer.oauth!.isSessionRevoked(originJti)).toBe(false);
    expect((await revoke(tokens.refresh_token as string)).status).toBe(200);
    expect(issuer.oauth!.isSessionRevoked(originJti)).toBe(true);
    expect(await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: rotated })).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const info = await fetch(issuer.oauth!.userInfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(401);
    expect(issuer.oauth!.counters.revoke).toBe(2);
  });

  test("globalSignOut revokes every sign-in of the user, and no one else's", async () => {
    const issuer = await issuerWith();
    const alice = [(await signIn(issuer)).body, (await signIn(issuer)).body];
    const bob = (await signIn(issuer, { login_hint: "bob" })).body;
    expect(issuer.oauth!.globalSignOut("alice")).toBe(2);
    for (const tokens of alice) {
      expect(await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: tokens.refresh_token as string })).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
      expect(issuer.oauth!.isSessionRevoked(payload(tokens.access_token as string).origin_jti as string)).toBe(true);
    }
    expect((await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: bob.refresh_token as string })).status).toBe(200);
    expect(() => issuer.oauth!.globalSignOut("nobody")).toThrow(/no test user/);
  });

  test("userInfo answers the user's attributes for a valid access token, 401 otherwise", async () => {
    const issuer = await issuerWith();
    const tokens = (await signIn(issuer)).body;
    const info = await fetch(issuer.oauth!.userInfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ sub: issuer.oauth!.users[0].sub, username: "alice", email: "alice@example.com" });
    expect((await fetch(issuer.oauth!.userInfoUrl, { headers: { authorization: `Bearer ${issuer.mintAccessToken({}, { expiresInSeconds: -5 })}` } })).status).toBe(401);
    expect((await fetch(issuer.oauth!.userInfoUrl, { headers: { authorization: "Bearer x.y.z" } })).status).toBe(401);
  });

  test("logout redirects to an allowed sign-out URL, and refuses others", async () => {
    const issuer = await issuerWith();
    const logout = (uri: string, clientId = issuer.clientId) =>
      fetch(`${issuer.oauth!.logoutUrl}?client_id=${clientId}&logout_uri=${encodeURIComponent(uri)}`, { redirect: "manual" });
    const ok = await logout("https://app.example/");
    expect([ok.status, ok.headers.get("location")]).toEqual([302, "https://app.example/"]);
    expect((await logout("https://evil.example/")).status).toBe(400);
    expect((await logout("https://app.example/", "other")).status).toBe(400);
  });

  test("authorize opens a managed-login session (an HttpOnly cookie on the issuer's origin) that only a valid /logout ends", async () => {
    const issuer = await issuerWith();
    expect(issuer.oauth!.managedSessions).toBe(0);
    const url = new URL(issuer.oauth!.authorizeUrl);
    for (const [name, value] of Object.entries({ response_type: "code", client_id: issuer.clientId, redirect_uri: CALLBACK, scope: "openid" })) url.searchParams.set(name, value);
    const first = await fetch(url, { redirect: "manual" });
    const setCookie = first.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^cognito=[\w-]{20,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
    const cookie = setCookie.split(";")[0];
    expect(issuer.oauth!.managedSessions).toBe(1);

    // Another browser (no cookie) gets a session of its own.
    const other = (await fetch(url, { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0];
    expect(issuer.oauth!.managedSessions).toBe(2);
    // Signing in again in the same browser renews its session under a new cookie (the old value stops working).
    const renewed = (await fetch(url, { redirect: "manual", headers: { cookie } })).headers.get("set-cookie")!.split(";")[0];
    expect(renewed).not.toBe(cookie);
    expect(issuer.oauth!.managedSessions).toBe(2);

    const logout = (headers: Record<string, string>, uri = "https://app.example/", clientId = issuer.clientId) =>
      fetch(`${issuer.oauth!.logoutUrl}?client_id=${clientId}&logout_uri=${encodeURIComponent(uri)}`, { redirect: "manual", headers });
    // A refused /logout ends nothing; one without the cookie ends nothing either.
    expect((await logout({ cookie: renewed }, "https://evil.example/")).status).toBe(400);
    expect((await logout({ cookie: renewed }, "https://app.example/", "other")).status).toBe(400);
    expect((await logout({})).status).toBe(302);
    expect(issuer.oauth!.managedSessions).toBe(2);
    const ended = await logout({ cookie: renewed });
    expect(ended.status).toBe(302);
    expect(ended.headers.get("set-cookie")).toBe("cognito=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    expect(issuer.oauth!.managedSessions).toBe(1);
    // Ending it again (the same cookie, now dead) changes nothing; the other browser's session ends with its own cookie.
    await logout({ cookie: renewed });
    expect(issuer.oauth!.managedSessions).toBe(1);
    await logout({ cookie: other });
    expect(issuer.oauth!.managedSessions).toBe(0);
    expect(issuer.oauth!.counters.logout).toBe(6);
  });

  test("a managed-login session signs its own user in again, not the first configured one", async () => {
    const issuer = await issuerWith();
    const url = (params: Record<string, string>) => {
      const target = new URL(issuer.oauth!.authorizeUrl);
      for (const [name, value] of Object.entries({ response_type: "code", client_id: issuer.clientId, redirect_uri: CALLBACK, scope: "openid", ...params })) target.searchParams.set(name, value);
      return target;
    };
    const bob = await fetch(url({ login_hint: "bob" }), { redirect: "manual" });
    const cookie = bob.headers.get("set-cookie")!.split(";")[0];
    const usernameOf = async (res: Response) => {
      const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
      const tokens = (await token(issuer, { grant_type: "authorization_code", client_id: issuer.clientId, code, redirect_uri: CALLBACK })).body;
      return payload(tokens.access_token as string).username;
    };
    expect(await usernameOf(await fetch(url({}), { redirect: "manual", headers: { cookie } }))).toBe("bob");
    expect(await usernameOf(await fetch(url({}), { redirect: "manual" }))).toBe("alice");
  });

  test("the discovery document names the OAuth endpoints", async () => {
    const issuer = await issuerWith();
    for (const url of [`${issuer.issuer}/.well-known/openid-configuration`, `${issuer.url}/.well-known/openid-configuration`]) {
      expect(await (await fetch(url)).json()).toMatchObject({
        issuer: issuer.issuer,
        jwks_uri: issuer.jwksUri,
        authorization_endpoint: issuer.oauth!.authorizeUrl,
        token_endpoint: issuer.oauth!.tokenUrl,
        revocation_endpoint: issuer.oauth!.revokeUrl,
        userinfo_endpoint: issuer.oauth!.userInfoUrl,
        code_challenge_methods_supported: ["S256"],
      });
    }
  });
});

describe("token endpoint faults and counters", () => {
  test.each([
    ["5xx", { mode: "status", status: 500 } as const, (r: Awaited<ReturnType<typeof token>>) => expect(r.status).toBe(500)],
    ["429", { mode: "status", status: 429 } as const, (r: Awaited<ReturnType<typeof token>>) => expect(r.status).toBe(429)],
    ["HTML", { mode: "html" } as const, (r: Awaited<ReturnType<typeof token>>) => expect(r.headers.get("content-type")).toMatch(/text\/html/)],
  ])("%s", async (_name, fault, check) => {
    const issuer = await issuerWith();
    const refreshToken = (await signIn(issuer)).body.refresh_token as string;
    issuer.oauth!.setTokenFault(fault);
    check(await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: refreshToken }));
    issuer.oauth!.setTokenFault(null);
    expect((await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: refreshToken })).status).toBe(200);
    expect(issuer.oauth!.counters.refresh_token).toBe(2);
    issuer.oauth!.resetCounters();
    expect(issuer.oauth!.counters).toMatchObject({ refresh_token: 0, authorization_code: 0 });
  });

  test("down: the connection is cut; slow: the answer comes late", async () => {
    const issuer = await issuerWith();
    const refreshToken = (await signIn(issuer)).body.refresh_token as string;
    issuer.oauth!.setTokenFault({ mode: "down" });
    await expect(token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: refreshToken })).rejects.toThrow();
    issuer.oauth!.setTokenFault({ mode: "slow", delayMs: 300 });
    const started = performance.now();
    expect((await token(issuer, { grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: refreshToken })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(() => issuer.oauth!.setTokenFault({ mode: "huge" } as never)).toThrow(TypeError);
  });
});
