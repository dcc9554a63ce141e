// examples/bff with BFF_MODE=proxy in a real headless Chromium: the page
// signs in and calls the API through the token handler's proxy, and never
// holds an access token: none in any response the page can read, in storage,
// or in a cookie script can see, and no Authorization header leaves the page.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/chromium";
import { startExample, stopAllExamples, type Running } from "../../examples/shared/harness";

jest.setTimeout(90_000);

const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/;
let browser: Browser;
let app: Running;
let origin: string;

beforeAll(async () => {
  app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1", BFF_MODE: "proxy", DEMO_ACCESS_TOKEN_SECONDS: "6" });
  origin = app.url.replace("127.0.0.1", "localhost");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopAllExamples();
});

test("proxy mode: sign in, call the API through /api/ across a refresh; no JWT in any body the page reads, in storage, in cookies, or in a request header", async () => {
  const context = await browser.newContext();
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
    await page.goto(`${origin}/`);
    await page.getByTestId("session").filter({ hasText: "signed out" }).waitFor();
    await page.getByTestId("sign-in").click();
    await page.waitForURL(`${origin}/`);
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    await page.getByTestId("call-me").click();
    await page.getByTestId("log").locator("li", { hasText: "GET /api/me → 200" }).first().waitFor();
    // Past the token's refresh margin: the token handler refreshes on the server, and the page sees nothing of it.
    await page.waitForTimeout(4000);
    await page.getByTestId("call-ten").click();
    expect(await page.getByTestId("log").locator("li", { hasText: "10 calls at once" }).first().textContent()).toContain(Array(10).fill("200").join(", "));
    await page.getByTestId("call-orders").click();
    await page.getByTestId("log").locator("li", { hasText: "GET /api/orders → 200" }).first().waitFor();

    const storage = await page.evaluate(async () => {
      const scope = globalThis as unknown as { document: { cookie: string }; localStorage: { length: number }; sessionStorage: { length: number }; indexedDB: { databases(): Promise<unknown[]> } };
      return { cookie: scope.document.cookie, local: scope.localStorage.length, session: scope.sessionStorage.length, databases: (await scope.indexedDB.databases()).length };
    });
    expect(storage).toEqual({ cookie: "", local: 0, session: 0, databases: 0 });
    const cookies = await context.cookies(origin);
    expect(cookies.map(({ name, httpOnly }) => ({ name, httpOnly }))).toEqual([{ name: "__Host-Http-cb-session", httpOnly: true }]);
    for (const cookie of cookies) expect(cookie.value).not.toMatch(JWT);
    const read = await Promise.all(bodies);
    expect(read.filter(({ url }) => new URL(url).pathname.startsWith("/api/")).length).toBeGreaterThanOrEqual(12);
    expect(read.filter(({ text }) => JWT.test(text)).map(({ url }) => url)).toEqual([]);
    expect(authorizations).toEqual([]);
    expect(await page.locator("body").textContent()).not.toMatch(JWT);
  } finally {
    await context.close();
  }
});

test("another site sending the tab to /api/… (the SameSite=Strict cookie withheld) does not sign the user out", async () => {
  // The other site: 127.0.0.1 is not the same site as localhost.
  const attacker: Server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<script>location = ${JSON.stringify(`${origin}/api/orders`)}</script>`));
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    const navigated = page.waitForResponse((response) => response.url() === `${origin}/api/orders`);
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const answer = await navigated;
    // The cookie was withheld, so the proxy saw no session: 401, and no Set-Cookie that would delete it.
    expect(answer.status()).toBe(401);
    expect(await answer.headerValue("set-cookie")).toBeNull();
    expect((await context.cookies(origin)).map(({ name }) => name)).toEqual(["__Host-Http-cb-session"]);
    await page.goto(`${origin}/`);
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    const me = await page.evaluate(async (url) => (await fetch(url)).status, `${origin}/api/me`);
    expect(me).toBe(200);
  } finally {
    await context.close();
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  }
});
