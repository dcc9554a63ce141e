// The token handler end to end, over real HTTP, against the test issuer's
// OAuth endpoints: sign-in, refresh (rotation on and off), every error
// mapping, the security checks, and sign-out biting at the API.
import { appsPerTest, Browser, claimsOf, pageError, sleep } from "./support";

jest.setTimeout(30_000);

const app = appsPerTest();

/** Every token the browser ever saw, to check none leaks where it must not. */
function tokenParts(...tokens: string[]): string[] {
  return tokens.flatMap((token) => token.split(".")).filter((part) => part.length > 20);
}

describe("sign-in", () => {
  test("login → Cognito → callback: a session cookie holding only an id, a page that navigates on, and an access token from /auth/token", async () => {
    const { browser, issuer, url } = await app();
    const login = await browser.request("/auth/login?returnTo=%2Forders%3Fpage%3D2");
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get("location")!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(issuer.oauth!.authorizeUrl);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: "code",
      client_id: issuer.clientId,
      redirect_uri: `${url}/auth/callback`,
      scope: "openid email profile",
      code_challenge_method: "S256",
    });
    for (const name of ["state", "nonce", "code_challenge"]) expect(authorize.searchParams.get(name)).toMatch(/^[\w-]{43}$/);
    const transactionCookie = login.headers.getSetCookie()[0];
    // The transaction itself, sealed, in a cookie named after its state: nothing is stored for an anonymous /login.
    expect(transactionCookie).toMatch(/^__Host-Http-cb-signin-[\w-]{16}=[\w-]{16}\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
    expect(transactionCookie.startsWith(`__Host-Http-cb-signin-${authorize.searchParams.get("state")!.slice(0, 16)}=`)).toBe(true);

    const toCallback = await browser.request(authorize.toString());
    const callback = await browser.request(toCallback.headers.get("location")!);
    expect(callback.status).toBe(200);
    expect(callback.headers.get("content-type")).toMatch(/^text\/html/);
    expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
    // A same-site step (a page that navigates) rather than a 302, so the SameSite=Strict cookie goes with the next request.
    expect(callback.text).toContain(`<meta http-equiv="refresh" content="0;url=${url}/orders?page=2">`);
    const cookies = callback.headers.getSetCookie();
    expect(cookies).toContainEqual(expect.stringMatching(/^__Host-Http-cb-session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=2592000; Secure$/));
    expect(cookies).toContainEqual(expect.stringMatching(/^__Host-Http-cb-signin-[\w-]{16}=; .*Max-Age=0/));
    for (const cookie of cookies) expect(cookie).not.toMatch(/Domain=/i);

    const tokenResponse = await browser.post("/auth/token");
    expect(tokenResponse.status).toBe(200);
    expect(tokenResponse.headers.get("cache-control")).toBe("no-store");
    const body = tokenResponse.json();
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBeGreaterThan(3500);
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(await me.json()).toEqual({ sub: issuer.oauth!.users[0].sub, username: "alice" });

    const session = await browser.request("/auth/session");
    expect(session.json()).toEqual({ authenticated: true, sub: issuer.oauth!.users[0].sub, username: "alice", expiresAt: claimsOf(body.access_token).exp });
    for (const part of tokenParts(body.access_token)) {
      expect(session.text).not.toContain(part);
      expect(callback.text).not.toContain(part);
      expect(cookies.join()).not.toContain(part);
    }
    expect(issuer.oauth!.counters.authorization_code).toBe(1);
  });

  test("without a session: /auth/session says so, /auth/token answers 401 session_expired", async () => {
    const { browser } = await app();
    expect((await browser.request("/auth/session")).json()).toEqual({ authenticated: false });
    const token = await browser.post("/auth/token");
    expect([token.status, token.json().error]).toEqual([401, "session_expired"]);
  });

  test.each([
    "//evil.example/x",
    "/\\evil.example",
    "https:evil.example",
    "https://evil.example/",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "%252F%252Fevil.example",
    "/\t/evil.example",
    "orders",
    "javascript:alert(1)",
  ])("returnTo %j is refused (open redirect)", async (returnTo) => {
    const { browser } = await app();
    const res = await browser.request(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect([res.status, res.json().error]).toEqual([400, "invalid_request"]);
  });

  test("a state that does not match, no transaction cookie, a replayed callback, or a code from another sign-in (PKCE): refused", async () => {
    const { browser, url } = await app();
    const login = await browser.request("/auth/login");
    const callbackUrl = (await browser.request(login.headers.get("location")!)).headers.get("location")!;
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set("state", "x".repeat(43));
    const wrong = await browser.request(tampered.toString());
    expect([wrong.status, pageError(wrong)]).toEqual([400, "invalid_state"]);
    // A wrong state consumes nothing (a cross-site hit cannot spoil a sign-in in progress)...
    expect(wrong.headers.getSetCookie()).toEqual([]);
    // ...and another browser, without the transaction cookie, cannot use the real one.
    expect(pageError(await new Browser(url).request(callbackUrl))).toBe("invalid_state");
    expect((await browser.request(callbackUrl)).status).toBe(200);
    // A replayed callback (same code and state, again): the transaction cookie is gone.
    expect(pageError(await browser.request(callbackUrl))).toBe("invalid_state");

    // Sign-in A's code presented with sign-in B's transaction (state matches B): B's PKCE verifier does not fit A's code.
    const a = new Browser(url);
    const b = new Browser(url);
    const codeA = new URL((await a.request((await a.request("/auth/login")).headers.get("location")!)).headers.get("location")!).searchParams.get("code")!;
    const toB = new URL((await b.request((await b.request("/auth/login")).headers.get("location")!)).headers.get("location")!);
    toB.searchParams.set("code", codeA);
    const mixed = await b.request(toB.toString());
    expect([mixed.status, pageError(mixed)]).toEqual([400, "invalid_grant"]);
  });

  test("Cognito's error on the callback (e.g. access_denied) is a 400, not a session", async () => {
    const { browser } = await app();
    const login = await browser.request("/auth/login");
    const state = new URL(login.headers.get("location")!).searchParams.get("state");
    const res = await browser.request(`/auth/callback?error=access_denied&state=${state}`);
    expect([res.status, pageError(res)]).toEqual([400, "access_denied"]);
    expect((await browser.request("/auth/session")).json().authenticated).toBe(false);
  });
});

describe("POST security: custom header and Origin", () => {
  test("missing X-CSRF, a foreign Origin or none: 403; GET on a POST route: 405", async () => {
    const { browser, url } = await app();
    await browser.signIn();
    expect((await browser.post("/auth/token", { origin: url })).status).toBe(403);
    expect((await browser.post("/auth/token", { "x-csrf": "1", origin: "https://evil.example" })).status).toBe(403);
    expect((await browser.post("/auth/token", { "x-csrf": "1" })).status).toBe(403);
    expect((await browser.post("/auth/logout", { origin: url })).status).toBe(403);
    const get = await browser.request("/auth/token");
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    expect((await browser.request("/auth/nothing")).status).toBe(404);
    // Still signed in: refusals change nothing.
    expect((await browser.post("/auth/token")).status).toBe(200);
  });

  test("an undecodable, tampered or unknown session cookie is no session, never a 500", async () => {
    const { browser } = await app();
    await browser.signIn();
    const real = browser.cookie("__Host-Http-cb-session")!;
    for (const value of ["%%%", "a".repeat(43), `${real.slice(0, -1)}${real.endsWith("A") ? "B" : "A"}`, `${real}x`, ""]) {
      const other = new Browser(browser.origin);
      other.setCookie("__Host-Http-cb-session", value);
      const token = await other.post("/auth/token");
      expect([token.status, token.json().error]).toEqual([401, "session_expired"]);
      expect((await other.request("/auth/session")).json()).toEqual({ authenticated: false });
    }
  });
});

describe("refresh", () => {
  test("rotation off: a token expiring within the margin is refreshed at Cognito; the refresh token is kept", async () => {
    const { browser, issuer } = await app({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    const first = await browser.accessToken();
    expect(await browser.accessToken()).toBe(first); // still fresh: no call to Cognito
    expect(issuer.oauth!.counters.refresh_token).toBe(0);
    await sleep(1100);
    const second = await browser.accessToken();
    expect(second).not.toBe(first);
    expect(claimsOf(second).origin_jti).toBe(claimsOf(first).origin_jti);
    await sleep(1100);
    expect(await browser.accessToken()).not.toBe(second); // the same refresh token works again
    expect(issuer.oauth!.counters.refresh_token).toBe(2);
  });

  test("rotation on: the new refresh token replaces the old one (no retry grace: the old one would fail)", async () => {
    const { browser, issuer, events } = await app({ accessTokenLifetimeSeconds: 3, refreshTokenRotation: { retryGraceSeconds: 0 } }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    for (let i = 0; i < 3; i++) {
      await sleep(1100);
      await browser.accessToken();
    }
    expect(issuer.oauth!.counters.refresh_token).toBe(3);
    expect(events.filter((event) => event.type === "refreshed")).toEqual([
      expect.objectContaining({ rotated: true }),
      expect.objectContaining({ rotated: true }),
      expect.objectContaining({ rotated: true }),
    ]);
  });

  test("50 concurrent /auth/token calls on an expiring token: one call to Cognito, one token for all", async () => {
    // Stale after 3 s; the new token stays fresh for 3 s, long enough for all 50 calls on a loaded machine.
    const { browser, issuer } = await app({ accessTokenLifetimeSeconds: 6, refreshTokenRotation: true }, { refreshMarginSeconds: 3 });
    await browser.signIn();
    await sleep(3100);
    const answers = await Promise.all(Array.from({ length: 50 }, () => browser.post("/auth/token")));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((answer) => answer.json().access_token)).size).toBe(1);
    expect(issuer.oauth!.counters.refresh_token).toBe(1);
  });

  test("invalid_grant at refresh (the refresh token expired at Cognito): 401 session_expired, and the session ends", async () => {
    const { browser, events } = await app({ accessTokenLifetimeSeconds: 3, refreshTokenLifetimeSeconds: 1 }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    await sleep(1100);
    const res = await browser.post("/auth/token");
    expect([res.status, res.json()]).toEqual([401, { error: "session_expired", error_description: "Sign in again" }]);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-Http-cb-session=; .*Max-Age=0/)]);
    expect((await browser.request("/auth/session")).json()).toEqual({ authenticated: false });
    expect(events).toContainEqual(expect.objectContaining({ type: "session_expired", reason: expect.stringMatching(/invalid_grant/) }));
  });

  test.each([
    ["down", { mode: "down" }],
    ["500", { mode: "status", status: 500 }],
    ["429", { mode: "status", status: 429 }],
    ["an HTML page", { mode: "html" }],
    ["garbage", { mode: "garbage" }],
    ["slower than the deadline", { mode: "slow", delayMs: 2000 }],
  ] as const)("Cognito %s at refresh: 503 with Retry-After, the session kept, and it recovers", async (_name, fault) => {
    const { browser, issuer, events } = await app({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2, timeoutMs: 500 });
    await browser.signIn();
    await sleep(1100);
    issuer.oauth!.setTokenFault(fault);
    const refused = await browser.post("/auth/token");
    expect([refused.status, refused.json().error]).toEqual([503, "temporarily_unavailable"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await browser.request("/auth/session")).json().authenticated).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: "cognito_unavailable", operation: "refresh" }));
    issuer.oauth!.setTokenFault(null);
    expect((await browser.post("/auth/token")).status).toBe(200);
  });

  test("invalid_client (a wrong client secret): 500 and a configuration event, never a sign-out", async () => {
    const { browser, events } = await app({ accessTokenLifetimeSeconds: 3, clientSecret: "right-secret" }, { refreshMarginSeconds: 2 });
    // The handler has no secret configured: Cognito refuses the client at the code exchange already.
    const res = await browser.signIn();
    expect([res.status, pageError(res)]).toEqual([500, "server_error"]);
    expect(events).toContainEqual({ type: "configuration_error", operation: "callback", detail: "invalid_client" });
  });
});

describe("sign-out", () => {
  test("revokes the refresh token at Cognito and the access tokens at the API, ends the session, returns Cognito's logout URL", async () => {
    const { browser, issuer, url } = await app();
    await browser.signIn();
    const accessToken = await browser.accessToken();
    const originJti = claimsOf(accessToken).origin_jti;
    expect((await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);

    const out = await browser.post("/auth/logout");
    expect(out.status).toBe(200);
    const logoutUrl = new URL(out.json().logoutUrl);
    expect(`${logoutUrl.origin}${logoutUrl.pathname}`).toBe(issuer.oauth!.logoutUrl);
    expect(Object.fromEntries(logoutUrl.searchParams)).toEqual({ client_id: issuer.clientId, logout_uri: `${url}/` });
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-Http-cb-session=; .*Max-Age=0/)]);
    expect(issuer.oauth!.isSessionRevoked(originJti)).toBe(true);

    const after = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: "invalid_token" });
    expect((await browser.request("/auth/session")).json()).toEqual({ authenticated: false });
    expect((await browser.post("/auth/token")).status).toBe(401);
    // Cognito's logout URL sends the browser back to the app.
    expect((await fetch(logoutUrl, { redirect: "manual" })).headers.get("location")).toBe(`${url}/`);
  });

  test("after sign-out the old session cookie is worth nothing; other sessions are untouched", async () => {
    const { browser, url, issuer, events } = await app({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    const other = new Browser(url);
    await other.signIn();
    // The cookie of a session that signed out is worth nothing afterwards.
    const cookie = browser.cookie("__Host-Http-cb-session")!;
    await browser.post("/auth/logout");
    const stale = new Browser(url);
    stale.setCookie("__Host-Http-cb-session", cookie);
    expect((await stale.post("/auth/token")).json().error).toBe("session_expired");
    // The other session is untouched.
    await sleep(1100);
    expect((await other.post("/auth/token")).status).toBe(200);
    expect(issuer.oauth!.counters.refresh_token).toBe(1);
    expect(events.filter((event) => event.type === "signed_out")).toHaveLength(1);
  });
});

describe("no token in any event", () => {
  test("events carry subs, reasons and timings only", async () => {
    const { browser, issuer, events } = await app({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    const first = await browser.accessToken();
    await sleep(1100);
    const second = await browser.accessToken();
    issuer.oauth!.setTokenFault({ mode: "status", status: 500 });
    await sleep(1100);
    await browser.post("/auth/token");
    issuer.oauth!.setTokenFault(null);
    await browser.post("/auth/logout");
    const logged = JSON.stringify(events);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(["signed_in", "refreshed", "cognito_unavailable", "signed_out"]));
    for (const part of tokenParts(first, second)) expect(logged).not.toContain(part);
  });
});
