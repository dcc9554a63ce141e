// createAuthFetch under Node (fetch is global there) against a real local
// server playing the token handler and the API, whose answers each test sets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BroadcastChannel as NodeBroadcastChannel } from "node:worker_threads";
import type { AddressInfo } from "node:net";
import { createAuthFetch, SessionExpiredError, SignedOutError, TokenUnavailableError, type AuthFetch } from "@cognito-bearer/client";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
let tokenRoute: Handler;
let apiRoute: Handler;
let logoutRoute: Handler;
const calls = { token: 0, api: 0, logout: 0 };
const seen: { authorization?: string; method?: string; body: string }[] = [];
const open: AuthFetch[] = [];

// Jest's Node environment leaves Node's own BroadcastChannel out of the test's globals: put it back (a browser has its own).
globalThis.BroadcastChannel ??= NodeBroadcastChannel as unknown as typeof BroadcastChannel;

/** What the token handler's POST /auth/logout answers: Cognito's /logout, to end the managed-login session too. */
const COGNITO_LOGOUT = "https://auth.example.com/logout?client_id=app&logout_uri=https%3A%2F%2Fapp.example.com%2F";
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (up to 2 s) for `condition`, then fails naming `what`. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 2000; !condition(); await tick(10)) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

let issued = 0;
/** The token handler's healthy answer: a new token each time. */
const issue = (expiresIn = 3600): Handler => (_req, res) => json(res, 200, { access_token: `token-${++issued}`, expires_in: expiresIn, token_type: "Bearer" });
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
const invalidToken = (res: ServerResponse) =>
  json(res, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer realm="api", error="invalid_token", error_description="The access token has expired"' });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.url === "/auth/token") {
        calls.token++;
        return tokenRoute(req, res, body);
      }
      if (req.url === "/auth/logout") {
        calls.logout++;
        return logoutRoute(req, res, body);
      }
      calls.api++;
      seen.push({ authorization: req.headers.authorization, method: req.method, body });
      apiRoute(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  issued = 0;
  calls.token = 0;
  calls.api = 0;
  calls.logout = 0;
  seen.length = 0;
  tokenRoute = issue();
  apiRoute = (req, res) => json(res, 200, { ok: true, authorization: req.headers.authorization });
  logoutRoute = (_req, res) => json(res, 200, { logoutUrl: COGNITO_LOGOUT });
});
afterEach(() => {
  for (const api of open.splice(0)) api.close();
});

function client(options: Parameters<typeof createAuthFetch>[0] = {}) {
  const api = createAuthFetch({
    tokenUrl: `${base}/auth/token`,
    logoutUrl: `${base}/auth/logout`,
    apiOrigins: [base],
    baseDelayMs: 20,
    channelName: `test-${Math.random()}`,
    ...options,
  });
  open.push(api);
  return api;
}

test("sends the access token from the token handler, with the CSRF header on the token call", async () => {
  let csrf: string | undefined;
  tokenRoute = (req, res, body) => {
    csrf = req.headers["x-csrf"] as string;
    issue()(req, res, body);
  };
  const api = client();
  const res = await api(`${base}/api/me`);
  expect(await res.json()).toEqual({ ok: true, authorization: "Bearer token-1" });
  expect(csrf).toBe("1");
});

test("ten concurrent calls without a token: one call to the token handler", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  tokenRoute = (req, res, body) => void gate.then(() => issue()(req, res, body));
  const api = client();
  const pending = Promise.all(Array.from({ length: 10 }, () => api(`${base}/api/orders`)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  const answers = await pending;
  expect(answers.map((res) => res.status)).toEqual(Array(10).fill(200));
  expect(calls.token).toBe(1);
  expect(new Set(seen.map((request) => request.authorization)).size).toBe(1);
});

test("401 invalid_token: one refresh and one retry; a second 401 is returned, never looped", async () => {
  const api = client();
  await api(`${base}/warm`);
  apiRoute = (req, res) => (req.headers.authorization === "Bearer token-1" ? invalidToken(res) : json(res, 200, { ok: true }));
  expect((await api(`${base}/api/me`)).status).toBe(200);
  expect(calls.token).toBe(2);

  apiRoute = (_req, res) => invalidToken(res);
  const res = await api(`${base}/api/me`);
  expect(res.status).toBe(401);
  expect(calls.token).toBe(3);
  expect(calls.api).toBe(1 + 2 + 2);
});

test("a POST is not retried after a 401 unless allowed; a stream body never is", async () => {
  // The API refuses the next request's token once.
  let refuseNext = true;
  apiRoute = (_req, res) => {
    if (refuseNext) {
      refuseNext = false;
      return invalidToken(res);
    }
    json(res, 200, { ok: true });
  };
  const strict = client();
  expect((await strict(`${base}/api/orders`, { method: "POST", body: "{}" })).status).toBe(401);
  expect(calls.api).toBe(1);

  refuseNext = true;
  const lenient = client({ retryNonIdempotent: true });
  const res = await lenient(`${base}/api/orders`, { method: "POST", body: '{"item":"beans"}' });
  expect(res.status).toBe(200);
  expect(seen.at(-1)).toMatchObject({ method: "POST", body: '{"item":"beans"}' });

  refuseNext = true;
  const streaming = client({ retryNonIdempotent: true });
  const stream = new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode("x")), controller.close()) });
  const streamed = await streaming(`${base}/api/upload`, { method: "PUT", body: stream, duplex: "half" } as RequestInit);
  expect(streamed.status).toBe(401);
});

test("503 from the API: backs off (honouring Retry-After), retries, and returns the last 503 after maxRetries; never a sign-out", async () => {
  const onSessionExpired = jest.fn();
  let failures = 1;
  apiRoute = (_req, res) => (failures-- > 0 ? json(res, 503, { error: "temporarily_unavailable" }, { "retry-after": "1" }) : json(res, 200, { ok: true }));
  const api = client({ onSessionExpired });
  const started = performance.now();
  expect((await api(`${base}/api/me`)).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(950);

  apiRoute = (_req, res) => json(res, 503, { error: "temporarily_unavailable" }, { "retry-after": "0" });
  const res = await api(`${base}/api/me`);
  expect(res.status).toBe(503);
  expect(calls.api).toBe(2 + 4);
  expect(onSessionExpired).not.toHaveBeenCalled();
});

test("a network error is retried; 403 is returned as is, without a refresh", async () => {
  const api = client();
  let drops = 1;
  apiRoute = (req, res) => (drops-- > 0 ? req.socket.destroy() : json(res, 200, { ok: true }));
  expect((await api(`${base}/api/me`)).status).toBe(200);
  apiRoute = (_req, res) => json(res, 403, { error: "insufficient_scope" });
  expect((await api(`${base}/api/admin`)).status).toBe(403);
  expect(calls.token).toBe(1);
});

test("401 session_expired from the token handler: onSessionExpired, and a SessionExpiredError", async () => {
  tokenRoute = (_req, res) => json(res, 401, { error: "session_expired" });
  const onSessionExpired = jest.fn();
  const api = client({ onSessionExpired });
  await expect(api(`${base}/api/me`)).rejects.toBeInstanceOf(SessionExpiredError);
  expect(onSessionExpired).toHaveBeenCalledTimes(1);
  expect(calls.api).toBe(0);
});

test("the token handler unavailable: retried, then a TokenUnavailableError; never onSessionExpired", async () => {
  tokenRoute = (_req, res) => json(res, 503, { error: "temporarily_unavailable" }, { "retry-after": "0" });
  const onSessionExpired = jest.fn();
  const api = client({ onSessionExpired, maxRetries: 2 });
  await expect(api(`${base}/api/me`)).rejects.toBeInstanceOf(TokenUnavailableError);
  expect(calls.token).toBe(3);
  expect(onSessionExpired).not.toHaveBeenCalled();
});

test("an AbortSignal ends the wait for a refresh at once", async () => {
  let answer!: () => void;
  tokenRoute = (req, res, body) => (answer = () => issue()(req, res, body)); // answers only when told
  const api = client();
  const controller = new AbortController();
  const pending = api(`${base}/api/me`, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("user navigated away")), 50);
  await expect(pending).rejects.toThrow("user navigated away");
  expect(calls.api).toBe(0);
  // The refresh itself goes on for other callers: the next call uses its token.
  answer();
  expect((await api(`${base}/api/me`)).status).toBe(200);
  expect(calls.token).toBe(1);
});

test("refreshes ahead of expiry: a token within the margin is not used", async () => {
  tokenRoute = issue(20);
  const api = client({ refreshMarginSeconds: 30 });
  await api(`${base}/a`);
  await api(`${base}/b`);
  expect(calls.token).toBe(2);
  expect(seen.map((request) => request.authorization)).toEqual(["Bearer token-" + (issued - 1), "Bearer token-" + issued]);
});

test("a refresh function of your own (an SPA holding Cognito's tokens itself)", async () => {
  let refreshes = 0;
  const api = client({ refresh: async () => ({ accessToken: `own-${++refreshes}`, expiresIn: 3600 }) });
  await api(`${base}/api/me`);
  expect(seen[0].authorization).toBe("Bearer own-1");
  expect(calls.token).toBe(0);
  const expired = client({
    refresh: async () => {
      throw new SessionExpiredError();
    },
    onSessionExpired: () => undefined,
  });
  await expect(expired(`${base}/api/me`)).rejects.toBeInstanceOf(SessionExpiredError);
});

test("two clients on one channel (two tabs): the second uses the token the first got", async () => {
  const channelName = `tabs-${Math.random()}`;
  const a = client({ channelName });
  const b = client({ channelName });
  await new Promise((resolve) => setTimeout(resolve, 20)); // hello / here
  await a(`${base}/api/me`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await b(`${base}/api/me`);
  expect(calls.token).toBe(1);
  expect(seen.map((request) => request.authorization)).toEqual(["Bearer token-" + issued, "Bearer token-" + issued]);
});

describe("the access token goes to apiOrigins only", () => {
  // A second origin: another server on another port, recording what it is sent.
  let other: Server;
  let otherBase: string;
  let otherRoute: (res: ServerResponse) => void;
  const otherSeen: { url?: string; authorization?: string }[] = [];

  beforeAll(async () => {
    other = createServer((req, res) => {
      otherSeen.push({ url: req.url, authorization: req.headers.authorization });
      otherRoute(res);
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));
  beforeEach(() => {
    otherSeen.length = 0;
    otherRoute = (res) => json(res, 200, { next: null });
  });

  test("another origin (a pagination link, a URL from data) gets the request without the token, and no refresh", async () => {
    const api = client();
    await api(`${base}/api/orders`);
    expect(seen[0].authorization).toBe("Bearer token-1");
    const res = await api(`${otherBase}/orders?page=2`, { headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    const asRequest = await api(new Request(`${otherBase}/from-request`));
    expect(asRequest.status).toBe(200);
    expect(otherSeen).toEqual([
      { url: "/orders?page=2", authorization: undefined },
      { url: "/from-request", authorization: undefined },
    ]);
    expect(calls.token).toBe(1);
  });

  test("another origin: a plain fetch, without the 401 refresh or the 503 retries", async () => {
    const api = client();
    otherRoute = invalidToken;
    expect((await api(`${otherBase}/a`)).status).toBe(401);
    otherRoute = (res) => json(res, 503, { error: "temporarily_unavailable" }, { "retry-after": "0" });
    expect((await api(`${otherBase}/b`)).status).toBe(503);
    expect(otherSeen.map((request) => request.url)).toEqual(["/a", "/b"]);
    // No token was ever asked for: nothing here needed one.
    expect(calls.token).toBe(0);
  });

  test("origins are compared after the URL is resolved, not as text", async () => {
    const port = new URL(base).port;
    const api = client({ apiOrigins: [`HTTP://127.0.0.1:${port}`] });
    // Upper case and a path: the same origin, so the token goes.
    await api(`HTTP://127.0.0.1:${port}/api/me`);
    expect(seen.at(-1)!.authorization).toBe("Bearer token-1");
    // The same server by another name is another origin.
    await api(`http://localhost:${port}/api/me`);
    expect(seen.at(-1)!.authorization).toBeUndefined();
    // The allowed origin's text as credentials in front of another host: another origin, so a plain fetch (which refuses credentials in a URL).
    await expect(api(`http://127.0.0.1:${port}@127.0.0.1:${new URL(otherBase).port}/userinfo-trick`)).rejects.toThrow(/credentials/);
    expect(otherSeen).toEqual([]);
    expect(seen).toHaveLength(2);
    expect(calls.token).toBe(1);
  });

  test("with a page (location): relative URLs go to the page's origin with the token, protocol-relative ones to another origin without it", async () => {
    const page = globalThis as { location?: unknown };
    page.location = { href: `${base}/app/orders?x=1`, origin: base, pathname: "/app/orders", search: "?x=1", hash: "", assign: () => undefined };
    try {
      const api = createAuthFetch({ tokenUrl: `${base}/auth/token`, channelName: `test-${Math.random()}` }); // apiOrigins: the page's origin
      open.push(api);
      await api("/api/me");
      await api("relative/list");
      await api(`//127.0.0.1:${new URL(otherBase).port}/protocol-relative`);
      await api(`/\\127.0.0.1:${new URL(otherBase).port}/backslash`);
      expect(seen.map((request) => request.authorization)).toEqual(["Bearer token-1", "Bearer token-1"]);
      expect(otherSeen).toEqual([
        { url: "/protocol-relative", authorization: undefined },
        { url: "/backslash", authorization: undefined },
      ]);
    } finally {
      delete page.location;
    }
  });

  test("a redirect from an allowed origin to another: fetch itself drops the Authorization header", async () => {
    const api = client();
    apiRoute = (_req, res) => res.writeHead(302, { location: `${otherBase}/redirected` }).end();
    expect((await api(`${base}/api/moved`)).status).toBe(200);
    expect(seen[0].authorization).toBe("Bearer token-1");
    expect(otherSeen).toEqual([{ url: "/redirected", authorization: undefined }]);
  });

  test("apiOrigins are checked when the client is created: origins only, normalised", () => {
    const create = (apiOrigins?: string[]) => createAuthFetch({ apiOrigins, channelName: `test-${Math.random()}` }).close();
    for (const bad of ["https://api.example.com/v1", "api.example.com", "https://api.example.com?x", "https://api.example.com#top", "ftp://api.example.com", "https://user:pw@api.example.com", "https://*.example.com", "*", "null"]) {
      expect(() => create([bad])).toThrow(/apiOrigins/);
    }
    expect(() => create([])).toThrow(/apiOrigins/);
    expect(() => create([42 as unknown as string])).toThrow(/apiOrigins/);
    // Under Node there is no page whose origin could be the default.
    expect(() => create(undefined)).toThrow(/apiOrigins/);
    expect(() => create(["HTTPS://API.EXAMPLE.COM:443", "https://api.example.com/", "http://localhost:8080"])).not.toThrow();
  });
});

describe("sign-out is not an expiry", () => {
  /** Two tabs on one channel, each with a token already, and their callbacks. */
  async function twoTabs() {
    const channelName = `tabs-${Math.random()}`;
    const spies = { aExpired: jest.fn(), aSignedOut: jest.fn(), bExpired: jest.fn(), bSignedOut: jest.fn() };
    const a = client({ channelName, onSessionExpired: spies.aExpired, onSignedOut: spies.aSignedOut });
    const b = client({ channelName, onSessionExpired: spies.bExpired, onSignedOut: spies.bSignedOut });
    await tick(20); // hello / here
    await a(`${base}/api/me`);
    await tick(20);
    await b(`${base}/api/me`);
    expect(calls.token).toBe(1);
    return { channelName, a, b, ...spies };
  }

  test("sign-out in one tab: every tab runs onSignedOut, none onSessionExpired, and calls fail with SignedOutError without asking for a token", async () => {
    const { a, b, aExpired, aSignedOut, bExpired, bSignedOut } = await twoTabs();
    expect(await a.signOut()).toBe(COGNITO_LOGOUT);
    expect(calls.logout).toBe(1);
    expect(aSignedOut).toHaveBeenCalledTimes(1);
    await until(() => bSignedOut.mock.calls.length > 0, "the other tab's onSignedOut");
    await expect(b(`${base}/api/me`)).rejects.toBeInstanceOf(SignedOutError);
    await expect(a(`${base}/api/me`)).rejects.toBeInstanceOf(SignedOutError);
    await tick(50);
    // Nothing signed in again: no token asked for, no API call, no session-expired path (the default of which opens the sign-in page).
    expect(calls.token).toBe(1);
    expect(calls.api).toBe(2);
    expect([aExpired.mock.calls.length, bExpired.mock.calls.length, aSignedOut.mock.calls.length, bSignedOut.mock.calls.length]).toEqual([0, 0, 1, 1]);
  });

  test("a tab whose refresh is refused while another signs out: signed out, not expired", async () => {
    const { a, b, aExpired, bExpired, bSignedOut } = await twoTabs();
    // b's token is refused by the API, so b asks the token handler; that request is held, then refused once the session is gone,
    // before a even hears that its sign-out went through.
    apiRoute = (req, res) => (req.headers.authorization === "Bearer token-1" ? invalidToken(res) : json(res, 200, { ok: true }));
    let refuse!: () => void;
    tokenRoute = (_req, res) => (refuse = () => json(res, 401, { error: "session_expired" }));
    logoutRoute = (_req, res) => {
      refuse();
      setTimeout(() => json(res, 200, { logoutUrl: COGNITO_LOGOUT }), 200);
    };
    const pending = b(`${base}/api/me`);
    await until(() => calls.token === 2, "b's refresh");
    const signedOut = a.signOut();
    await expect(pending).rejects.toBeInstanceOf(SignedOutError);
    expect(await signedOut).toBe(COGNITO_LOGOUT);
    await tick(50);
    expect(bSignedOut).toHaveBeenCalledTimes(1);
    expect(bExpired).not.toHaveBeenCalled();
    expect(aExpired).not.toHaveBeenCalled();
  });

  test("a real expiry still runs onSessionExpired in every tab, and never onSignedOut", async () => {
    const { a, aExpired, aSignedOut, bExpired, bSignedOut } = await twoTabs();
    apiRoute = (_req, res) => invalidToken(res);
    tokenRoute = (_req, res) => json(res, 401, { error: "session_expired" });
    await expect(a(`${base}/api/me`)).rejects.toBeInstanceOf(SessionExpiredError);
    await until(() => bExpired.mock.calls.length > 0, "the other tab's onSessionExpired");
    expect(aExpired).toHaveBeenCalledTimes(1);
    expect(aSignedOut).not.toHaveBeenCalled();
    expect(bSignedOut).not.toHaveBeenCalled();
  });

  test("after a sign-out, a tab that signs in again shares its token, and the signed-out tabs follow", async () => {
    const { channelName, a, b } = await twoTabs();
    await a.signOut();
    await tick(20);
    await expect(b(`${base}/api/me`)).rejects.toBeInstanceOf(SignedOutError);
    // A new page load (after signing in again) gets a token of its own and shares it.
    const c = client({ channelName });
    await tick(20);
    await c(`${base}/api/me`);
    await tick(20);
    const res = await b(`${base}/api/me`);
    expect(await res.json()).toEqual({ ok: true, authorization: "Bearer token-2" });
    expect(calls.token).toBe(2);
  });

  test("a sign-out the token handler refuses (503) changes nothing: an error, still signed in everywhere", async () => {
    const { a, b, aSignedOut, bSignedOut } = await twoTabs();
    logoutRoute = (_req, res) => json(res, 503, { error: "temporarily_unavailable" }, { "retry-after": "2" });
    await expect(a.signOut()).rejects.toMatchObject({ name: "TokenUnavailableError", retryAfter: 2 });
    await tick(20);
    expect((await a(`${base}/api/me`)).status).toBe(200);
    expect((await b(`${base}/api/me`)).status).toBe(200);
    expect(aSignedOut).not.toHaveBeenCalled();
    expect(bSignedOut).not.toHaveBeenCalled();
    expect(calls.token).toBe(1);
  });

  test("signOut() ends at Cognito's /logout: the page goes there, unless { redirect: false }", async () => {
    const assigned: string[] = [];
    const page = globalThis as { location?: unknown };
    page.location = { href: `${base}/app`, origin: base, pathname: "/app", search: "", hash: "", assign: (url: string) => assigned.push(url) };
    try {
      const api = client();
      expect(await api.signOut()).toBe(COGNITO_LOGOUT);
      expect(assigned).toEqual([COGNITO_LOGOUT]);
      expect(await client().signOut({ redirect: false })).toBe(COGNITO_LOGOUT);
      expect(assigned).toHaveLength(1);
      // Only ever an http(s) URL is followed.
      logoutRoute = (_req, res) => json(res, 200, { logoutUrl: "javascript:alert(document.cookie)" });
      expect(await client().signOut()).toBeUndefined();
      expect(assigned).toHaveLength(1);
      // The default sign-out handler navigates nowhere else (in particular not to the sign-in page).
      expect(calls.logout).toBe(3);
    } finally {
      delete page.location;
    }
  });
});
