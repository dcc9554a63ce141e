// What the token-handler tests share: an app (the token handler under /auth and
// an API behind cognitoAuth, on one origin, on real Express) against a test
// issuer with Cognito's OAuth endpoints, and a browser-like HTTP client with a
// cookie jar that follows the sign-in's redirects.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createMemoryRevocationList, createVerifier, type RevocationList, type Verifier } from "@cognito-bearer/core";
import { cognitoAuth } from "@cognito-bearer/express";
import { createTokenHandler, type SessionStore, type TokenHandler, type TokenHandlerEvent, type TokenHandlerOptions } from "@cognito-bearer/bff";
import { tokenHandlerMiddleware } from "@cognito-bearer/bff/express";
import { createTestIssuer, type OAuthOptions, type TestIssuer } from "@cognito-bearer/testing";

export interface App {
  url: string;
  /** The revocation list shared by the token handler and the API. */
  revocations: RevocationList;
  handler: TokenHandler;
  verifier: Verifier;
  events: TokenHandlerEvent[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 first: the callback URL needs the port. */
async function listening(): Promise<{ server: Server; url: string; route: (app: express.Express) => void }> {
  let current: express.Express | undefined;
  const server = createServer((req, res) => (current ? current(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, route: (app) => (current = app) };
}

export async function startIssuer(oauth: Partial<OAuthOptions>, redirectUris: string[]): Promise<TestIssuer> {
  return createTestIssuer({ oauth: { redirectUris, users: [{ username: "alice", groups: ["admin"] }], ...oauth } });
}

/** The app: /auth/* by the token handler, /api/me behind cognitoAuth with the same revocation list. */
export async function startApp(
  issuer: TestIssuer | ((redirectUri: string) => Promise<TestIssuer>),
  options: Partial<TokenHandlerOptions> & { sessions?: SessionStore; revocations?: RevocationList } = {},
): Promise<App & { issuer: TestIssuer }> {
  const { server, url, route } = await listening();
  const resolvedIssuer = typeof issuer === "function" ? await issuer(`${url}/auth/callback`) : issuer;
  const revocations = options.revocations ?? createMemoryRevocationList();
  const verifier = createVerifier({ ...resolvedIssuer.verifierOptions, revocations });
  const events: TokenHandlerEvent[] = [];
  const { cognito, ...rest } = options;
  const handler = createTokenHandler({
    cognito: { domain: resolvedIssuer.url, clientId: resolvedIssuer.clientId, redirectUri: `${url}/auth/callback`, ...cognito },
    verifier,
    revocations,
    onEvent: (event) => events.push(event),
    ...rest,
  });
  const app = express();
  app.use(tokenHandlerMiddleware(handler));
  app.get("/api/me", cognitoAuth(verifier), (req, res) => res.json({ sub: req.auth?.sub, username: req.auth?.username }));
  route(app);
  return {
    url,
    revocations,
    handler,
    verifier,
    events,
    issuer: resolvedIssuer,
    async close() {
      await handler.close();
      verifier.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * A test file's apps, each against an issuer of its own (user alice, in group
 * admin), closed with their issuers after each test.
 */
export function appsPerTest(): (oauth?: Partial<OAuthOptions>, options?: Partial<TokenHandlerOptions>) => Promise<App & { issuer: TestIssuer; browser: Browser }> {
  const apps: (App & { issuer: TestIssuer })[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) {
      await app.close();
      await app.issuer.close();
    }
  });
  return async (oauth = {}, options = {}) => {
    const started = await startApp((redirectUri) => startIssuer(oauth, [redirectUri]), options);
    apps.push(started);
    return { ...started, browser: new Browser(started.url) };
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

/** A browser-like client: a cookie jar per host, manual redirects, and the SPA's Origin and CSRF header on POSTs. */
export class Browser {
  readonly cookies = new Map<string, Map<string, string>>();

  constructor(readonly origin: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(new URL(this.origin).host)?.get(name);
  }

  setCookie(name: string, value: string): void {
    const host = new URL(this.origin).host;
    if (!this.cookies.has(host)) this.cookies.set(host, new Map());
    this.cookies.get(host)!.set(name, value);
  }

  async request(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const target = new URL(url, this.origin);
    const jar = this.cookies.get(target.host);
    const headers: Record<string, string> = { ...init.headers };
    if (jar && jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const res = await fetch(target, { method: init.method ?? "GET", headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!this.cookies.has(target.host)) this.cookies.set(target.host, new Map());
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired || value === "") this.cookies.get(target.host)!.delete(name);
      else this.cookies.get(target.host)!.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  post(path: string, headers: Record<string, string> = { "x-csrf": "1", origin: this.origin }): Promise<Answer> {
    return this.request(path, { method: "POST", headers });
  }

  /** /auth/login → Cognito's authorize → /auth/callback; resolves to the callback's answer. */
  async signIn(returnTo?: string): Promise<Answer> {
    const login = await this.request(`/auth/login${returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`}`);
    if (login.status !== 302) return login;
    const authorize = await this.request(login.headers.get("location")!);
    if (authorize.status !== 302) return authorize;
    return this.request(authorize.headers.get("location")!);
  }

  async accessToken(): Promise<string> {
    const res = await this.post("/auth/token");
    if (res.status !== 200) throw new Error(`/auth/token answered ${res.status}: ${res.text}`);
    return res.json().access_token;
  }
}

/** The error code of a failed sign-in's page (the callback answers the browser with HTML, not JSON). */
export function pageError(answer: Answer): string | undefined {
  expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
  return /<code>([a-z_]+)<\/code>/.exec(answer.text)?.[1];
}

export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, any>;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
