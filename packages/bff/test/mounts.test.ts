// The same token handler mounted on Koa and on plain node:http: the whole
// sign-in and the token call work, and other paths are handed on untouched.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { createVerifier } from "@cognito-bearer/core";
import { createTokenHandler, type TokenHandler } from "@cognito-bearer/bff";
import { tokenHandlerMiddleware } from "@cognito-bearer/bff/koa";
import { tokenHandlerListener } from "@cognito-bearer/bff/node";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { Browser } from "./support";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"] } });
});
afterAll(() => issuer.close());

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves `build(handler)` on 127.0.0.1; the handler's callback URL is the server's own. */
async function serve(build: (handler: TokenHandler) => Listener, use: (url: string) => Promise<void>): Promise<void> {
  let listener: Listener | undefined;
  const server = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.oauth!.addRedirectUri(`${url}/auth/callback`);
  const handler = createTokenHandler({
    cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: `${url}/auth/callback` },
    verifier: createVerifier(issuer.verifierOptions),
  });
  listener = build(handler);
  try {
    await use(url);
  } finally {
    await handler.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

async function flow(url: string): Promise<void> {
  const browser = new Browser(url);
  expect((await browser.signIn("/dashboard")).text).toContain(`url=${url}/dashboard`);
  const token = await browser.accessToken();
  expect(token.split(".")).toHaveLength(3);
  expect((await browser.request("/auth/session")).json().authenticated).toBe(true);
  expect((await browser.post("/auth/logout")).status).toBe(200);
  expect((await browser.request("/auth/session")).json().authenticated).toBe(false);
  const other = await fetch(`${url}/hello`);
  expect([other.status, await other.text()]).toEqual([200, "hello from the app"]);
}

test("Koa: tokenHandlerMiddleware answers /auth/* and calls next() for the rest", async () => {
  await serve(
    (handler) => {
      const app = new Koa();
      app.use(tokenHandlerMiddleware(handler));
      app.use((ctx) => {
        ctx.body = "hello from the app";
      });
      return app.callback();
    },
    flow,
  );
});

test("node:http: tokenHandlerListener answers /auth/* and passes the rest to the app (404 without one)", async () => {
  await serve(
    (handler) => tokenHandlerListener(handler, (_req, res) => res.end("hello from the app")),
    flow,
  );
  await serve(
    (handler) => tokenHandlerListener(handler),
    async (url) => {
      const res = await fetch(`${url}/elsewhere`);
      expect([res.status, await res.json()]).toEqual([404, { error: "not_found" }]);
    },
  );
});
