// Item 1 of the token handler's review, in a real headless Chromium against
// the demo (examples/bff, offline): a sign-in started with a returnTo that
// only URL parsing turns into another host (`/.//host/phish`) must never
// navigate the signed-in user off the app. The "attacker" is a second local
// server; the test fails if Chromium ever requests it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/chromium";
import { startExample, stopAllExamples, type Running } from "../../examples/shared/harness";

jest.setTimeout(90_000);


let browser: Browser;
let app: Running;
let origin: string;
let attacker: Server;
let attackerHost: string;
const phished: string[] = [];

beforeAll(async () => {
  attacker = createServer((req, res) => {
    phished.push(req.url ?? "");
    res.writeHead(200, { "content-type": "text/html" }).end("<title>phished</title>");
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerHost = `127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1" });
  origin = app.url.replace("127.0.0.1", "localhost");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopAllExamples();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
});

test.each(["/.//HOST/phish", "/..//HOST/phish", "/%2e//HOST/phish", "/%2E%2E//HOST/phish", "/a/..//HOST/phish"])(
  "returnTo %s never takes the browser to another site",
  async (pattern) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const returnTo = pattern.replace("HOST", attackerHost);
      const answer = await page.goto(`${origin}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(answer?.status()).toBe(400);
      // Whatever the page does next, it stays on the app.
      await page.waitForTimeout(300);
      expect(new URL(page.url()).origin).toBe(origin);
      expect(phished).toEqual([]);
    } finally {
      await context.close();
    }
  },
);

test("a harmless returnTo with dot segments signs in and lands on the app's own page", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/auth/login?returnTo=${encodeURIComponent("/a/../?from=dots")}`);
    await page.waitForURL(`${origin}/?from=dots`);
    await page.getByTestId("session").filter({ hasText: "signed in as demo" }).waitFor();
    expect(phished).toEqual([]);
  } finally {
    await context.close();
  }
});
