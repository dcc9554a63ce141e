// The demo SPA (examples/bff, offline) in a real headless Chromium (Debian's
// `chromium`, driven by playwright-core). The issuer runs on 127.0.0.1 and the
// app on localhost: two sites, so the sign-in's redirect chain crosses sites as
// it does with Cognito's domain, and the SameSite=Strict session cookie must
// still arrive. Access tokens live 6 s here, so refreshes happen within a test.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../support/chromium";
import { startExample, stopAllExamples, type Running } from "../../examples/shared/harness";

jest.setTimeout(90_000);

const LIFETIME_SECONDS = 6;
/** The page refreshes when half the lifetime is left: a token is "expired" for it after this long. */
const STALE_AFTER_MS = (LIFETIME_SECONDS / 2) * 1000 + 300;

let browser: Browser;
let app: Running;
let origin: string;
/** The local Cognito's origin (its managed-login endpoints, /logout among them). */
let cognito: string;

beforeAll(async () => {
  app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1", DEMO_ACCESS_TOKEN_SECONDS: String(LIFETIME_SECONDS) });
  origin = app.url.replace("127.0.0.1", "localhost");
  cognito = /a local Cognito at (http:\/\/127\.0\.0\.1:\d+)/.exec(app.stdout())![1];
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopAllExamples();
});

const contexts: BrowserContext[] = [];
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

/** A new browser profile, its /auth/token requests counted, and the Authorization headers it sent to the API. */
async function profile() {
  const context = await browser.newContext();
  contexts.push(context);
  const tokenCalls: string[] = [];
  const sentTokens: string[] = [];
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/auth/token") tokenCalls.push(request.url());
    const authorization = request.headers().authorization;
    if (authorization?.startsWith("Bearer ")) sentTokens.push(authorization.slice(7));
  });
  return { context, tokenCalls, sentTokens };
}

async function signedIn(page: Page): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
  await page.getByTestId("sign-in").click();
  await page.waitForURL(`${origin}/`);
  await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
}

/** The newest log line that mentions `text`. */
async function logLine(page: Page, text: string): Promise<string> {
  const line = page.getByTestId("log").locator("li", { hasText: text }).first();
  await line.waitFor();
  return (await line.textContent()) ?? "";
}

test("sign-in across sites lands signed in; no token in any storage the page can read", async () => {
  const { context } = await profile();
  const page = await context.newPage();
  await signedIn(page);
  // Runs in the page (the test is compiled without the DOM library, hence the cast).
  const storage = await page.evaluate(async () => {
    const page = globalThis as unknown as {
      document: { cookie: string };
      localStorage: object;
      sessionStorage: object;
      indexedDB: { databases(): Promise<unknown[]> };
    };
    return {
      cookie: page.document.cookie,
      local: Object.keys(page.localStorage).length,
      session: Object.keys(page.sessionStorage).length,
      databases: (await page.indexedDB.databases()).length,
    };
  });
  expect(storage).toEqual({ cookie: "", local: 0, session: 0, databases: 0 });
  const cookies = await context.cookies(origin);
  expect(cookies.map(({ name, httpOnly, secure, sameSite, path }) => ({ name, httpOnly, secure, sameSite, path }))).toEqual([
    { name: "__Host-Http-cb-session", httpOnly: true, secure: true, sameSite: "Strict", path: "/" },
  ]);
  await page.getByTestId("call-me").click();
  expect(await logLine(page, "GET /me")).toMatch(/→ 200 .*"username":"demo"/);
  await page.getByTestId("call-orders").click();
  expect(await logLine(page, "GET /orders")).toMatch(/→ 200/);
  await page.getByTestId("call-admin").click();
  expect(await logLine(page, "GET /admin")).toMatch(/→ 200/);
  // The page never shows a token.
  const text = await page.locator("body").textContent();
  expect(text).not.toMatch(/eyJ[\w-]{10,}/);
});

test("ten concurrent API calls on an expired token: one call to /auth/token, and a silent refresh", async () => {
  const { context, tokenCalls, sentTokens } = await profile();
  const page = await context.newPage();
  await signedIn(page);
  await page.getByTestId("call-me").click();
  await logLine(page, "GET /me");
  await page.waitForTimeout(STALE_AFTER_MS);
  const before = tokenCalls.length;
  await page.getByTestId("call-ten").click();
  expect(await logLine(page, "10 calls at once")).toContain("200, 200, 200, 200, 200, 200, 200, 200, 200, 200");
  expect(tokenCalls.length - before).toBe(1);
  // The refresh gave a new token, and all ten calls carried it.
  const lastTen = sentTokens.slice(-10);
  expect(new Set(lastTen).size).toBe(1);
  expect(lastTen[0]).not.toBe(sentTokens[0]);
});

test("two tabs on an expired token: one refresh between them", async () => {
  const { context, tokenCalls } = await profile();
  const first = await context.newPage();
  await signedIn(first);
  const second = await context.newPage();
  await second.goto(`${origin}/`);
  await second.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
  await first.getByTestId("call-me").click();
  await logLine(first, "GET /me");
  await first.waitForTimeout(STALE_AFTER_MS);
  const before = tokenCalls.length;
  await Promise.all([first.getByTestId("call-me").click(), second.getByTestId("call-me").click()]);
  expect(await logLine(second, "GET /me")).toMatch(/→ 200/);
  await first.getByTestId("log").locator("li", { hasText: "GET /me" }).nth(1).waitFor();
  expect(tokenCalls.length - before).toBe(1);
});

test("JWKS down: a 503 is shown and the page stays signed in; back up, calls succeed", async () => {
  const { context } = await profile();
  const page = await context.newPage();
  await signedIn(page);
  await page.getByTestId("jwks-toggle").click();
  await logLine(page, "JWKS off");
  await page.waitForTimeout(STALE_AFTER_MS);
  await page.getByTestId("call-me").click();
  // The new token cannot be checked: the token handler (or the API) answers 503, retried with back-off, never a sign-out.
  expect(await logLine(page, "GET /me")).toMatch(/503|still signed in/);
  expect(await page.getByTestId("session").textContent()).toBe("signed in as demo");
  expect(page.url()).toBe(`${origin}/`);
  await page.getByTestId("jwks-toggle").click();
  await logLine(page, "JWKS on again");
  await page.getByTestId("call-me").click();
  await page.getByTestId("log").locator("li", { hasText: /GET \/me → 200/ }).first().waitFor();
});

test("sign out: the access token captured before is refused by the API at once", async () => {
  const { context, sentTokens } = await profile();
  const page = await context.newPage();
  await signedIn(page);
  await page.getByTestId("call-me").click();
  await logLine(page, "GET /me");
  const captured = sentTokens.at(-1)!;
  expect((await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${captured}` } })).status).toBe(200);
  await page.getByTestId("sign-out").click();
  await logLine(page, "signed out");
  const after = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${captured}` } });
  expect(after.status).toBe(401);
  expect(await after.json()).toMatchObject({ error: "invalid_token" });
  // Cognito's /logout sends the browser back to the app, signed out.
  await page.waitForURL(`${origin}/`);
  await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
});

test("the refresh token revoked at Cognito (GlobalSignOut): the next refresh sends the page to sign-in", async () => {
  const { context } = await profile();
  const page = await context.newPage();
  await signedIn(page);
  const toSignIn = page.waitForRequest((request) => new URL(request.url()).pathname === "/auth/login");
  await page.getByTestId("global-sign-out").click();
  await logLine(page, "revoked at Cognito");
  await page.waitForTimeout(STALE_AFTER_MS);
  await page.getByTestId("call-me").click();
  const request = await toSignIn;
  expect(new URL(request.url()).searchParams.get("returnTo")).toBe("/");
});

test("sign out in one tab: it ends at Cognito's /logout; the other tab shows signed out and is not signed in again", async () => {
  const { context, tokenCalls } = await profile();
  const signIns: string[] = [];
  context.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === "/auth/login" || pathname === "/oauth2/authorize") signIns.push(pathname);
  });
  const first = await context.newPage();
  await signedIn(first);
  const second = await context.newPage();
  await second.goto(`${origin}/`);
  await second.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
  await second.getByTestId("call-me").click();
  expect(await logLine(second, "GET /me")).toMatch(/→ 200/);
  expect(signIns).toEqual(["/auth/login", "/oauth2/authorize"]);
  const tokenCallsBefore = tokenCalls.length;

  const toCognitoLogout = first.waitForRequest((request) => new URL(request.url()).pathname === "/logout");
  await first.getByTestId("sign-out").click();
  const logout = new URL((await toCognitoLogout).url());
  expect(logout.origin).toBe(cognito);
  expect(logout.searchParams.get("logout_uri")).toBe(`${origin}/`);
  expect(logout.searchParams.get("client_id")).toMatch(/\S/);
  // Cognito's /logout sends the tab back to the app, signed out.
  await first.waitForURL(`${origin}/`);
  await first.getByTestId("session").filter({ hasText: "signed out" }).waitFor();

  // The other tab is told at once, and shows it.
  await logLine(second, "signed out in another tab");
  expect(await second.getByTestId("session").textContent()).toBe("signed out");
  // A call there fails as signed out, without asking for a token.
  await second.getByTestId("call-me").click();
  expect(await logLine(second, "GET /me →")).toContain("GET /me → signed out");
  // Longer than the page's session poll (2 s) and its session-expired handler's delay: still here, still signed out.
  await second.waitForTimeout(2500);
  expect(second.url()).toBe(`${origin}/`);
  expect(await second.getByTestId("session").textContent()).toBe("signed out");
  expect(signIns).toEqual(["/auth/login", "/oauth2/authorize"]);
  expect(tokenCalls.length).toBe(tokenCallsBefore);
});
