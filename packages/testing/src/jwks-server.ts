import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { JsonWebKey } from "node:crypto";
import { serveFault, type JwksFault } from "./faults.js";

export interface JwksServerOptions {
  readonly host: string;
  readonly port: number;
  readonly userPoolId: string;
  /** The keys to publish, read on every request so rotations show up at once. */
  readonly keys: () => JsonWebKey[];
  readonly fault: () => JwksFault | null;
  /** The issuer and JWKS URLs for the discovery document; known only once the port is. */
  readonly discovery: () => { issuer: string; jwksUri: string; algorithms: string[]; endpoints?: Record<string, unknown> };
  readonly onJwksRequest: () => void;
  /** Other routes (the OAuth endpoints): returns true when it served the request. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

export interface JwksServer {
  readonly port: number;
  /** Runs `callback` after `delayMs` unless `res` closes first; close() clears what is still pending. */
  schedule(callback: () => void, delayMs: number, res: ServerResponse): void;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The server: the JWKS and discovery routes, and whatever `routes` serves. */
export async function startJwksServer(options: JwksServerOptions): Promise<JwksServer> {
  const jwksPath = `/${options.userPoolId}/.well-known/jwks.json`;
  const discoveryPath = `/${options.userPoolId}/.well-known/openid-configuration`;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | undefined;

  const schedule = (callback: () => void, delayMs: number, res: ServerResponse): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, delayMs);
    timers.add(timer);
    // Nobody is waiting any more: free the timer instead of answering into the void.
    res.once("close", () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const serveJwks = (res: ServerResponse): void => {
    if (!res.destroyed) sendJson(res, 200, { keys: options.keys() });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A client that aborts mid-response must not crash the test process.
    req.on("error", () => {});
    res.on("error", () => {});

    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (options.routes?.(req, res, url)) return;
    if (path !== jwksPath && path !== discoveryPath && !(path === "/.well-known/openid-configuration" && options.discovery().endpoints)) {
      sendJson(res, 404, { error: "not_found", message: `No route for ${req.method ?? "?"} ${path}` });
      return;
    }
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "method_not_allowed", message: "Only GET is supported" }, { allow: "GET" });
      return;
    }
    if (path !== jwksPath) {
      const { issuer, jwksUri, algorithms, endpoints } = options.discovery();
      sendJson(res, 200, {
        issuer,
        jwks_uri: jwksUri,
        ...endpoints,
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: algorithms,
      });
      return;
    }

    options.onJwksRequest();
    const fault = options.fault();
    if (!fault) {
      serveJwks(res);
      return;
    }
    serveFault(fault, req, res, {
      keys: options.keys,
      serveHealthy: () => serveJwks(res),
      schedule: (callback, delayMs) => schedule(callback, delayMs, res),
    });
  };

  const server: Server = createServer(handle);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
  });
  // Malformed requests and resets before a request is parsed: drop the socket quietly.
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;

  return {
    port,
    schedule,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // server.close() only waits for in-flight responses, and a slow or huge
        // fault would keep it (and Jest) waiting: cut every connection now.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
