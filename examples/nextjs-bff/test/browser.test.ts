// examples/nextjs-bff as a user runs it: `pnpm start` (start.mjs) with no
// build yet, so a real `next build` (from scratch, Turbopack) and then
// `next start`, offline (its own local Cognito and orders API), driven by a
// real headless Chromium. Sign-in; a server component shows the
// user and orders fetched on the server; a client component reads orders
// through the BFF's proxy; a server action calls the API with the server-side
// token; ten server components at once on an expiring token cause ONE refresh
// at Cognito; sign-out ends the BFF's session and Cognito's managed-login
// session, and the last access token is refused by the API at once. No JWT
// ever reaches the page. Then start.mjs again: no second build, its defaults,
// PORT/HOST, bad configurations.
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { createTestIssuer } from "@cognito-bearer/testing";
import { launchChromium } from "../../../test/support/chromium";
import { startRedisServer } from "../../../test/support/redis-server";
import { removeNextOutput, runToEnd, startRuntime, type RuntimeProcess } from "../../../test/runtimes/runtime-process";

jest.setTimeout(420_000);

const APP = path.resolve(__dirname, "..");
/** What `pnpm -C examples/nextjs-bff start` runs. */
const START = path.join(APP, "start.mjs");
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/;
/** Offline access tokens live this long; the BFF refreshes with 3/4 of it left (server/runtime.mjs): due after 3 s. */
const TOKEN_SECONDS = 12;
/** Nothing from the environment configures the example: offline, as `pnpm start` with no COGNITO_* variables. */
const OFFLINE = { COGNITO_USER_POOL_ID: "", COGNITO_CLIENT_ID: "", COGNITO_DOMAIN: "", COGNITO_REDIRECT_URI: "", COGNITO_REDIS_URL: "", PORT: "", HOST: "" };

interface HookState {
  counters: { authorize: number; refresh_token: number; logout: number };
  managedSessions: number;
  lastAccessToken: string | undefined;
  apiUrl: string;
  issuerUrl: string;
}

let app: RuntimeProcess | undefined;
let browser: Browser | undefined;
let origin: string;
let hooksUrl: string;
const running: RuntimeProcess[] = [];

/** Resolves once GET /health answers 200: `next start` prints its URL before instrumentation.ts has run. */
async function healthy(url: string): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return res;
      await res.arrayBuffer();
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url}/health did not answer 200 within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const hooks = async (): Promise<HookState> => (await fetch(`${hooksUrl}/state`)).json() as Promise<HookState>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  // Nothing cached from an earlier run: the build is the one a user's first `pnpm start` makes.
  removeNextOutput(APP);
  app = await startRuntime({
    command: process.execPath,
    args: [START],
    cwd: APP,
    // HOST unset: start.mjs's default, 127.0.0.1. The build has up to 5 minutes before `next start` prints its URL.
    env: { ...OFFLINE, PORT: "0", DEMO_ACCESS_TOKEN_SECONDS: String(TOKEN_SECONDS), DEMO_TEST_HOOKS: "1" },
    timeoutMs: 300_000,
  });
  running.push(app);
  await healthy(app.url);
  hooksUrl = /test hooks: (http:\/\/127\.0\.0\.1:\d+)/.exec(app.output())![1];
  // localhost, not 127.0.0.1: the offline callback URL's origin, where the BFF's Secure (__Host-) cookies are kept over http.
  origin = app.url.replace("127.0.0.1", "localhost");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(running.map((process) => process.stop()));
  removeNextOutput(APP);
});

/** What the page's script can see: cookies, Web Storage, IndexedDB. */
async function scriptVisible(context: BrowserContext) {
  const page = context.pages()[0];
  return page.evaluate(async () => {
    const scope = globalThis as unknown as { document: { cookie: string }; localStorage: { length: number }; sessionStorage: { length: number }; indexedDB: { databases(): Promise<unknown[]> } };
    return { cookie: scope.document.cookie, local: scope.localStorage.length, session: scope.sessionStorage.length, databases: (await scope.indexedDB.databases()).length };
  });
}

test("the first `pnpm start` builds the app (next build), then serves it on 127.0.0.1 with GET /health", async () => {
  const output = app!.output();
  expect(output).toContain("Creating an optimized production build");
  expect(output).toMatch(/Compiled successfully/);
  // The build comes before `next start` says where it listens.
  expect(output.indexOf("Compiled successfully")).toBeLessThan(output.indexOf("Local:"));
  expect(app!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${app!.url}/health`);
  expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
});

test("sign in, server component, proxy, server action, one refresh for ten components, sign-out everywhere; no JWT reaches the page", async () => {
  const context = await browser!.newContext();
  try {
    const bodies: Promise<{ url: string; text: string }>[] = [];
    const authorizations: string[] = [];
    context.on("response", (response) => {
      if (new URL(response.url()).origin === origin) bodies.push(response.text().then((text) => ({ url: response.url(), text }), () => ({ url: response.url(), text: "" })));
    });
    context.on("request", (request) => {
      if (request.headers().authorization !== undefined) authorizations.push(request.url());
    });
    const page = await context.newPage();
    const { issuerUrl, apiUrl } = await hooks();

    // Signed out: the server component says so, and the local Cognito has no managed-login session yet.
    await page.goto(`${origin}/`);
    await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
    expect((await hooks()).managedSessions).toBe(0);

    // Sign in at /auth/login: the local Cognito signs "demo" in without a form and opens its managed-login session.
    await page.getByTestId("sign-in").click();
    await page.waitForURL(`${origin}/`);
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    expect((await hooks()).managedSessions).toBe(1);
    const cognitoCookie = (await context.cookies(issuerUrl)).find(({ name }) => name === "cognito");
    expect(cognitoCookie?.httpOnly).toBe(true);

    // The server component's orders, fetched on the server with the session's access token.
    expect(await page.getByTestId("server-orders").textContent()).toContain("ord_1001: Coffee beans, 1 kg × 2");

    // The client component: /api/orders through the BFF's proxy, no token in the browser.
    await page.getByTestId("load-proxy-orders").click();
    await page.getByTestId("proxy-orders").filter({ hasText: "GET /api/orders → 200: ord_1001, ord_1002" }).waitFor();

    // The server action: POST /orders at the API with the server-side token; the page, re-rendered, lists the order.
    await page.getByLabel("item").fill("Espresso cups");
    await page.getByTestId("place-order").click();
    await page.getByTestId("placed").filter({ hasText: "ord_2001 placed by demo: Espresso cups" }).waitFor();
    await page.getByTestId("server-orders").filter({ hasText: "ord_2001: Espresso cups × 6" }).waitFor();

    // Past the refresh margin (3 s after the last token was handed out), ten server components ask at once: one refresh.
    await sleep(3500);
    const before = (await hooks()).counters.refresh_token;
    await page.goto(`${origin}/many`);
    expect(await page.getByTestId("who").allTextContents()).toEqual(Array.from({ length: 10 }, (_, index) => `#${index + 1}: demo (200)`));
    expect((await hooks()).counters.refresh_token - before).toBe(1);

    // What the page's script can see, signed in: no token anywhere; the only cookies are HttpOnly.
    expect(await scriptVisible(context)).toEqual({ cookie: "", local: 0, session: 0, databases: 0 });
    const appCookies = await context.cookies(origin);
    expect(appCookies.length).toBeGreaterThan(0);
    for (const cookie of appCookies) {
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.value).not.toMatch(JWT);
    }

    // The access token the API last accepted (the one /many's components used), taken on the server: it works now.
    const oldToken = (await hooks()).lastAccessToken!;
    expect(oldToken).toMatch(JWT);
    const withOldToken = () => fetch(`${apiUrl}/me`, { headers: { authorization: `Bearer ${oldToken}` } });
    expect((await withOldToken()).status).toBe(200);

    // Sign out (a server action): the BFF's session ends, then Cognito's /logout ends the managed-login session.
    const logoutsBefore = (await hooks()).counters.logout;
    await page.goto(`${origin}/`);
    await page.getByTestId("sign-out").click();
    await page.waitForURL(`${origin}/`);
    await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
    const after = await hooks();
    expect(after.counters.logout - logoutsBefore).toBe(1);
    expect(after.managedSessions).toBe(0);
    expect((await context.cookies(issuerUrl)).map(({ name }) => name)).not.toContain("cognito");
    const session = await page.evaluate(async () => (await fetch("/auth/session")).json());
    expect(session).toEqual({ authenticated: false });

    // The old access token, still within its lifetime, is refused by the API because it was revoked.
    const { exp } = JSON.parse(Buffer.from(oldToken.split(".")[1], "base64url").toString()) as { exp: number };
    const refused = await withOldToken();
    expect(exp * 1000).toBeGreaterThan(Date.now());
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/error="invalid_token".*revoked/);
    // Signing in again goes through Cognito again, which opens a new managed-login session (the old one is over).
    const authorizeBefore = after.counters.authorize;
    await page.getByTestId("sign-in").click();
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    expect((await hooks()).counters.authorize - authorizeBefore).toBe(1);
    expect((await hooks()).managedSessions).toBe(1);

    const read = await Promise.all(bodies);
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter(({ text }) => JWT.test(text)).map(({ url }) => url)).toEqual([]);
    expect(authorizations).toEqual([]);
    expect(await page.locator("body").textContent()).not.toMatch(JWT);
  } finally {
    await context.close();
  }
});

test("/many without a session: the optimistic check in proxy.ts sends the browser to sign in first", async () => {
  const context = await browser!.newContext();
  try {
    const page = await context.newPage();
    const response = await page.request.get(`${origin}/many`, { maxRedirects: 0 });
    expect(response.status()).toBeGreaterThanOrEqual(300);
    expect(response.status()).toBeLessThan(400);
    expect(new URL(response.headers().location, origin).pathname).toBe("/auth/login");
  } finally {
    await context.close();
  }
});

test("a page's own fetch of a state-changing /api/ call without the anti-CSRF header is refused by the proxy", async () => {
  const context = await browser!.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/auth/login`);
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    const statuses = await page.evaluate(async () => {
      const post = (headers: Record<string, string>) =>
        fetch("/api/orders", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ item: "Mugs", quantity: 2 }) }).then((res) => res.status);
      return { without: await post({}), with: await post({ "x-csrf": "1" }) };
    });
    expect(statuses).toEqual({ without: 403, with: 201 });
  } finally {
    await context.close();
  }
});

test("with COGNITO_* variables it signs in at that pool instead (a test issuer standing in for Cognito)", async () => {
  const pool = await createTestIssuer({
    oauth: { redirectUris: ["http://localhost/placeholder"], allowedScopes: ["openid", "email", "profile", "orders/read"], users: [{ username: "alice" }] },
  });
  const context = await browser!.newContext();
  try {
    const port = await freePort("127.0.0.1");
    const redirectUri = `http://localhost:${port}/auth/callback`;
    pool.oauth.addRedirectUri(redirectUri);
    const started = await startRuntime({
      command: process.execPath,
      args: [START],
      cwd: APP,
      env: {
        ...OFFLINE,
        PORT: String(port),
        COGNITO_USER_POOL_ID: pool.userPoolId,
        // The first id signs users in; the API accepts every one.
        COGNITO_CLIENT_ID: `${pool.clientId}, other-app-client`,
        COGNITO_ISSUER: pool.issuer,
        COGNITO_JWKS_URI: pool.jwksUri,
        COGNITO_DOMAIN: pool.url,
        COGNITO_REDIRECT_URI: redirectUri,
        COGNITO_SCOPES: "openid email orders/read",
        // Ignored with a real pool: no local Cognito, no hooks.
        DEMO_TEST_HOOKS: "1",
      },
      timeoutMs: 30_000,
    });
    running.push(started);
    await healthy(started.url);
    expect(started.output()).not.toMatch(/offline:|test hooks/);
    const page = await context.newPage();
    await page.goto(`http://localhost:${port}/auth/login`);
    await page.getByTestId("session").filter({ hasText: "signed in as alice" }).waitFor();
    expect(await page.getByTestId("server-orders").textContent()).toContain("ord_1001");
    expect(pool.oauth.counters).toMatchObject({ authorize: 1, authorization_code: 1 });
    expect(pool.oauth.lastAuthorize?.redirectUri).toBe(redirectUri);
    expect(pool.oauth.managedSessions).toBe(1);
  } finally {
    await context.close();
    await pool.close();
  }
});

test("two instances on one Redis (COGNITO_REDIS_URL): signed in on one, the other knows the session; signed out there, it is over on both", async () => {
  const redis = await startRedisServer();
  const pool = await createTestIssuer({
    oauth: { redirectUris: ["http://localhost/placeholder"], allowedScopes: ["openid", "email", "profile", "orders/read"], users: [{ username: "alice" }] },
  });
  const context = await browser!.newContext();
  const instances: RuntimeProcess[] = [];
  try {
    const [portA, portB] = [await freePort("127.0.0.1"), await freePort("127.0.0.1")];
    const redirectUri = `http://localhost:${portA}/auth/callback`;
    pool.oauth.addRedirectUri(redirectUri);
    const env = {
      ...OFFLINE,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_ISSUER: pool.issuer,
      COGNITO_JWKS_URI: pool.jwksUri,
      COGNITO_DOMAIN: pool.url,
      COGNITO_REDIRECT_URI: redirectUri,
      COGNITO_SCOPES: "openid email orders/read",
      COGNITO_REDIS_URL: redis.url,
      COGNITO_SESSION_SECRET: "a-test-secret-of-32-characters-or-more!",
    };
    // One after the other, each kept as soon as it runs: a failed start leaves nothing behind.
    for (const port of [portA, portB]) instances.push(await startRuntime({ command: process.execPath, args: [START], cwd: APP, env: { ...env, PORT: String(port) }, timeoutMs: 30_000 }));
    const [a, b] = instances;
    await Promise.all([healthy(a.url), healthy(b.url)]);
    const [originA, originB] = [`http://localhost:${portA}`, `http://localhost:${portB}`];

    const page = await context.newPage();
    await page.goto(`${originA}/auth/login`);
    await page.getByTestId("session").filter({ hasText: "signed in as alice" }).waitFor();
    // The cookie holds an id; the session itself is in Redis, sealed with COGNITO_SESSION_SECRET: B opens it.
    await page.goto(`${originB}/`);
    await page.getByTestId("session").filter({ hasText: "signed in as alice" }).waitFor();
    expect(await page.getByTestId("server-orders").textContent()).toContain("ord_1001");

    // Signed out on B: Cognito's /logout sends the browser back to the app's sign-out URL (A's origin).
    await page.getByTestId("sign-out").click();
    await page.waitForURL(`${originA}/`);
    await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
    expect(await page.evaluate(async () => (await fetch("/auth/session")).json())).toEqual({ authenticated: false });
    await page.goto(`${originB}/`);
    await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
    expect(pool.oauth.managedSessions).toBe(0);
    expect(pool.oauth.counters.revoke).toBe(1);
  } finally {
    await context.close();
    // The instances before their Redis: they would only log its absence.
    await Promise.all(instances.map((instance) => instance.stop()));
    await pool.close();
    await redis.stop();
  }
});

describe("pnpm start (start.mjs) again", () => {
  test("no second build; offline by default, on 127.0.0.1 when HOST is unset, PORT=0 a free port; GET /health answers 200", async () => {
    // The build from beforeAll is there: start.mjs goes straight to `next start`.
    const started = await startRuntime({ command: process.execPath, args: [START], cwd: APP, env: { ...OFFLINE, PORT: "0" }, timeoutMs: 30_000 });
    running.push(started);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await healthy(started.url);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(started.output()).toMatch(/offline: a local Cognito at http:\/\/127\.0\.0\.1:\d+; open http:\/\/localhost:\d+\/ and sign in as "demo"/);
    expect(started.output()).not.toMatch(/next build|Creating an optimized/);
    // Offline, /auth/login goes to the local Cognito's managed login, with this server's callback URL.
    const login = await fetch(`${started.url.replace("127.0.0.1", "localhost")}/auth/login`, { redirect: "manual" });
    const location = new URL(login.headers.get("location")!);
    expect(location.pathname).toBe("/oauth2/authorize");
    expect(location.hostname).toBe("127.0.0.1");
    expect(location.searchParams.get("redirect_uri")).toBe(`${started.url.replace("127.0.0.1", "localhost")}/auth/callback`);
    // No test hooks unless asked for.
    expect(started.output()).not.toContain("test hooks");
  });

  test("PORT and HOST are honoured: HOST=127.0.0.2 listens there only", async () => {
    const port = await freePort("127.0.0.2");
    const started = await startRuntime({
      command: process.execPath,
      args: [START],
      cwd: APP,
      env: { ...OFFLINE, PORT: String(port), HOST: "127.0.0.2" },
      timeoutMs: 30_000,
      // `next start` prints the address it listens on: 127.0.0.2, which startRuntime's own pattern does not expect.
      urlPattern: /Local:\s+(http:\/\/127\.0\.0\.2:\d+)/,
    });
    running.push(started);
    expect(started.url).toBe(`http://127.0.0.2:${port}`);
    expect((await healthy(started.url)).status).toBe(200);
    // Not on 127.0.0.1: the connection is refused there.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  test("a real pool missing COGNITO_DOMAIN stops it at start-up with one line naming the variable", async () => {
    const env = { ...OFFLINE, PORT: "0", COGNITO_USER_POOL_ID: "eu-west-1_AbCdEf123", COGNITO_CLIENT_ID: "7abcdefghijklmnopqrstuvwxy" };
    const failure = await runToEnd({ command: process.execPath, args: [START], cwd: APP, env, timeoutMs: 30_000 }).then(
      () => "exited 0",
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/failed \(exit 1\)/);
    expect(failure.split("\n").filter((line) => line.startsWith("COGNITO_DOMAIN is required"))).toHaveLength(1);
  });

  test.each([
    ["not a number", "abc"],
    ["out of range", "70000"],
  ])("an invalid PORT (%s) stops it with one line naming the variable", async (_label, port) => {
    const failure = await runToEnd({ command: process.execPath, args: [START], cwd: APP, env: { ...OFFLINE, PORT: port }, timeoutMs: 20_000 }).then(
      () => "exited 0",
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/failed \(exit 1\)/);
    expect(failure).toContain(`PORT must be an integer from 0 to 65535, got "${port}"`);
  });
});

/** A port free on `host` right now. */
async function freePort(host: string): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
