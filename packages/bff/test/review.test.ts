// The adversarial review of the token handler (issue 16), item by item, over
// real HTTP against the test issuer's OAuth endpoints. Each test failed on the
// handler before the fix. Redis-specific items are in redis-instances.test.ts,
// the client's in packages/client and test/browser.
import { request as httpRequest } from "node:http";
import { createVerifier, OptionsError } from "@cognito-bearer/core";
import { createMemorySessionStore, createTokenHandler, type SessionStore } from "@cognito-bearer/bff";
import { createTestIssuer } from "@cognito-bearer/testing";
import { appsPerTest, Browser, claimsOf, pageError, sleep } from "./support";

jest.setTimeout(30_000);

const app = appsPerTest();

const api = (url: string, token: string) => fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);

describe("1. open redirect through dot segments", () => {
  test.each(["/.//evil.example/phish", "/..//evil.example/phish", "/%2e//evil.example/phish", "/%2E%2E//evil.example/phish", "/a/..//evil.example/phish", "/./%2e//evil.example"])(
    "returnTo %j is refused: what URL parsing makes of it is another host",
    async (returnTo) => {
      const { browser } = await app();
      const res = await browser.request(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect([res.status, res.json().error]).toEqual([400, "invalid_request"]);
    },
  );

  test("a returnTo with harmless dot segments lands on the app's own origin, normalised", async () => {
    const { browser, url } = await app();
    const callback = await browser.signIn("/a/../orders/./list?x=1#top");
    expect(callback.status).toBe(200);
    expect(callback.text).toContain(`content="0;url=${url}/orders/list?x=1#top"`);
  });

  test("a returnTo longer than 2 KB is refused", async () => {
    const { browser } = await app();
    const res = await browser.request(`/auth/login?returnTo=${encodeURIComponent(`/${"a".repeat(2048)}`)}`);
    expect([res.status, res.json().error]).toEqual([400, "invalid_request"]);
  });
});

describe("2. anonymous /auth/login stores nothing", () => {
  test("20,000 anonymous sign-in starts (long returnTo) make no store write; a real sign-in then works", async () => {
    const writes: string[] = [];
    const memory = createMemorySessionStore();
    // Every write the handler makes, counted: the store behind it is the real in-memory one.
    const counted: SessionStore = {
      ...memory,
      create: (...args) => (writes.push("create"), memory.create(...args)),
      replace: (...args) => (writes.push("replace"), memory.replace(...args)),
      touch: (...args) => (writes.push("touch"), memory.touch(...args)),
      lock: (...args) => (writes.push("lock"), memory.lock(...args)),
    };
    const { handler, browser } = await app({}, { sessions: counted, secret: "a secret of at least thirty-two characters" });
    const returnTo = encodeURIComponent(`/${"x".repeat(2000)}`);
    for (let i = 0; i < 20_000; i++) {
      const res = await handler.handle({ method: "GET", url: `/auth/login?returnTo=${returnTo}`, headers: { host: new URL(browser.origin).host } });
      if (res?.status !== 302) throw new Error(`login answered ${res?.status}`);
    }
    expect(writes).toEqual([]);
    expect((await browser.signIn()).status).toBe(200);
    expect(writes).toEqual(["create"]);
  });

  test("a shared store without a secret is refused at creation (every instance must open the sign-in cookies)", async () => {
    const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1:1/auth/callback"] } });
    try {
      const store = { ...createMemorySessionStore() };
      const options = { cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: "http://127.0.0.1:1/auth/callback" }, verifier: issuer.verifierOptions, sessions: store };
      expect(() => createTokenHandler(options)).toThrow(/secret is required with a shared session store/);
      expect(() => createTokenHandler({ ...options, secret: "short" })).toThrow(OptionsError);
    } finally {
      await issuer.close();
    }
  });

  test("a sealed sign-in cookie does not open under another name, nor with its payload altered", async () => {
    const { browser, url } = await app();
    const login = await browser.request("/auth/login");
    const state = new URL(login.headers.get("location")!).searchParams.get("state")!;
    const [name, value] = [...browser.cookies.get(new URL(url).host)!].find(([cookie]) => cookie.startsWith("__Host-Http-cb-signin-"))!;
    const toCallback = (await browser.request(login.headers.get("location")!)).headers.get("location")!;
    // Moved under the name of another state: no transaction.
    const other = new Browser(url);
    const otherState = new URL((await other.request("/auth/login")).headers.get("location")!).searchParams.get("state")!;
    other.setCookie(`__Host-Http-cb-signin-${otherState.slice(0, 16)}`, value);
    const moved = new URL(toCallback);
    moved.searchParams.set("state", otherState);
    expect(pageError(await other.request(moved.toString()))).toBe("invalid_state");
    // One character of the ciphertext changed: no transaction.
    const tampered = new Browser(url);
    tampered.setCookie(name, `${value.slice(0, -2)}${value.endsWith("A") ? "B" : "A"}${value.slice(-1)}`);
    expect(pageError(await tampered.request(toCallback))).toBe("invalid_state");
    expect(state.length).toBe(43);
  });
});

describe("4. rotation never loses the new refresh token", () => {
  test("the JWKS unreachable after a key rotation, during a refresh with rotation on: 503, then the next refresh works (no invalid_grant)", async () => {
    const { browser, issuer, events, url } = await app(
      { accessTokenLifetimeSeconds: 3, refreshTokenRotation: { retryGraceSeconds: 0 } },
      { refreshMarginSeconds: 2 },
    );
    // The handler's own verifier, with a short cooldown so that the key is fetched again at once once the JWKS is back.
    const verifier = createVerifier({ ...issuer.verifierOptions, jwks: { cooldownSeconds: 0.1 } });
    const handler = createTokenHandler({
      cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: `${url}/auth/callback` },
      verifier,
      refreshMarginSeconds: 2,
      onEvent: (event) => events.push(event),
    });
    const call = async (path: string, init: { method: string; cookie?: string }) =>
      handler.handle({ method: init.method, url: path, headers: { host: new URL(url).host, origin: url, "x-csrf": "1", cookie: init.cookie } });
    try {
      // Sign in through this handler (the browser's jar, by hand).
      const login = (await call("/auth/login", { method: "GET" }))!;
      const signin = ([] as string[]).concat(login.headers["set-cookie"])[0].split(";")[0];
      const toCallback = (await browser.request(login.headers.location as string)).headers.get("location")!;
      const callback = (await call(new URL(toCallback).pathname + new URL(toCallback).search, { method: "GET", cookie: signin }))!;
      const session = ([] as string[]).concat(callback.headers["set-cookie"]).find((line) => line.startsWith("__Host-Http-cb-session="))!.split(";")[0];
      await sleep(1100);
      issuer.rotateKey({ retireOthers: true });
      issuer.setFault({ mode: "down" });
      const refused = (await call("/auth/token", { method: "POST", cookie: session }))!;
      expect(refused.status).toBe(503);
      expect(events).toContainEqual(expect.objectContaining({ type: "verifier_unavailable", operation: "refresh" }));
      expect(events.filter((event) => event.type === "store_unavailable")).toEqual([]);
      issuer.setFault(null);
      await sleep(200);
      const answer = (await call("/auth/token", { method: "POST", cookie: session }))!;
      expect(answer.status).toBe(200);
      expect(issuer.oauth!.counters.refresh_token).toBe(2);
      expect(events.filter((event) => event.type === "session_expired")).toEqual([]);
      expect(await api(url, JSON.parse(answer.body).access_token)).toBe(200);
    } finally {
      await handler.close();
      verifier.close();
    }
  });

  test("lockLeaseMs shorter than one refresh's worst case is refused at creation", async () => {
    const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1:1/auth/callback"] } });
    try {
      const options = { cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: "http://127.0.0.1:1/auth/callback" }, verifier: issuer.verifierOptions };
      // Default worst case: 3 × 2000 (store) + 5000 (Cognito) + 3000 (JWKS) = 14000 ms.
      expect(() => createTokenHandler({ ...options, lockLeaseMs: 10_000 })).toThrow(/lockLeaseMs \(10000\) is shorter than one refresh's worst case \(14000 ms/);
      expect(() => createTokenHandler({ ...options, lockLeaseMs: 5000, timeoutMs: 1000, verifier: { ...issuer.verifierOptions, jwks: { timeoutMs: 500 } } })).toThrow(/worst case \(7500 ms/);
      const ok = createTokenHandler({ ...options, lockLeaseMs: 14_000 });
      await ok.close();
    } finally {
      await issuer.close();
    }
  });

  test("a lock that was lost fences the writes: no replace, no delete by its former holder", async () => {
    const store = createMemorySessionStore();
    const session = { version: 1, sub: "s", username: "u", accessToken: "a", idToken: "i", refreshToken: "r", accessTokenExpiresAt: 0, originJtis: [], accessTokenIds: [], createdAt: 0, expiresAt: Date.now() + 60_000 };
    await store.create("id", session, Date.now() + 60_000);
    const first = (await store.lock("id", 50))!;
    await sleep(80);
    const second = (await store.lock("id", 5000))!;
    expect(second).toBeDefined();
    expect(await first.renew(5000)).toBe(false);
    expect(await store.replace("id", 1, { ...session, version: 2, refreshToken: "stale" }, first)).toBe(false);
    expect(await store.delete("id", first)).toBe(false);
    expect((await store.get("id"))?.refreshToken).toBe("r");
    expect(await store.replace("id", 1, { ...session, version: 2, refreshToken: "new" }, second)).toBe(true);
    expect(await second.renew(5000)).toBe(true);
    await second.release();
    await store.close();
  });
});

describe("5. a sign-in revoked at the API ends the session", () => {
  test("revokeSession while the stored access token is fresh: /auth/token answers 401 session_expired, the refresh token is revoked at Cognito", async () => {
    const { browser, issuer, events, revocations, url } = await app();
    await browser.signIn();
    const token = await browser.accessToken();
    await revocations.revokeSession({ claims: claimsOf(token) } as never);
    const res = await browser.post("/auth/token");
    expect([res.status, res.json().error]).toEqual([401, "session_expired"]);
    expect(issuer.oauth!.counters.revoke).toBe(1);
    expect((await browser.request("/auth/session")).json()).toEqual({ authenticated: false });
    expect(events).toContainEqual(expect.objectContaining({ type: "session_expired", reason: expect.stringMatching(/revocation list refuses/) }));
    expect(events.filter((event) => event.type === "configuration_error")).toEqual([]);
    expect(await api(url, token)).toBe(401);
  });

  test("revokeUser, then a refresh: the new token is refused by the list, so the session ends (no 500 loop)", async () => {
    const { browser, issuer, events, revocations } = await app({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    await revocations.revokeUser(issuer.oauth!.users[0].sub);
    await sleep(1100);
    const res = await browser.post("/auth/token");
    expect([res.status, res.json().error]).toEqual([401, "session_expired"]);
    expect(issuer.oauth!.counters.refresh_token).toBe(1);
    expect(issuer.oauth!.counters.revoke).toBe(1);
    expect(events.filter((event) => event.type === "configuration_error")).toEqual([]);
    expect((await browser.post("/auth/token")).status).toBe(401);
  });
});

describe("10. sign-ins in progress are independent", () => {
  test("two sign-ins started in one browser both complete, in either order", async () => {
    const { browser } = await app();
    const first = await browser.request("/auth/login?returnTo=%2Ffirst");
    const second = await browser.request("/auth/login?returnTo=%2Fsecond");
    const toFirst = (await browser.request(first.headers.get("location")!)).headers.get("location")!;
    const toSecond = (await browser.request(second.headers.get("location")!)).headers.get("location")!;
    const b = await browser.request(toSecond);
    expect([b.status, b.text.includes("/second")]).toEqual([200, true]);
    const a = await browser.request(toFirst);
    expect([a.status, a.text.includes("/first")]).toEqual([200, true]);
  });

  test("a browser keeps at most three sign-in cookies: older ones are cleared", async () => {
    const { browser, url } = await app();
    for (let i = 0; i < 6; i++) await browser.request("/auth/login");
    const pending = [...browser.cookies.get(new URL(url).host)!.keys()].filter((name) => name.startsWith("__Host-Http-cb-signin-"));
    expect(pending).toHaveLength(3);
  });
});

describe("10b. the sign-in cookies stay within what proxies accept", () => {
  test("three sign-ins with the longest returnTo: the cookies kept add up to at most 6,000 bytes", async () => {
    const { browser, url } = await app();
    for (let i = 0; i < 4; i++) expect((await browser.request(`/auth/login?returnTo=${encodeURIComponent(`/${"a".repeat(2046)}`)}`)).status).toBe(302);
    const pending = [...browser.cookies.get(new URL(url).host)!].filter(([name]) => name.startsWith("__Host-Http-cb-signin-"));
    expect(pending.length).toBeGreaterThanOrEqual(1);
    expect(pending.reduce((total, [name, value]) => total + name.length + value.length + 1, 0)).toBeLessThanOrEqual(6000);
  });
});

describe("11. signing in again ends the earlier session", () => {
  test("the old session's refresh token is revoked at Cognito and its cookie is worth nothing", async () => {
    const { browser, issuer, url } = await app();
    await browser.signIn();
    const oldId = browser.cookie("__Host-Http-cb-session")!;
    await browser.signIn();
    expect(browser.cookie("__Host-Http-cb-session")).not.toBe(oldId);
    expect(issuer.oauth!.counters.revoke).toBe(1);
    const stale = new Browser(url);
    stale.setCookie("__Host-Http-cb-session", oldId);
    expect((await stale.post("/auth/token")).status).toBe(401);
    expect((await browser.post("/auth/token")).status).toBe(200);
  });
});

describe("12. the small ones", () => {
  test("/auth/constructor, /auth/__proto__, /auth/toString: 404, no Allow header made of Object's prototype", async () => {
    const { browser } = await app();
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const res = await browser.request(`/auth/${name}`);
      expect([res.status, res.headers.get("allow")]).toEqual([404, null]);
    }
  });

  test("absolute-form and //host targets are not read as /auth/ paths", async () => {
    const { url } = await app();
    const { port } = new URL(url);
    for (const path of [`http://evil.example/auth/session`, `//evil.example/auth/session`]) {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk)).on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject).end();
      });
      expect(answer.body).not.toContain("authenticated");
    }
  });

  test("every JSON answer says nosniff", async () => {
    const { browser } = await app();
    for (const res of [await browser.request("/auth/session"), await browser.post("/auth/token"), await browser.request("/auth/nope")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  test("a JWKS outage at the callback is reported as the verifier's, not the store's", async () => {
    const { browser, issuer, events } = await app();
    issuer.rotateKey({ retireOthers: true });
    issuer.setFault({ mode: "down" });
    const res = await browser.signIn();
    expect([res.status, pageError(res)]).toEqual([503, "temporarily_unavailable"]);
    expect(events).toContainEqual(expect.objectContaining({ type: "verifier_unavailable", operation: "callback" }));
    expect(events.filter((event) => event.type === "store_unavailable")).toEqual([]);
  });

  test("signing in from another host name goes to the callback's origin first (one redirect, no loop)", async () => {
    const { url } = await app();
    const localhost = url.replace("127.0.0.1", "localhost");
    const res = await fetch(`${localhost}/auth/login?returnTo=%2Forders`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const canonical = new URL(res.headers.get("location")!);
    expect(canonical.origin).toBe(url);
    expect(canonical.pathname).toBe("/auth/login");
    expect(canonical.searchParams.get("returnTo")).toBe("/orders");
    expect(res.headers.getSetCookie()).toEqual([]);
    // A proxy that keeps rewriting Host gets the sign-in anyway, not a loop.
    const again = await fetch(canonical, { redirect: "manual", headers: { host: "internal.example" } });
    expect(new URL(again.headers.get("location")!).pathname).toBe("/oauth2/authorize");
  });
});

describe("13. sign-out without origin_jti (token revocation off on the app client)", () => {
  test("the access tokens handed out are revoked by jti", async () => {
    const { browser, url } = await app({ tokenRevocation: false, accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
    await browser.signIn();
    const first = await browser.accessToken();
    expect(claimsOf(first).origin_jti).toBeUndefined();
    await sleep(1100);
    const second = await browser.accessToken();
    expect(second).not.toBe(first);
    expect([await api(url, first), await api(url, second)]).toEqual([200, 200]);
    expect((await browser.post("/auth/logout")).status).toBe(200);
    expect([await api(url, first), await api(url, second)]).toEqual([401, 401]);
  });
});

describe("15. a failed sign-in is visible", () => {
  test("Cognito's error=invalid_scope: an event, and a page for the browser, not raw JSON", async () => {
    const { browser, events } = await app();
    const state = new URL((await browser.request("/auth/login")).headers.get("location")!).searchParams.get("state");
    const res = await browser.request(`/auth/callback?error=invalid_scope&error_description=x&state=${state}`);
    expect([res.status, pageError(res)]).toEqual([400, "invalid_scope"]);
    expect(res.text).toContain('href="/auth/login"');
    expect(events).toContainEqual({ type: "sign_in_failed", error: "invalid_scope" });
  });

  test("an error code Cognito does not send is not repeated: one fixed code, so anonymous callbacks cannot grow the warnings", async () => {
    const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1:1/auth/callback"] } });
    const spy = jest.spyOn(process, "emitWarning");
    const events: unknown[] = [];
    const quiet = createTokenHandler({ cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: "http://127.0.0.1:1/auth/callback" }, verifier: issuer.verifierOptions });
    const listening = createTokenHandler({ cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: "http://127.0.0.1:1/auth/callback" }, verifier: issuer.verifierOptions, onEvent: (event) => events.push(event) });
    try {
      for (const handler of [quiet, listening]) {
        for (let i = 0; i < 200; i++) {
          const login = (await handler.handle({ method: "GET", url: "/auth/login", headers: { host: "127.0.0.1:1" } }))!;
          const state = new URL(login.headers.location as string).searchParams.get("state");
          const cookie = ([] as string[]).concat(login.headers["set-cookie"])[0].split(";")[0];
          const code = `x_${"abcdefghijklmnopqrstuvwxyz"[i % 26]}${"abcdefghijklmnopqrstuvwxyz"[Math.floor(i / 26)]}`;
          const failed = (await handler.handle({ method: "GET", url: `/auth/callback?error=${code}&state=${state}`, headers: { cookie } }))!;
          expect(failed.body).toContain("<code>unrecognized_error</code>");
          expect(failed.body).not.toContain(code);
        }
      }
      const ours = spy.mock.calls.filter(([, options]) => (options as { code?: string } | undefined)?.code === "COGNITO_BEARER_BFF_SIGN_IN_FAILED");
      expect(ours.length).toBeLessThanOrEqual(1);
      expect(new Set(events.map((event) => JSON.stringify(event)))).toEqual(new Set([JSON.stringify({ type: "sign_in_failed", error: "unrecognized_error" })]));
    } finally {
      spy.mockRestore();
      await quiet.close();
      await listening.close();
      await issuer.close();
    }
  });

  test("with errorPath, the browser goes to the app's page with ?error=", async () => {
    const { browser, url } = await app({}, { errorPath: "/signin-failed" });
    const state = new URL((await browser.request("/auth/login")).headers.get("location")!).searchParams.get("state");
    const res = await browser.request(`/auth/callback?error=access_denied&state=${state}`);
    expect(res.text).toContain(`content="0;url=${url}/signin-failed?error=access_denied"`);
  });

  test("without onEvent, a process warning names the cause", async () => {
    const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1:1/auth/callback"] } });
    // Jest's per-file `process` fires no "warning" events: the calls are watched (and still go through to Node).
    const spy = jest.spyOn(process, "emitWarning");
    const handler = createTokenHandler({ cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: "http://127.0.0.1:1/auth/callback" }, verifier: issuer.verifierOptions });
    try {
      const login = (await handler.handle({ method: "GET", url: "/auth/login", headers: { host: "127.0.0.1:1" } }))!;
      const state = new URL(login.headers.location as string).searchParams.get("state");
      const cookie = ([] as string[]).concat(login.headers["set-cookie"])[0].split(";")[0];
      const failed = (await handler.handle({ method: "GET", url: `/auth/callback?error=invalid_scope&state=${state}`, headers: { cookie } }))!;
      expect(failed.body).toContain("<code>invalid_scope</code>");
      expect(spy.mock.calls.map(([message, options]) => [(options as { code?: string } | undefined)?.code, String(message)])).toContainEqual([
        "COGNITO_BEARER_BFF_SIGN_IN_FAILED",
        expect.stringMatching(/error=invalid_scope: a requested scope \(cognito.scopes\) is not enabled on the app client/),
      ]);
    } finally {
      spy.mockRestore();
      await handler.close();
      await issuer.close();
    }
  });
});

describe("the browser-apps BCP: idle timeout and absolute lifetime", () => {
  test("a session unused for idleTimeoutSeconds ends; each /auth/token keeps it alive", async () => {
    const { browser } = await app({}, { idleTimeoutSeconds: 1 });
    await browser.signIn();
    for (let i = 0; i < 3; i++) {
      await sleep(600);
      expect((await browser.post("/auth/token")).status).toBe(200);
    }
    await sleep(1100);
    expect((await browser.post("/auth/token")).status).toBe(401);
  });

  test("refreshes (rotation on) do not extend the session past its absolute lifetime", async () => {
    const { browser, issuer } = await app({ accessTokenLifetimeSeconds: 3, refreshTokenRotation: true }, { refreshMarginSeconds: 2.5, sessionLifetimeSeconds: 2 });
    await browser.signIn();
    await sleep(700);
    expect((await browser.post("/auth/token")).status).toBe(200);
    expect(issuer.oauth!.counters.refresh_token).toBe(1);
    await sleep(1500);
    expect((await browser.post("/auth/token")).status).toBe(401);
  });
});

describe("the review's whole list stays green", () => {
  test("CSRF: no header, Origin null, a foreign or sibling origin, method overrides: refused, nothing changes", async () => {
    const { browser, url } = await app();
    await browser.signIn();
    const sibling = url.replace("127.0.0.1", "localhost");
    const refusedHeaders: Record<string, string>[] = [{ origin: url }, { "x-csrf": "1", origin: "null" }, { "x-csrf": "1", origin: "https://evil.example" }, { "x-csrf": "1", origin: sibling }, { "x-csrf": "0", origin: url }];
    for (const headers of refusedHeaders) {
      expect((await browser.post("/auth/logout", headers)).status).toBe(403);
      expect((await browser.post("/auth/token", headers)).status).toBe(403);
    }
    const overrides: Record<string, string>[] = [{ "x-http-method-override": "POST" }, { "x-http-method": "POST" }, { "x-method-override": "POST" }];
    for (const override of overrides) {
      expect((await browser.request("/auth/logout", { headers: { ...override, "x-csrf": "1", origin: url } })).status).toBe(405);
    }
    expect((await browser.request("/auth/logout?_method=POST")).status).toBe(405);
    expect((await browser.request("/auth/session")).json().authenticated).toBe(true);
  });

  test("every Set-Cookie of every route: HttpOnly, Secure, Path=/, a SameSite, no Domain, the __Host-Http- prefix", async () => {
    const { browser, url, issuer } = await app();
    const lines: string[] = [];
    const record = (answer: { headers: Headers }) => lines.push(...answer.headers.getSetCookie());
    const login = await browser.request("/auth/login");
    record(login);
    const toCallback = (await browser.request(login.headers.get("location")!)).headers.get("location")!;
    record(await browser.request(`/auth/callback?state=${"x".repeat(43)}`));
    record(await browser.request(toCallback));
    record(await browser.post("/auth/token"));
    issuer.oauth!.setTokenFault({ mode: "status", status: 500 });
    record(await browser.post("/auth/logout"));
    record(await new Browser(url).post("/auth/token"));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      expect(line).toMatch(/^__Host-Http-cb-(session|signin-[\w-]{16})=/);
      expect(line).toMatch(/; Path=\/(;|$)/);
      expect(line).toMatch(/; HttpOnly(;|$)/);
      expect(line).toMatch(/; Secure(;|$)/);
      expect(line).toMatch(/; SameSite=(Strict|Lax)(;|$)/);
      expect(line).not.toMatch(/domain=/i);
    }
  });

  test("no token, refresh token or session id in any event, body, header or URL the browser sees", async () => {
    const { browser, events, issuer } = await app({ accessTokenLifetimeSeconds: 3, refreshTokenRotation: true }, { refreshMarginSeconds: 2 });
    const seen: string[] = [];
    const login = await browser.request("/auth/login?returnTo=%2Fx");
    const authorize = await browser.request(login.headers.get("location")!);
    const callback = await browser.request(authorize.headers.get("location")!);
    seen.push(login.headers.get("location")!, authorize.headers.get("location")!, callback.text);
    const sessionId = browser.cookie("__Host-Http-cb-session")!;
    await browser.accessToken();
    await sleep(1100);
    const token = await browser.post("/auth/token");
    seen.push(token.text, (await browser.request("/auth/session")).text);
    issuer.oauth!.setTokenFault({ mode: "down" });
    await sleep(1100);
    seen.push((await browser.post("/auth/token")).text);
    issuer.oauth!.setTokenFault(null);
    seen.push((await browser.post("/auth/logout")).text);
    const logged = JSON.stringify(events);
    expect(logged).not.toContain(sessionId);
    for (const text of seen) expect(text).not.toContain(sessionId);
    // Refresh tokens are opaque to the browser: none appears in what it saw, nor in the events.
    const refreshTokens = issuer.oauth!.counters.refresh_token;
    expect(refreshTokens).toBeGreaterThan(0);
    for (const text of [...seen, logged]) expect(text).not.toMatch(/refresh_token"?\s*[:=]/);
  });
});
