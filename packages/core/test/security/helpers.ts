// Shared tooling for the security suite: recording HTTP servers (a JWKS mirror
// and an "attacker"), a hand signer for tokens whose JSON must be written by
// hand, an Express app around the adapter on a real port, polling with a
// deadline, and leak checks. No mocks: every server listens on 127.0.0.1.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { generateKeyPairSync, randomUUID, sign as cryptoSign, type JsonWebKey, type KeyObject } from "node:crypto";
import { AuthError, type Verifier } from "@cognito-bearer/core";
import { cognitoAuth } from "@cognito-bearer/express";
import type { TestIssuer } from "@cognito-bearer/testing";

// ---------------------------------------------------------------------------
// Encoding

export function b64url(value: string | Buffer | object): string {
  if (Buffer.isBuffer(value)) return value.toString("base64url");
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8").toString("base64url");
}

/** A compact JWS from raw parts; objects are JSON-encoded, strings are used as the JSON text. */
export function compact(header: object | string, payload: object | string, signature: string | Buffer = "c2lnbmF0dXJl"): string {
  return `${b64url(header)}.${b64url(payload)}.${Buffer.isBuffer(signature) ? signature.toString("base64url") : signature}`;
}

/** Cognito-shaped access-token claims for `issuer`, with overrides (`undefined` removes a claim). */
export function accessClaims(issuer: Pick<TestIssuer, "issuer" | "clientId">, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    sub: randomUUID(),
    iss: issuer.issuer,
    version: 2,
    client_id: issuer.clientId,
    token_use: "access",
    scope: "openid",
    auth_time: now,
    exp: now + 3600,
    iat: now,
    jti: randomUUID(),
    username: "mallory",
    ...overrides,
  };
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return claims;
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The same signature bytes under another spelling. An RSA-2048 signature is 256
 * bytes, 342 base64url characters of which the last carries only 2 bits: the
 * other 4 are padding bits a lenient decoder ignores. Padding `=` is ignored too.
 */
export function malleate(token: string, how: "trailing-bits" | "padding"): string {
  const [header, payload, signature] = token.split(".");
  if (how === "padding") return `${header}.${payload}.${signature}==`;
  const last = B64URL.indexOf(signature[signature.length - 1]);
  const twin = B64URL[last ^ 1];
  const forged = `${signature.slice(0, -1)}${twin}`;
  // The premise of the attack: both spellings decode to the very same bytes.
  expect(Buffer.from(forged, "base64url").equals(Buffer.from(signature, "base64url"))).toBe(true);
  return `${header}.${payload}.${forged}`;
}

// ---------------------------------------------------------------------------
// A signer under our control, for payloads JSON.stringify cannot produce (1e309)
// and segments that are not JSON objects at all.

export interface RawSigner {
  readonly kid: string;
  readonly jwk: JsonWebKey;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Sign header and payload given as JSON text (or objects). */
  sign(header: object | string, payload: object | string): string;
}

export function createRawSigner(kid = `raw-${randomUUID()}`): RawSigner {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const exported = publicKey.export({ format: "jwk" });
  const jwk: JsonWebKey = { kid, alg: "RS256", kty: "RSA", use: "sig", n: exported.n, e: exported.e };
  return {
    kid,
    jwk,
    privateKey,
    publicKey,
    sign(header, payload) {
      const input = `${b64url(header)}.${b64url(payload)}`;
      return `${input}.${cryptoSign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    },
  };
}

// ---------------------------------------------------------------------------
// Recording HTTP servers

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface RecordingServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on 127.0.0.1 that records every request it receives. */
export async function startRecordingServer(handler: Handler = defaultHandler): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.on("error", () => {});
    res.on("error", () => {});
    handler(req, res);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function defaultHandler(_req: IncomingMessage, res: ServerResponse): void {
  // What an attacker would answer: a JWKS with their own key.
  const body = JSON.stringify({ keys: [] });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export interface JwksMirror extends RecordingServer {
  /** The mirror's JWKS URL: same path as the issuer's. */
  readonly jwksUri: string;
  /** GETs of the JWKS path. */
  readonly jwksRequests: number;
}

/**
 * A JWKS server that publishes the test issuer's current keys plus `extraKeys()`,
 * and records every request (any path), so a test can see both how many
 * fetches a token caused and where they went.
 */
export async function startJwksMirror(issuer: TestIssuer, extraKeys: () => JsonWebKey[] = () => []): Promise<JwksMirror> {
  const path = new URL(issuer.jwksUri).pathname;
  const recording = await startRecordingServer((req, res) => {
    const status = req.url === path ? 200 : 404;
    const body = JSON.stringify(status === 200 ? { keys: [...issuer.jwks().keys, ...extraKeys()] } : { error: "not_found" });
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  return {
    ...recording,
    requests: recording.requests,
    close: recording.close,
    jwksUri: `${recording.url}${path}`,
    get jwksRequests() {
      return recording.requests.filter((r) => r.url === path).length;
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function refusedUrl(path = "/jwks.json"): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

// ---------------------------------------------------------------------------
// Express, on a real port

// express is a dependency of the adapter package only: load it from there.
const requireFromExpressPackage = createRequire(join(__dirname, "..", "..", "..", "express", "package.json"));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const express: any = requireFromExpressPackage("express");

export interface ExpressApp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * An Express 5 app with cognitoAuth(verifier) in front of `GET /me`, listening
 * on 127.0.0.1 with a header limit large enough to carry oversized tokens to the
 * middleware (Node's default of 16 KiB would answer 431 before Express runs).
 */
export async function startExpressApp(verifier: Verifier): Promise<ExpressApp> {
  const app = express();
  app.use(cognitoAuth(verifier));
  app.get("/me", (req: { auth?: { sub: string } }, res: { json(body: unknown): void }) => {
    res.json({ sub: req.auth?.sub });
  });
  const sockets = new Set<Socket>();
  const server = createServer({ maxHeaderSize: 256 * 1024 }, app);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------
// Assertions

/** The AuthError a promise (or function) rejects with; fails if it resolves or throws anything else. */
export async function authErrorOf(action: Promise<unknown> | (() => unknown)): Promise<AuthError> {
  let outcome: unknown;
  try {
    outcome = await (typeof action === "function" ? action() : action);
  } catch (err) {
    if (!(err instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(err)}`, { cause: err });
    return err;
  }
  throw new Error(`expected an AuthError, but it resolved: ${JSON.stringify(outcome)?.slice(0, 200)}`);
}

/** Everything an AuthError could show a client or a log, as one string. */
export function visibleText(err: AuthError): string {
  return [err.message, String(err), JSON.stringify(err), JSON.stringify(err.headers), JSON.stringify(err.body)].join("\n");
}

/** Fails when any of `secrets` occurs in `text` (compares case-insensitively for header-folded text too). */
export function expectNoLeak(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    if (text.includes(secret)) throw new Error(`response leaks ${JSON.stringify(secret.slice(0, 60))}`);
  }
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function until<T>(probe: () => T | Promise<T>, { timeoutMs = 5000, intervalMs = 20, what = "condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Whether a verification succeeds (true) or is refused with `status` (false); any other outcome fails. */
export async function accepts(verifier: Verifier, token: string): Promise<boolean> {
  try {
    await verifier.verify(token);
    return true;
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    return false;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
