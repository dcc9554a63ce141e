// What the Next.js tests share: the handler made by createNextTokenHandler,
// driven with real web Requests (as Next.js hands them to route handlers), a
// real test issuer, real upstream APIs (proxy-support.ts), and a browser-like
// cookie jar. No Next.js server: the binding to next/headers is tested in the
// real app (examples/nextjs-bff); here the cookies are passed in (forCookiesOf).
import { createMemoryRevocationList, createVerifier, type RevocationList, type Verifier } from "@cognito-bearer/core";
import type { TokenHandlerEvent } from "@cognito-bearer/bff";
import { createNextTokenHandler, type NextTokenHandler, type NextTokenHandlerOptions } from "@cognito-bearer/bff/next";
import { createTestIssuer, type OAuthOptions, type TestIssuer } from "@cognito-bearer/testing";
import { forCookiesOf } from "../src/next/create";
import type { CookieJar } from "../src/next/server-session";
import { startUpstreams, type Upstreams } from "./proxy-support";

/** The app's origin: nothing listens there, the Requests are built for it. */
export const ORIGIN = "https://app.example";
export const SESSION = "__Host-Http-cb-session";

export interface NextSetup {
  bff: NextTokenHandler;
  name: string;
  issuer: TestIssuer;
  up: Upstreams;
  verifier: Verifier;
  revocations: RevocationList;
  events: TokenHandlerEvent[];
  browser: WebBrowser;
  close(): Promise<void>;
}

let instances = 0;

/** A Next.js handler in proxy mode (/api → the Express API's /v1, /files → the streaming one), against an issuer of its own. */
export async function startNext(oauth: Partial<OAuthOptions> = {}, options: Partial<NextTokenHandlerOptions> = {}): Promise<NextSetup> {
  const issuer = await createTestIssuer({ oauth: { redirectUris: [`${ORIGIN}/auth/callback`], users: [{ username: "alice" }], ...oauth } });
  const up = await startUpstreams(issuer);
  const revocations = createMemoryRevocationList();
  const verifier = createVerifier({ ...issuer.verifierOptions, revocations });
  const events: TokenHandlerEvent[] = [];
  const name = `test-${process.pid}-${++instances}`;
  const made = () => createNextTokenHandler({
    name,
    cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: `${ORIGIN}/auth/callback` },
    verifier,
    revocations,
    onEvent: (event) => events.push(event),
    upstreams: { "/api": `${up.apiUrl}/v1`, "/files": `${up.streamUrl}/stream` },
    proxy: { allowedSetCookies: ["theme"], timeoutMs: 1500 },
    ...options,
  });
  let bff: NextTokenHandler;
  try {
    bff = made();
  } catch (err) {
    verifier.close();
    await up.close();
    await issuer.close();
    throw err;
  }
  return {
    bff,
    name,
    issuer,
    up,
    verifier,
    revocations,
    events,
    browser: new WebBrowser(ORIGIN),
    async close() {
      await bff.close();
      verifier.close();
      await up.close();
      await issuer.close();
    },
  };
}

type Handler = (request: Request) => Promise<Response>;

/** A browser-like client for route handlers: a cookie jar, the SPA's Origin and CSRF header when asked. */
export class WebBrowser {
  readonly jar = new Map<string, string>();

  constructor(readonly origin: string) {}

  get cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** A cookie store as Next's `cookies()` gives one (get, set), over this jar. */
  cookieStore(): CookieJar & { sets: { name: string; value: string; options: unknown }[] } {
    const sets: { name: string; value: string; options: unknown }[] = [];
    return {
      sets,
      get: (name) => (this.jar.has(name) ? { value: this.jar.get(name)! } : undefined),
      set: (name, value, options) => {
        sets.push({ name, value, options });
        if (value === "" || options.maxAge === 0) this.jar.delete(name);
        else this.jar.set(name, value);
      },
    };
  }

  request(path: string, init: { method?: string; headers?: Record<string, string>; body?: RequestInit["body"] } = {}): Request {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0 && !headers.has("cookie")) headers.set("cookie", this.cookieHeader);
    return new Request(new URL(path, this.origin), { method: init.method ?? "GET", headers, body: init.body ?? null, ...(init.body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
  }

  /** The state-changing headers the SPA sends. */
  spa(extra: Record<string, string> = {}): Record<string, string> {
    return { "x-csrf": "1", origin: this.origin, ...extra };
  }

  async call(handler: Handler, path: string, init: Parameters<WebBrowser["request"]>[1] = {}): Promise<Response> {
    const response = await handler(this.request(path, init));
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  /** /auth/login (route handler) → the issuer's /oauth2/authorize (real HTTP) → /auth/callback (route handler). */
  async signIn(bff: NextTokenHandler, returnTo?: string): Promise<Response> {
    const login = await this.call(bff.routeHandlers.GET, `/auth/login${returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`}`);
    if (login.status !== 302) return login;
    const authorize = await fetch(login.headers.get("location")!, { redirect: "manual" });
    await authorize.arrayBuffer();
    const callback = new URL(authorize.headers.get("location")!);
    if (callback.origin !== this.origin) throw new Error(`the issuer sent the browser to ${callback.origin}`);
    return this.call(bff.routeHandlers.GET, `${callback.pathname}${callback.search}`);
  }
}

/** The server-side functions for this browser's cookies (what getSession() etc. do with Next's cookies()). */
export function serverFor(s: NextSetup, ...cookies: [] | [Parameters<typeof forCookiesOf>[1]]) {
  return forCookiesOf(s.bff, cookies.length === 0 ? s.browser.cookieHeader : cookies[0]);
}

type Start = (oauth?: Partial<OAuthOptions>, options?: Partial<NextTokenHandlerOptions>) => Promise<NextSetup>;

/** A test file's setups, closed after each test; `signedIn` has alice signed in through the route handlers. */
export function setupsPerTest(): { start: Start; signedIn: Start } {
  const started: NextSetup[] = [];
  afterEach(async () => {
    for (const setup of started.splice(0)) await setup.close();
  });
  const start: Start = async (oauth, options) => {
    const setup = await startNext(oauth, options);
    started.push(setup);
    return setup;
  };
  const signedIn: Start = async (oauth, options) => {
    const setup = await start(oauth, options);
    const callback = await setup.browser.signIn(setup.bff);
    if (callback.status !== 200) throw new Error(`sign-in answered ${callback.status}`);
    return setup;
  };
  return { start, signedIn };
}
