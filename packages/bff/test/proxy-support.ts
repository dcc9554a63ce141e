// What the proxy-mode tests share: real upstream APIs on 127.0.0.1 (an Express
// API behind @cognito-bearer/express, and a raw node:http one that streams),
// a server that no allowlist names (it must never be reached), and a raw
// HTTP client (node:http: any request target, any header, trailers).
import { createHash } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createVerifier, type Verifier } from "@cognito-bearer/core";
import { cognitoAuth } from "@cognito-bearer/express";
import type { TestIssuer } from "@cognito-bearer/testing";

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body?: string;
}

export interface Upstreams {
  /** The Express API: its routes under /v1 are the allowlisted base; /internal is outside it. */
  apiUrl: string;
  /** The raw streaming API: /stream/upload, /stream/download. */
  streamUrl: string;
  /** A server no allowlist names. */
  secretUrl: string;
  seen: Seen[];
  /** Requests that reached what the proxy must never reach (/internal, the secret server). */
  forbiddenHits: string[];
  /** Tokens the Express API refuses with 401 invalid_token (as an API with its own revocation would). */
  refusedTokens: Set<string>;
  /** Resolves the next time the streaming upstream sees the first bytes of an upload. */
  firstUploadBytes(): Promise<void>;
  /** Lets the streaming download write the rest of its body. */
  releaseDownload(): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export const MIB = 1024 * 1024;
export const CHUNK = 64 * 1024;
/** The 1 MiB body both ways: deterministic, so both ends can check it. */
export const BIG: Buffer = Buffer.from(Buffer.alloc(MIB, 0).map((_, i) => (i * 31 + 7) & 0xff));
export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

export async function startUpstreams(issuer: TestIssuer): Promise<Upstreams> {
  const verifier: Verifier = createVerifier(issuer.verifierOptions);
  const seen: Seen[] = [];
  const forbiddenHits: string[] = [];
  const refusedTokens = new Set<string>();

  const api = express();
  api.disable("x-powered-by");
  api.use((req, _res, next) => {
    seen.push({ method: req.method, url: req.originalUrl, headers: req.headers });
    next();
  });
  api.use("/internal", (req, res) => {
    forbiddenHits.push(`api${req.originalUrl}`);
    res.json({ internal: true });
  });
  api.use("/v1", (req, res, next) => {
    const token = req.headers.authorization?.slice(7) ?? "";
    if (!refusedTokens.has(token)) return next();
    res.status(401).set("www-authenticate", 'Bearer error="invalid_token", error_description="The access token is revoked"').json({ error: "invalid_token" });
  });
  api.use("/v1", cognitoAuth(verifier));
  api.get("/v1/me", (req, res) => res.json({ sub: req.auth?.sub, username: req.auth?.username }));
  api.get("/v1/headers", (req, res) => {
    // Status, headers and cookies of every kind, hop-by-hop ones among them.
    res.status(203);
    res.set("x-custom", "kept");
    res.set("connection", "x-hop-named");
    res.set("x-hop-named", "dropped");
    res.set("keep-alive", "timeout=7, max=3");
    res.set("proxy-authenticate", "Basic");
    res.set("x-cb-session", "expired");
    res.append("set-cookie", ["upstream_secret=1; Path=/", "theme=dark; Path=/"]);
    res.json({ ok: true });
  });
  api.all("/v1/echo", express.text({ type: "*/*", limit: "2mb" }), (req, res) => {
    seen[seen.length - 1].body = typeof req.body === "string" ? req.body : "";
    res.status(req.method === "POST" ? 201 : 200).json({ method: req.method, body: typeof req.body === "string" ? req.body : "" });
  });
  // An upstream that echoes the Authorization header (a debug endpoint): the proxy must not relay it.
  api.get("/v1/echo-auth", (req, res) => res.set("x-echo-auth", req.headers.authorization ?? "").json({ ok: true }));
  api.put("/v1/upload", express.raw({ type: "*/*", limit: "2mb" }), (req, res) => res.json({ bytes: (req.body as Buffer).length }));
  api.get("/v1/slow", () => undefined); // never answers: the proxy's timeout
  const apiServer = createServer(api);
  const apiUrl = await listen(apiServer);

  let uploadWaiters: (() => void)[] = [];
  let downloadRelease: (() => void) | undefined;
  const streamServer = createServer(async (req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    try {
      await verifier.verify(req.headers.authorization?.slice(7) ?? "");
    } catch {
      res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end();
      return;
    }
    if (req.url === "/stream/upload") {
      const chunks: Buffer[] = [];
      req.once("data", () => {
        for (const wake of uploadWaiters.splice(0)) wake();
      });
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ bytes: body.length, sha256: sha256(body), trailer: req.trailers["x-upload-checksum"] ?? null }));
      });
      return;
    }
    if (req.url === "/stream/download") {
      const released = new Promise<void>((resolve) => (downloadRelease = resolve));
      res.writeHead(200, { "content-type": "application/octet-stream", trailer: "x-checksum" });
      res.write(BIG.subarray(0, CHUNK));
      await released;
      for (let offset = CHUNK; offset < MIB; offset += CHUNK) {
        if (!res.write(BIG.subarray(offset, offset + CHUNK))) await new Promise((resolve) => res.once("drain", resolve));
      }
      res.addTrailers({ "x-checksum": sha256(BIG) });
      res.end();
      return;
    }
    res.writeHead(404).end();
  });
  const streamUrl = await listen(streamServer);

  const secretServer = createServer((req, res) => {
    forbiddenHits.push(`secret${req.url}`);
    res.writeHead(200, { "content-type": "application/json" }).end('{"secret":true}');
  });
  const secretUrl = await listen(secretServer);

  return {
    apiUrl,
    streamUrl,
    secretUrl,
    seen,
    forbiddenHits,
    refusedTokens,
    firstUploadBytes: () => new Promise<void>((resolve) => uploadWaiters.push(resolve)),
    releaseDownload: () => downloadRelease?.(),
    async close() {
      downloadRelease?.();
      uploadWaiters = [];
      await Promise.all([closeServer(apiServer), closeServer(streamServer), closeServer(secretServer)]);
      verifier.close();
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  trailers: Record<string, string | undefined>;
  body: Buffer;
  text: string;
}

/** One request by node:http: the target is sent as written (absolute-form, `..`, anything). */
export function raw(base: string, target: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string; setHost?: boolean } = {}): Promise<RawAnswer> {
  const url = new URL(base);
  // Node frames no body of a DELETE by itself: say its length.
  const headers = init.body === undefined || init.headers?.["transfer-encoding"] !== undefined ? init.headers : { "content-length": String(Buffer.byteLength(init.body)), ...init.headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: init.method ?? "GET", path: target, headers, setHost: init.setHost ?? true, agent: false }, (res) => collect(res).then(resolve, reject));
    req.on("error", reject);
    req.end(init.body);
  });
}

export async function collect(res: IncomingMessage): Promise<RawAnswer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return { status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, trailers: res.trailers, body, text: body.toString("utf8") };
}

export const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/;
