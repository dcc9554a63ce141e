// @cognito-bearer/bff/next on the server: getSession(), getAccessToken() and
// signOut() for a request's cookies (passed in here as Next's cookies() would
// give them), and the optimistic check for proxy.ts.
import { createVerifier } from "@cognito-bearer/core";
import { SessionExpiredError, TokenHandlerUnavailableError } from "@cognito-bearer/bff/next";
import { JWT } from "./proxy-support";
import { ORIGIN, SESSION, serverFor, setupsPerTest, WebBrowser, type NextSetup } from "./next-support";
import { claimsOf, sleep } from "./support";

jest.setTimeout(30_000);
const { start, signedIn } = setupsPerTest();

test("getSession: who is signed in, never a token; null without a session, with a forged or unknown id", async () => {
  const s = await signedIn();
  const session = await serverFor(s).getSession();
  expect(session).toEqual({ sub: expect.any(String), username: "alice", expiresAt: expect.any(Number) });
  expect(Object.keys(session!).sort()).toEqual(["expiresAt", "sub", "username"]);
  expect(JSON.stringify(session)).not.toMatch(JWT);
  expect(session!.expiresAt).toBeGreaterThan(Date.now() / 1000);
  // From a cookie store (Next's cookies()) as from a Cookie header.
  expect(await serverFor(s, s.browser.cookieStore()).getSession()).toEqual(session);
  for (const cookies of [undefined, "", `${SESSION}=${"A".repeat(43)}`, `${SESSION}=not-an-id`, `other=${s.browser.jar.get(SESSION)}`]) {
    expect({ cookies, session: await serverFor(s, cookies).getSession() }).toEqual({ cookies, session: null });
  }
});

test("getAccessToken: the session's access token, which the API accepts; SessionExpiredError without a session", async () => {
  const s = await signedIn();
  const token = await serverFor(s, s.browser.cookieStore()).getAccessToken();
  expect(claimsOf(token)).toMatchObject({ token_use: "access", username: "alice" });
  const api = createVerifier({ ...s.issuer.verifierOptions, revocations: s.revocations });
  try {
    await expect(api.verify(token)).resolves.toMatchObject({ username: "alice" });
  } finally {
    api.close();
  }
  for (const cookies of [undefined, `${SESSION}=${"B".repeat(43)}`]) {
    await expect(serverFor(s, cookies).getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
  }
  expect(s.issuer.oauth!.counters.refresh_token).toBe(0);
});

test("ten server components asking at once on an expiring token: one refresh, one token for all", async () => {
  const s = await signedIn({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
  const before = await serverFor(s).getAccessToken();
  await sleep(1100);
  // A render's components, each with the request's cookies (React's cache would share one call; the lock shares the refresh anyway).
  const tokens = await Promise.all(Array.from({ length: 10 }, () => serverFor(s, s.browser.cookieStore()).getAccessToken()));
  expect(new Set(tokens).size).toBe(1);
  expect(tokens[0]).not.toBe(before);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  expect(s.events.filter((event) => event.type === "refreshed").length).toBe(1);
});

test("getAccessToken checks the revocation list as POST /auth/token does: a revoked sign-in ends (SessionExpiredError, session gone)", async () => {
  const s = await signedIn();
  const token = await serverFor(s).getAccessToken();
  const api = createVerifier({ ...s.issuer.verifierOptions, revocations: s.revocations });
  try {
    await s.revocations.revokeSession(await api.verify(token));
  } finally {
    api.close();
  }
  await expect(serverFor(s).getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
  expect(await serverFor(s).getSession()).toBeNull();
  expect(s.events.filter((event) => event.type === "session_expired").map((event) => (event as { reason: string }).reason)).toEqual([expect.stringContaining("revocation list")]);
});

test("a fault is not a sign-out: Cognito down when due throws TokenHandlerUnavailableError (503), the session is kept; the store down too", async () => {
  const s = await signedIn({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
  await sleep(1100);
  s.issuer.oauth!.setTokenFault({ mode: "down" });
  const failure = await serverFor(s).getAccessToken().catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(TokenHandlerUnavailableError);
  expect(failure).toMatchObject({ status: 503, retryAfterSeconds: expect.any(Number) });
  expect(failure).not.toBeInstanceOf(SessionExpiredError);
  expect(await serverFor(s).getSession()).toMatchObject({ username: "alice" });
  s.issuer.oauth!.setTokenFault(null);
  expect(claimsOf(await serverFor(s).getAccessToken()).username).toBe("alice");
  expect(s.events.filter((event) => event.type === "session_expired")).toEqual([]);

  // A session store that fails (closed, as a Redis store whose client is gone would be): 503 as well.
  const broken = await signedIn({}, { sessions: failingStore(), secret: "a sealing secret of at least 32 characters" });
  await expect(serverFor(broken).getAccessToken()).rejects.toMatchObject({ name: "TokenHandlerUnavailableError", status: 503 });
  await expect(serverFor(broken).getSession()).rejects.toBeInstanceOf(TokenHandlerUnavailableError);
});

test("getAccessToken keeps the session from going idle; a session not used ends after idleTimeoutSeconds", async () => {
  const s = await signedIn({}, { idleTimeoutSeconds: 2 });
  const idle = new WebBrowser(ORIGIN);
  expect((await idle.signIn(s.bff)).status).toBe(200);
  for (let i = 0; i < 3; i++) {
    await sleep(900);
    await serverFor(s).getAccessToken();
  }
  expect(await serverFor(s).getSession()).toMatchObject({ username: "alice" });
  expect(await serverFor(s, idle.cookieHeader).getSession()).toBeNull();
});

test("signOut: revokes as POST /auth/logout does, clears the cookie, returns Cognito's /logout URL; the old token is refused by the API", async () => {
  const s = await signedIn();
  const token = await serverFor(s).getAccessToken();
  const store = s.browser.cookieStore();
  const { logoutUrl } = await serverFor(s, store).signOut();
  const url = new URL(logoutUrl);
  expect([url.origin, url.pathname, url.searchParams.get("client_id"), url.searchParams.get("logout_uri")]).toEqual([s.issuer.url, "/logout", s.issuer.clientId, `${ORIGIN}/`]);
  expect(store.sets).toEqual([{ name: SESSION, value: "", options: { path: "/", httpOnly: true, secure: true, sameSite: "lax", maxAge: 0 } }]);
  expect(s.browser.jar.has(SESSION)).toBe(false);
  expect(s.events.filter((event) => event.type === "signed_out")).toEqual([expect.objectContaining({ cognitoRevoked: true, apiRevoked: true })]);
  const api = createVerifier({ ...s.issuer.verifierOptions, revocations: s.revocations });
  try {
    await expect(api.verify(token)).rejects.toMatchObject({ reason: "revoked" });
  } finally {
    api.close();
  }
  await expect(serverFor(s, store).getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError);
  // Signing out without a session still names Cognito's /logout (its managed-login session may outlive ours).
  expect((await serverFor(s, undefined).signOut()).logoutUrl).toBe(logoutUrl);
});

test("optimisticCheck: a protected page without a session cookie is sent to sign in; it never looks the session up", async () => {
  const s = await start();
  const check = (path: string, init: { method?: string; cookie?: string } = {}) =>
    s.bff.optimisticCheck(new Request(new URL(path, ORIGIN), { method: init.method ?? "GET", headers: init.cookie === undefined ? {} : { cookie: init.cookie } }), { protect: ["/orders", "/account"] });
  const redirected = check("/orders/42?tab=items");
  expect(redirected.status).toBe(307);
  const location = new URL(redirected.headers.get("location")!);
  expect([location.origin, location.pathname, location.searchParams.get("returnTo")]).toEqual([ORIGIN, "/auth/login", "/orders/42?tab=items"]);
  expect(check("/account").status).toBe(307);
  // NextResponse.next(): the request goes on.
  const next = (response: Response) => [response.status, response.headers.get("x-middleware-next")];
  expect(next(check("/"))).toEqual([200, "1"]);
  expect(next(check("/orders-archive"))).toEqual([200, "1"]);
  expect(next(check("/orders", { method: "POST" }))).toEqual([200, "1"]);
  // A cookie of the right shape passes, known or not: the real check is getSession()/getAccessToken(), never this.
  expect(next(check("/orders", { cookie: `${SESSION}=${"C".repeat(43)}` }))).toEqual([200, "1"]);
  expect(check("/orders", { cookie: `${SESSION}=short` }).status).toBe(307);
  expect(() => s.bff.optimisticCheck(new Request(`${ORIGIN}/`), { protect: ["orders"] })).toThrow(/protect/);
});

/** A memory-backed store whose reads fail (a Redis store's client gone): a fault, not an absence. */
function failingStore(): import("@cognito-bearer/bff").SessionStore {
  const { createMemorySessionStore } = jest.requireActual<typeof import("@cognito-bearer/bff")>("@cognito-bearer/bff");
  const inner = createMemorySessionStore();
  let created = false;
  return {
    ...inner,
    create: async (...args) => {
      created = true;
      return inner.create(...args);
    },
    get: async (id) => {
      if (created) throw new Error("the session store is unreachable");
      return inner.get(id);
    },
  };
}
