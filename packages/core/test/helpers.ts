// Shared set-up for the core tests: real issuers over HTTP, verifiers that are
// always closed, and small helpers to look at rejections, events and tokens.
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { globalAgent } from "node:https";
import { AuthError, createVerifier, type Verifier, type VerifierOptions, type VerifyEvent } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from "@cognito-bearer/testing";
import { TEST_TLS_CERT, TEST_TLS_KEY } from "./fixtures/tls";

interface Closeable {
  close(): void | Promise<void>;
}

export interface Fixtures {
  /** A local Cognito-shaped issuer on 127.0.0.1, closed after the test (or after the file when made in beforeAll). */
  issuer(options?: TestIssuerOptions): Promise<TestIssuer>;
  /** createVerifier(), closed after the test (or after the file when made in beforeAll). */
  verifier(options: VerifierOptions | readonly VerifierOptions[]): Verifier;
  /** Close anything else with the same lifetime rules. */
  track<T extends Closeable>(resource: T): T;
}

/**
 * Call once at the top of a test file. Resources made inside a test are closed
 * in afterEach; resources made in beforeAll are closed in afterAll.
 */
export function fixtures(): Fixtures {
  const perTest: Closeable[] = [];
  const perFile: Closeable[] = [];
  let inTest = false;
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    jest.useRealTimers();
    await closeAll(perTest);
  });
  afterAll(() => closeAll(perFile));
  const track = <T extends Closeable>(resource: T): T => {
    (inTest ? perTest : perFile).push(resource);
    return resource;
  };
  return {
    issuer: async (options) => track(await createTestIssuer(options)),
    verifier: (options) => track(createVerifier(options)),
    track,
  };
}

async function closeAll(resources: Closeable[]): Promise<void> {
  // Verifiers first (they hold refresh timers), then servers.
  const list = resources.splice(0).reverse();
  for (const resource of list) await resource.close();
}

/** The AuthError a promise (or a function, or authenticate()'s result) rejects with; fails the test if it resolves. */
export async function rejection(action: unknown): Promise<AuthError> {
  let outcome: unknown;
  try {
    outcome = await (typeof action === "function" ? action() : action);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error(`expected an AuthError, got a result: ${JSON.stringify(outcome)}`);
}

/** Asserts the rejection's status, code and reason, and returns it. */
export async function expectRejected(
  action: unknown,
  expected: { status: number; code: string | null; reason: string },
): Promise<AuthError> {
  const err = await rejection(action);
  expect({ status: err.status, code: err.code, reason: err.reason }).toEqual(expected);
  return err;
}

export const INVALID_TOKEN = (reason: string) => ({ status: 401, code: "invalid_token", reason });
export const UNAVAILABLE = { status: 503, code: "temporarily_unavailable", reason: "jwks_unavailable" } as const;

/** Collects onEvent events. */
export function recorder(): { events: VerifyEvent[]; onEvent: (event: VerifyEvent) => void; ofType<T extends VerifyEvent["type"]>(type: T): Extract<VerifyEvent, { type: T }>[] } {
  const events: VerifyEvent[] = [];
  return {
    events,
    onEvent: (event) => {
      events.push(event);
    },
    ofType: (type) => events.filter((event) => event.type === type) as never,
  };
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString()),
    payload: JSON.parse(Buffer.from(payload, "base64url").toString()),
  };
}

/** The same token with its payload changed and its signature kept. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  return `${header}.${b64url({ ...decode(token).payload, ...changes })}.${signature}`;
}

/** Current time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const REAL_APIS = [
  "hrtime",
  "nextTick",
  "performance",
  "queueMicrotask",
  "requestAnimationFrame",
  "cancelAnimationFrame",
  "requestIdleCallback",
  "cancelIdleCallback",
  "setImmediate",
  "clearImmediate",
  "setInterval",
  "clearInterval",
  "setTimeout",
  "clearTimeout",
] as const;

/**
 * Freezes `Date` (only: timers, sockets and performance stay real) at `ms`.
 * fixtures() restores the real clock after each test.
 */
export function freezeDate(ms: number): { set(ms: number): void } {
  jest.useFakeTimers({ doNotFake: [...REAL_APIS], now: ms });
  return { set: (next) => jest.setSystemTime(next) };
}

/** A standard (real-shaped) Cognito user pool and both of its issuer formats. */
export const STANDARD_POOL = "eu-west-1_AbCdEf123";
export const REGIONAL_ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${STANDARD_POOL}`;
export const GLOBAL_ISSUER = `https://issuer-cognito-idp.eu-west-1.amazonaws.com/${STANDARD_POOL}`;

export interface HttpsJwks {
  /** `https://127.0.0.1:<port>/<pool>/.well-known/jwks.json`, serving the issuer's published keys. */
  readonly jwksUri: string;
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * Serves a test issuer's JWKS over https (a self-signed certificate that the
 * process trusts until close()), as a real Cognito issuer's JWKS must be.
 */
export async function httpsJwks(issuer: TestIssuer): Promise<HttpsJwks> {
  let requests = 0;
  const path = `/${issuer.userPoolId}/.well-known/jwks.json`;
  const server = createServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY }, (req, res) => {
    if (req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(issuer.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const previousCa = globalAgent.options.ca;
  globalAgent.options.ca = TEST_TLS_CERT;
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `https://127.0.0.1:${port}${path}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        globalAgent.options.ca = previousCa;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
